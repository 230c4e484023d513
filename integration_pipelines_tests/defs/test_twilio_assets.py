"""Twilio through Dagster against the sandbox over HTTP: a day of raw + warehouse messages, a rerun that
changes nothing, customer_feedback rows per channel, a redaction as an is_deleted row, a quarantined
record. The lake and DuckDB live in ``tmp_path``; expected rows come from the world's shared pool."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from integration_pipelines.defs.text.feedback import customer_feedback
from integration_pipelines.lib.lake import LakeResource
from integration_pipelines.lib.partitions import range_tags
from integration_pipelines_tests.defs.test_quarantine_sync import metadata, quarantine_rows
from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions, table_rows
from vendor_sandbox.dialects.twilio import render
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

SANDBOX_DIALECTS = "twilio"  # this module's own sandbox: the change feed's redactions stay here
DAY = date(2026, 10, 28)


def thread(pair: str) -> str:
    """A thread's id as the contract states it: TH + 32 hex of SHA-256("{customer}|{sender}")."""
    return "TH" + hashlib.sha256(pair.encode()).hexdigest()[:32]


def window(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start, start + timedelta(days=1)


def sync(sandbox: SandboxProcess, home: Path, instance: dg.DagsterInstance, **placement: object):
    job = pipeline_definitions(sandbox, home).resolve_job_def("twilio_sync_job")
    return job.execute_in_process(instance=instance, raise_on_error=False, **placement)


def feedback(home: Path, day: date, instance: dg.DagsterInstance) -> list[tuple]:
    result = dg.materialize(
        [customer_feedback],
        partition_key=day.isoformat(),
        instance=instance,
        resources={
            "duckdb": DuckDBResource(database=str(home / "warehouse.duckdb")),
            "lake": LakeResource(url=str(home / "lake")),
        },
    )
    assert result.success
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            "SELECT message_id, parent_id, author_role, channel, text, is_deleted, author_phone "
            "FROM feedback.customer_feedback "
            "WHERE source = 'twilio' ORDER BY message_id"
        ).fetchall()


def test_a_day_lands_exactly_once_and_feeds_customer_feedback(
    vendor_sandbox: SandboxProcess, world: World, tmp_path: Path
) -> None:
    start, end = window(DAY)
    expected = [m for m in render.messages(world) if start <= m.date_updated < end]
    with dg.DagsterInstance.ephemeral() as instance:
        first = sync(vendor_sandbox, tmp_path, instance, partition_key=DAY.isoformat())
        assert first.success
        rows = table_rows(tmp_path, "messages", schema="twilio", key="sid")
        assert sorted(r[0] for r in rows) == sorted(m.sid for m in expected)
        assert metadata(first, "raw/twilio/messages")["rows"] == len(expected)
        assert sync(vendor_sandbox, tmp_path, instance, partition_key=DAY.isoformat()).success
        assert table_rows(tmp_path, "messages", schema="twilio", key="sid") == rows  # a rerun changes nothing
        feedback_rows = feedback(tmp_path, DAY, instance)
    inbound = sorted((m for m in expected if m.direction == "inbound"), key=lambda m: m.sid)
    # each names its author by the customer's own number, as the world knows them (WhatsApp's prefix dropped)
    assert feedback_rows == [
        (m.sid, thread(m.thread), "customer", m.channel, m.body, False, world.person(m.customer_id).phone)
        for m in inbound
    ]
    assert {row[3] for row in feedback_rows} == {"sms", "whatsapp"}


def test_a_redaction_arrives_as_a_deleted_row_and_a_deleted_feedback_row(
    vendor_sandbox: SandboxProcess, tmp_path: Path
) -> None:
    first = DAY - timedelta(days=2)
    with dg.DagsterInstance.ephemeral() as instance:
        assert sync(vendor_sandbox, tmp_path, instance, tags=range_tags(first.isoformat(), DAY.isoformat())).success
        before = table_rows(tmp_path, "messages", schema="twilio", key="sid")
        made = vendor_sandbox.make_changes("twilio", "delete", deliver=False, at=datetime(2026, 10, 28, 21, tzinfo=UTC))
        (change,) = made["changes"]
        assert change["at"].startswith(DAY.isoformat()) and change["record_id"] in {r[0] for r in before}
        assert sync(vendor_sandbox, tmp_path, instance, partition_key=DAY.isoformat()).success
        with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
            deleted = con.execute("SELECT sid, body FROM twilio.messages WHERE is_deleted").fetchall()
            count = con.execute("SELECT count(*), count(DISTINCT sid) FROM twilio.messages").fetchone()
        feedback_rows = feedback(tmp_path, DAY, instance)
    assert deleted == [(change["record_id"], "")]
    assert count == (len(before), len(before))  # replaced in place: nothing lost, nothing doubled
    assert [r for r in feedback_rows if r[5]] == [
        next((r[0], r[1], "customer", r[3], "", True, r[6]) for r in feedback_rows if r[0] == change["record_id"])
    ]


@pytest.mark.parametrize("kinds", [("null_version", "bad_version")])
def test_a_record_without_a_usable_date_updated_is_quarantined_and_the_rest_land(
    vendor_sandbox: SandboxProcess, world: World, tmp_path: Path, kinds: tuple[str, ...]
) -> None:
    at = datetime(2026, 10, 28, 12, tzinfo=UTC).isoformat()
    made = [vendor_sandbox.admin("twilio", "poison_message", at=at, kind=kind)["sid"] for kind in kinds]
    with dg.DagsterInstance.ephemeral() as instance:
        result = sync(vendor_sandbox, tmp_path, instance, partition_key=DAY.isoformat())
    assert result.success
    start, end = window(DAY)
    rows = table_rows(tmp_path, "messages", schema="twilio", key="sid")
    assert sorted(r[0] for r in rows) == sorted(m.sid for m in render.messages(world) if start <= m.date_updated < end)
    raw = metadata(result, "raw/twilio/messages")
    assert (raw["window_quarantined_null_version"], raw["window_quarantined_malformed_version"]) == (1, 1)
    assert sorted((r[0], r[2], r[3]) for r in quarantine_rows(tmp_path)) == sorted(
        [("messages", "null_version", made[0]), ("messages", "malformed_version", made[1])]
    )
