"""Quarantine, not poison (issue #13, points 4 and 5), end to end: the sandbox serves broken Zendesk
tickets over HTTP, the sync lands every good ticket, sets exactly the broken ones aside with their
reasons, repairs the undecodable text, and the ``quarantine_empty`` check warns for that partition
only. Before the fix the same run failed (null id on load, surrogates on write, bad bytes retried
as a "malformed JSON body" until the retry budget ran out)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import httpx
import pytest

from integration_pipelines.lib.records import MAX_FIELD_BYTES
from integration_pipelines_tests.defs.test_zendesk_assets import day_window, expected_ids, run_sync
from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions, table_rows
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

SANDBOX_DIALECTS = "zendesk"  # this module's own sandbox: poison records change what it serves
POISONED_DAY, CLEAN_DAY = "2026-10-30", "2026-10-31"
BROKEN = {  # poison kind -> the reason the quarantine must give
    "null_id": "null_key",
    "bad_id": "malformed_key",
    "null_version": "null_version",
    "bad_version": "malformed_version",
    "oversized": "oversized_field",
}
REPAIRED = ("lone_surrogate", "invalid_utf8")
TICKETS = dg.AssetKey(["warehouse", "zendesk", "tickets"])


@pytest.fixture
def poisoned(vendor_sandbox: SandboxProcess) -> Iterator[dict[str, int]]:
    """The sandbox serving one ticket of each poison kind, changed at noon of POISONED_DAY."""
    with httpx.Client(base_url=vendor_sandbox.url) as admin:
        made = admin.post(
            "/_sandbox/poison",
            json={
                "dialect": "zendesk",
                "stream": "tickets",
                "at": f"{POISONED_DAY}T12:00:00Z",
                "kinds": [*BROKEN, *REPAIRED],
                "oversize_bytes": MAX_FIELD_BYTES + 1,
            },
        )
        made.raise_for_status()
        try:
            yield {r["kind"]: r["id"] for r in made.json()["records"]}
        finally:
            admin.delete("/_sandbox/poison").raise_for_status()


def quarantine_rows(home: Path) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            "SELECT object, CAST(day AS VARCHAR), reason, key, payload, payload_bytes FROM quarantine.records "
            "ORDER BY reason"
        ).fetchall()


def metadata(result: dg.ExecuteInProcessResult, key: str) -> dict[str, object]:
    (event,) = [e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == key]
    return {k: v.value for k, v in event.materialization.metadata.items()}


def quarantine_checks(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        c.asset_key.to_user_string(): c
        for c in result.get_asset_check_evaluations()
        if c.check_name == "quarantine_empty"
    }


def test_broken_tickets_are_quarantined_the_rest_land_and_the_check_warns(
    vendor_sandbox: SandboxProcess, poisoned: dict[str, int], world: World, tmp_path: Path
) -> None:
    defs = pipeline_definitions(vendor_sandbox, tmp_path)
    result = run_sync(defs, POISONED_DAY, POISONED_DAY)
    assert result.success

    start, end = day_window(POISONED_DAY, POISONED_DAY)
    good = expected_ids(world, "tickets", start, end)
    repaired_ids = {poisoned[kind] for kind in REPAIRED}
    landed = {row[0]: row for row in table_rows(tmp_path, "tickets")}
    assert set(landed) == good | repaired_ids  # every good ticket, the repaired two, nothing broken

    subject_at = 3  # id, created_at, updated_at, subject, ...
    assert (
        landed[poisoned["lone_surrogate"]][subject_at]
        == f"poison lone surrogate \ufffd in {poisoned['lone_surrogate']}"
    )
    assert (
        landed[poisoned["invalid_utf8"]][subject_at]
        == f"poison bytes \ufffd\ufffd\ufffd( in {poisoned['invalid_utf8']}"
    )

    raw = metadata(result, "raw/zendesk/tickets")
    assert raw["rows"] == len(good) + len(REPAIRED)
    assert raw["quarantined"] == len(BROKEN) and raw["window_repaired_text"] == len(REPAIRED)
    assert {k: v for k, v in raw.items() if k.startswith("window_quarantined_")} == {
        f"window_quarantined_{reason}": 1 for reason in BROKEN.values()
    }
    assert (
        raw["window_malformed_bodies"] == 0 and raw["window_retries"] == 0
    )  # bad bytes are data, not a truncated transfer

    rows = quarantine_rows(tmp_path)
    assert sorted(r[2] for r in rows) == sorted(BROKEN.values())
    assert {(r[0], r[1]) for r in rows} == {("tickets", POISONED_DAY)}
    by_reason = {r[2]: r for r in rows}
    assert by_reason["null_key"][3] is None
    assert by_reason["malformed_key"][3] == f"not-a-number-{poisoned['bad_id']}"
    for kind in ("null_version", "bad_version", "oversized"):
        assert by_reason[BROKEN[kind]][3] == str(poisoned[kind])
    oversized = by_reason["oversized_field"]
    assert oversized[5] > MAX_FIELD_BYTES and len(oversized[4]) < 20_000  # stored bounded, size still known
    json.loads(by_reason["null_key"][4])  # payloads are JSON

    checks = quarantine_checks(result)
    assert set(checks) == {f"warehouse/zendesk/{o}" for o in ("tickets", "users", "organizations", "ticket_comments")}
    failed = checks["warehouse/zendesk/tickets"]
    assert not failed.passed and failed.severity == dg.AssetCheckSeverity.WARN
    assert failed.metadata["quarantined"].value == len(BROKEN)
    assert all(c.passed for k, c in checks.items() if k != "warehouse/zendesk/tickets")

    # the same partition again: nothing new is quarantined twice, nothing new lands
    again = run_sync(defs, POISONED_DAY, POISONED_DAY)
    assert again.success and len(quarantine_rows(tmp_path)) == len(BROKEN)
    assert set(row[0] for row in table_rows(tmp_path, "tickets")) == good | repaired_ids
    assert not quarantine_checks(again)["warehouse/zendesk/tickets"].passed


def test_a_clean_source_passes_the_check_for_its_partition(
    vendor_sandbox: SandboxProcess, world: World, tmp_path: Path
) -> None:
    """Quarantined rows of one partition do not turn another partition's check yellow."""
    defs = pipeline_definitions(vendor_sandbox, tmp_path)
    with httpx.Client(base_url=vendor_sandbox.url) as admin:
        admin.post(
            "/_sandbox/poison",
            json={"dialect": "zendesk", "stream": "tickets", "at": f"{POISONED_DAY}T12:00:00Z", "kinds": ["null_id"]},
        ).raise_for_status()
        try:
            assert not quarantine_checks(run_sync(defs, POISONED_DAY, POISONED_DAY))[TICKETS.to_user_string()].passed
        finally:
            admin.delete("/_sandbox/poison").raise_for_status()
    result = run_sync(defs, CLEAN_DAY, CLEAN_DAY)
    assert result.success
    check = quarantine_checks(result)[TICKETS.to_user_string()]
    assert check.passed and check.metadata["quarantined"].value == 0
    assert metadata(result, "raw/zendesk/tickets")["quarantined"] == 0
    assert len(quarantine_rows(tmp_path)) == 1  # the old partition's row is still there, for its own check
    start, end = day_window(POISONED_DAY, CLEAN_DAY)
    assert {row[0] for row in table_rows(tmp_path, "tickets")} == expected_ids(world, "tickets", start, end)


def test_poison_endpoint_rejects_unknown_streams(vendor_sandbox: SandboxProcess) -> None:
    with httpx.Client(base_url=vendor_sandbox.url) as admin:
        answer = admin.post(
            "/_sandbox/poison", json={"dialect": "zendesk", "stream": "nope", "at": "2026-10-30T00:00:00Z"}
        )
    assert answer.status_code == 422
