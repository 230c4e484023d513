"""Calendly through Dagster against its sandbox: one day of raw + warehouse, a rerun that changes nothing,
the day's bookings as customer_feedback rows on the ``meeting`` channel, and broken events quarantined
while the rest of the day lands. Real sandbox over HTTP (its own process), lake and DuckDB in tmp_path."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from integration_pipelines_tests.defs.test_quarantine_sync import metadata, quarantine_checks, quarantine_rows
from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions, table_rows
from vendor_sandbox.dialects.calendly import render
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

SANDBOX_DIALECTS = "calendly"  # this module's own sandbox (fixtures vendor_server / vendor_sandbox)
DAY = "2026-10-27"
START = datetime(2026, 10, 27, tzinfo=UTC)
END = START + timedelta(days=1)


@pytest.fixture
def sandbox(vendor_sandbox: SandboxProcess) -> SandboxProcess:
    return vendor_sandbox


def sync(defs: dg.Definitions, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    return defs.resolve_job_def("calendly_sync_job").execute_in_process(
        instance=instance, partition_key=DAY, raise_on_error=False
    )


def query(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def day_bookings(world: World) -> tuple[list[render.Booking], list[render.Booking]]:
    """The day's changed events and changed invitees."""
    bookings = render.bookings(world)
    return (
        [b for b in bookings if START <= b.event_updated_at < END],
        [b for b in bookings if START <= b.invitee_updated_at < END],
    )


def test_one_day_lands_exactly_once_and_feeds_customer_feedback(
    sandbox: SandboxProcess, world: World, tmp_path: Path
) -> None:
    events, invitees = day_bookings(world)
    assert len(events) >= 5 and any(b.canceled_at for b in invitees)
    defs = pipeline_definitions(sandbox, tmp_path)
    with dg.DagsterInstance.ephemeral() as instance:
        first = sync(defs, instance)
        assert first.success
        before = {t: table_rows(tmp_path, t, "calendly", "uri") for t in ("scheduled_events", "invitees")}
        assert sync(defs, instance).success  # the same day again: nothing new, nothing doubled
        after = {t: table_rows(tmp_path, t, "calendly", "uri") for t in ("scheduled_events", "invitees")}
        assert before == after
        feedback = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=instance, partition_key=DAY, asset_selection=[dg.AssetKey(["feedback", "customer_feedback"])]
        )
        assert feedback.success
    assert metadata(first, "raw/calendly/scheduled_events")["rows"] == len(events)
    assert metadata(first, "raw/calendly/invitees")["rows"] == len(invitees)
    assert {r[0] for r in query(tmp_path, "SELECT uri FROM calendly.scheduled_events")} == {b.event_uri for b in events}
    assert {r[0] for r in query(tmp_path, "SELECT uri FROM calendly.invitees")} == {b.invitee_uri for b in invitees}
    for table in ("scheduled_events", "invitees"):
        ((count, distinct),) = query(tmp_path, f"SELECT count(*), count(DISTINCT uri) FROM calendly.{table}")
        assert count == distinct

    rows = query(
        tmp_path,
        "SELECT message_id, parent_id, author_role, channel, text, is_deleted, source_object, author_email "
        "FROM feedback.customer_feedback WHERE source = 'calendly'",
    )
    expected = {}
    for b in invitees:
        for position, answer in enumerate(b.answers):
            if answer.strip():
                expected[f"{b.invitee_uri}#answer-{position}"] = (b.event_uuid, answer, "invitee_answer")
        if b.canceled_at:
            expected[f"{b.invitee_uri}#cancellation"] = (b.event_uuid, b.cancel_reason, "invitee_cancellation")
    assert len(rows) == len({r[0] for r in rows}) == len(expected)
    assert {r[0]: (r[1], r[4], r[6]) for r in rows} == expected
    assert {(r[2], r[3], r[5]) for r in rows} == {("customer", "meeting", False)}
    emails = {f"{b.invitee_uri}#": b.customer.email for b in invitees}
    assert all(r[7] == emails[r[0].split("#")[0] + "#"] for r in rows)
    assert any(r[6] == "invitee_cancellation" for r in rows)
    answers = query(tmp_path, "SELECT questions_and_answers FROM calendly.invitees")
    assert any(qa["answer"] == "" for (raw,) in answers for qa in json.loads(raw))  # empty answers make no row


def test_broken_events_are_quarantined_and_the_rest_of_the_day_lands(
    sandbox: SandboxProcess, world: World, tmp_path: Path
) -> None:
    made = {
        kind: sandbox.admin("calendly", "poison_event", at=f"{DAY}T12:00:00Z", kind=kind)
        for kind in ("null_version", "bad_version", "null_key")
    }
    with dg.DagsterInstance.ephemeral() as instance:
        result = sync(pipeline_definitions(sandbox, tmp_path), instance)
    assert result.success
    events, _ = day_bookings(world)
    assert {r[0] for r in query(tmp_path, "SELECT uri FROM calendly.scheduled_events")} == {b.event_uri for b in events}
    raw = metadata(result, "raw/calendly/scheduled_events")
    assert raw["quarantined"] == 3
    assert sorted((row[0], row[2], row[3]) for row in quarantine_rows(tmp_path)) == sorted(
        [
            ("scheduled_events", "malformed_version", made["bad_version"]["uri"]),
            ("scheduled_events", "null_key", None),
            ("scheduled_events", "null_version", made["null_version"]["uri"]),
        ]
    )
    checks = quarantine_checks(result)
    assert not checks["warehouse/calendly/scheduled_events"].passed
    assert checks["warehouse/calendly/scheduled_events"].severity == dg.AssetCheckSeverity.WARN
    assert checks["warehouse/calendly/invitees"].passed
