"""Stripe through Dagster against the sandbox: one day of raw + warehouse assets, a rerun that changes
nothing, deletions as is_deleted rows, a quarantined event, and the day's customer_feedback rows on the
``payment`` channel. The lake and DuckDB live in tmp_path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from integration_pipelines.sources.stripe import OBJECTS
from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions, table_rows
from vendor_sandbox import voices
from vendor_sandbox.dialects.stripe import render
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

SANDBOX_DIALECTS = "stripe"  # this module's own sandbox (fixtures vendor_server / vendor_sandbox)
DAY = "2026-10-29"  # holds cancellations, disputes and a deleted customer
START = datetime(2026, 10, 29, tzinfo=UTC)
END = START + timedelta(days=1)


def sync(sandbox: SandboxProcess, home: Path) -> dg.ExecuteInProcessResult:
    job = pipeline_definitions(sandbox, home).resolve_job_def("stripe_sync_job")
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), partition_key=DAY, raise_on_error=False)


def query(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def latest(world: World) -> dict[str, dict[str, dict]]:
    """Per object, each record's last event of the day (what the day's partition must hold)."""
    found: dict[str, dict[str, dict]] = {name: {} for name in OBJECTS}
    for event in render.build(world).events:
        if START.timestamp() <= event["created"] < END.timestamp():
            name = next(o.name for o in OBJECTS.values() if event["type"] in o.event_types)
            found[name][event["data"]["object"]["id"]] = event
    return found


@pytest.fixture(scope="module")
def synced(vendor_server: SandboxProcess, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("stripe")
    assert sync(vendor_server, home).success
    return home


def test_one_day_lands_exactly_and_a_rerun_changes_nothing(
    vendor_server: SandboxProcess, synced: Path, world: World
) -> None:
    expected = latest(world)
    before = {name: table_rows(synced, name, schema="stripe") for name in OBJECTS}
    for name in OBJECTS:
        ids = [r[0] for r in query(synced, f"SELECT id FROM stripe.{name}")]
        assert len(ids) == len(set(ids)) and set(ids) == set(expected[name]) and ids, name
        versions = dict(query(synced, f"SELECT id, event_id FROM stripe.{name}"))
        assert versions == {k: e["id"] for k, e in expected[name].items()}
    deleted = {k for k, e in expected["customers"].items() if e["type"] == "customer.deleted"}
    assert deleted and {r[0] for r in query(synced, "SELECT id FROM stripe.customers WHERE is_deleted")} == deleted
    assert sync(vendor_server, synced).success  # the same day again
    assert {name: table_rows(synced, name, schema="stripe") for name in OBJECTS} == before


def test_customer_feedback_has_the_days_payment_rows(synced: Path, vendor_server: SandboxProcess, world: World) -> None:
    defs = pipeline_definitions(vendor_server, synced)
    result = defs.get_implicit_global_asset_job_def().execute_in_process(
        instance=dg.DagsterInstance.ephemeral(),
        partition_key=DAY,
        asset_selection=[dg.AssetKey(["feedback", "customer_feedback"])],
    )
    assert result.success
    rows = query(
        synced,
        "SELECT message_id, parent_id, source_object, author_role, channel, text, is_deleted, author_email "
        "FROM feedback.customer_feedback WHERE source = 'stripe'",
    )
    day = latest(world)
    scripts = {render.stripe_id("sub", s.number): s for s in voices.scripts(world, "payment")}
    scripts |= {render.stripe_id("dp", s.number): s for s in voices.scripts(world, "payment")}
    expected = {}
    for sid, event in day["subscriptions"].items():
        comment = event["data"]["object"]["cancellation_details"]["comment"]
        if comment:
            assert comment == render.first_words(scripts[sid])
            expected[f"{sid}:cancellation"] = (sid, "subscription_cancellation", comment)
    for did, event in day["disputes"].items():
        dispute = event["data"]["object"]
        text = dispute["evidence"]["uncategorized_text"] or dispute["reason"].replace("_", " ").capitalize()
        expected[did] = (did, "dispute", text)
    assert len(rows) == len({r[0] for r in rows}) == len(expected) > 0
    assert {r[0]: (r[1], r[2], r[5]) for r in rows} == expected
    assert {(r[3], r[4], r[6]) for r in rows} == {("customer", "payment", False)}
    assert any(r[2] == "subscription_cancellation" for r in rows) and any(r[2] == "dispute" for r in rows)
    # a cancellation names its author by the customer's email (the dbt identities match people on it); a
    # deleted customer's record no longer carries one
    authors = {r[0]: r[7] for r in rows if r[2] == "subscription_cancellation"}
    assert any(authors.values())
    for message_id, email in authors.items():
        assert email in (scripts[message_id.removesuffix(":cancellation")].customer.email, None)


def test_an_event_without_a_usable_created_is_quarantined_and_the_rest_land(
    vendor_sandbox: SandboxProcess, synced: Path, tmp_path: Path
) -> None:
    vendor_sandbox.admin("stripe", "poison_event", at=f"{DAY}T12:00:00Z", kind="bad_version")
    result = sync(vendor_sandbox, tmp_path)
    assert result.success
    assert query(tmp_path, "SELECT id FROM stripe.customers ORDER BY id") == query(
        synced, "SELECT id FROM stripe.customers ORDER BY id"
    )
    raw = next(
        e.materialization.metadata
        for e in result.get_asset_materialization_events()
        if e.materialization.asset_key == dg.AssetKey(["raw", "stripe", "customers"])
        and "window_quarantined" in e.materialization.metadata
    )
    assert raw["window_quarantined"].value == raw["window_quarantined_malformed_version"].value == 1
