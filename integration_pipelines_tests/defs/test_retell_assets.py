"""The Retell pipeline through Dagster against the sandbox over HTTP: one day of calls into the lake and
DuckDB exactly once (reruns add nothing), their transcript turns in customer_feedback on the voice
channel with Retell's sentiment beside them, and broken calls quarantined while the rest land."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import httpx
import pytest

from integration_pipelines.defs.text.feedback import customer_feedback
from integration_pipelines_tests.defs.test_quarantine_sync import metadata, quarantine_checks, quarantine_rows
from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions, table_rows
from vendor_sandbox import voices
from vendor_sandbox.dialects.retell import API_KEY, render
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

SANDBOX_DIALECTS = "retell"  # this module's own sandbox (fixtures vendor_server / vendor_sandbox)
DAY = "2026-10-29"
START = datetime(2026, 10, 29, tzinfo=UTC)
END = START + timedelta(days=1)


@pytest.fixture
def sandbox(vendor_sandbox: SandboxProcess) -> SandboxProcess:
    return vendor_sandbox


def the_days_calls(world: World) -> dict[str, dict]:
    lo, hi = render.epoch_ms(START), render.epoch_ms(END)
    calls = (render.call(world, s) for s in voices.scripts(world, "voice"))
    return {c["call_id"]: c for c in calls if lo <= c["start_timestamp"] < hi}


def sync(defs: dg.Definitions, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    return defs.resolve_job_def("retell_sync_job").execute_in_process(
        instance=instance, partition_key=DAY, raise_on_error=False
    )


def query(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_day_of_calls_lands_once_and_its_turns_become_voice_feedback(
    sandbox: SandboxProcess, tmp_path: Path, world: World
) -> None:
    expected = the_days_calls(world)
    assert len(expected) >= 5
    defs = pipeline_definitions(sandbox, tmp_path)
    with dg.DagsterInstance.ephemeral() as instance:
        first = sync(defs, instance)
        assert first.success
        raw = metadata(first, "raw/retell/calls")
        assert raw["dagster/row_count"] == len(expected)
        rows = table_rows(tmp_path, "calls", schema="retell", key="call_id")
        assert sync(defs, instance).success  # a rerun of the day
        assert table_rows(tmp_path, "calls", schema="retell", key="call_id") == rows
        assert query(tmp_path, "SELECT count(*), count(DISTINCT call_id) FROM retell.calls") == [
            (len(expected), len(expected))
        ]
        assert {r[0] for r in query(tmp_path, "SELECT call_id FROM retell.calls")} == set(expected)
        assert dg.materialize(
            [customer_feedback],
            partition_key=DAY,
            instance=instance,
            resources={"duckdb": defs.resources["duckdb"], "lake": defs.resources["lake"]},
        ).success
    feedback = query(
        tmp_path,
        "SELECT message_id, parent_id, author_role, channel, text, vendor_sentiment, author_phone, is_deleted "
        "FROM feedback.customer_feedback WHERE source = 'retell' ORDER BY message_id",
    )
    want = []
    for call in expected.values():
        customer = call["from_number"] if call["direction"] == "inbound" else call["to_number"]
        for i, turn in enumerate(call["transcript_object"]):
            user = turn["role"] == "user"
            want.append(
                (
                    f"{call['call_id']}:{i}",
                    call["call_id"],
                    "customer" if user else "agent",
                    "voice",
                    turn["content"],
                    call["call_analysis"]["user_sentiment"].lower(),
                    customer if user else None,
                    False,
                )
            )
    assert feedback == sorted(want)
    assert any(r[2] == "customer" for r in feedback) and {r[3] for r in feedback} == {"voice"}


def test_a_deleted_call_stays_as_last_seen_because_retell_never_shows_the_delete(
    sandbox: SandboxProcess, tmp_path: Path, world: World
) -> None:
    expected = the_days_calls(world)
    gone = sorted(expected)[0]
    defs = pipeline_definitions(sandbox, tmp_path)
    with dg.DagsterInstance.ephemeral() as instance:
        assert sync(defs, instance).success
        key = {"Authorization": f"Bearer {API_KEY}"}
        assert httpx.delete(f"{sandbox.url}/retell/v2/delete-call/{gone}", headers=key).status_code == 204
        again = sync(defs, instance)
    assert again.success and metadata(again, "raw/retell/calls")["dagster/row_count"] == len(expected) - 1
    kept = query(tmp_path, "SELECT call_id, is_deleted FROM retell.calls ORDER BY call_id")
    assert kept == [(call_id, False) for call_id in sorted(expected)]  # no webhook, no list entry: no tombstone


def test_calls_without_a_usable_start_are_quarantined_and_the_rest_land(
    sandbox: SandboxProcess, tmp_path: Path, world: World
) -> None:
    made = [
        sandbox.admin("retell", "poison_call", at=f"{DAY}T12:00:00Z", kind=kind)["call_id"]
        for kind in ("null_version", "bad_version")
    ]
    defs = pipeline_definitions(sandbox, tmp_path)
    with dg.DagsterInstance.ephemeral() as instance:
        result = sync(defs, instance)
    assert result.success
    assert {r[0] for r in query(tmp_path, "SELECT call_id FROM retell.calls")} == set(the_days_calls(world))
    raw = metadata(result, "raw/retell/calls")
    assert (
        raw["quarantined"],
        raw["window_quarantined_null_version"],
        raw["window_quarantined_malformed_version"],
    ) == (
        2,
        1,
        1,
    )
    assert sorted((r[0], r[2], r[3]) for r in quarantine_rows(tmp_path)) == sorted(
        [("calls", "null_version", made[0]), ("calls", "malformed_version", made[1])]
    )
    check = quarantine_checks(result)["warehouse/retell/calls"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
