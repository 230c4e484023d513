"""Zendesk assets materialized in-process against the sandbox, into a lake and DuckDB in tmp_path."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from integration_pipelines.components.reconciliation import reconcile
from integration_pipelines.lib.lake import Lake
from integration_pipelines.lib.partitions import range_tags
from integration_pipelines.lib.warehouses.base import TableSpec
from integration_pipelines_tests.fixtures.pipeline import TABLES, deleted_ids, pipeline_definitions, table_rows
from integration_pipelines_tests.fixtures.sandbox import zendesk_tickets
from vendor_sandbox.dialects import zendesk as zendesk_sandbox
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

DAY = "2026-10-31"
FIRST, LAST = "2026-10-27", "2026-10-31"


def day_window(first: str, last: str) -> tuple[datetime, datetime]:
    start = datetime.fromisoformat(first).replace(tzinfo=UTC)
    return start, datetime.fromisoformat(last).replace(tzinfo=UTC) + timedelta(days=1)


def expected_ids(world: World, table: str, start: datetime, end: datetime) -> set[int]:
    if table == "tickets":
        return {c.id for c in zendesk_tickets(world) if start <= c.updated_at < end}
    if table == "ticket_comments":
        return {m.id for c in zendesk_tickets(world) for m in c.messages if start <= m.created_at < end}
    if table == "users":
        return {p.id for p in world.people if start <= p.updated_at < end}
    return {o.id for o in world.companies if start <= o.updated_at < end}


def run_sync(
    defs: dg.Definitions, first: str, last: str, instance: dg.DagsterInstance | None = None, raise_on_error: bool = True
) -> dg.ExecuteInProcessResult:
    job = defs.resolve_job_def("zendesk_sync_job")
    tags = range_tags(first, last) if first != last else {}
    return job.execute_in_process(
        instance=instance or dg.DagsterInstance.ephemeral(),
        partition_key=first if first == last else None,
        tags=tags,
        raise_on_error=raise_on_error,
    )


def assert_tables_exact(home: Path, world: World, first: str, last: str) -> None:
    start, end = day_window(first, last)
    for table in TABLES:
        ids = [row[0] for row in table_rows(home, table)]
        assert len(ids) == len(set(ids)), f"{table}: an id appears twice"
        assert set(ids) == expected_ids(world, table, start, end), table


def test_one_partition_gives_exact_tables_and_operator_metadata(
    sandbox: SandboxProcess, world: World, tmp_path: Path
) -> None:
    result = run_sync(pipeline_definitions(sandbox, tmp_path), DAY, DAY)
    assert result.success
    assert_tables_exact(tmp_path, world, DAY, DAY)
    start, end = day_window(DAY, DAY)
    deleted = {c.id for c in zendesk_tickets(world) if c.deleted_at and start <= c.updated_at < end}
    assert deleted and deleted_ids(tmp_path, "tickets") == deleted
    meta = {
        e.materialization.asset_key.to_user_string(): {k: v.value for k, v in e.materialization.metadata.items()}
        for e in result.get_asset_materialization_events()
    }
    raw = meta["raw/zendesk/tickets"]
    assert (
        raw["rows"] == raw["dagster/row_count"] == raw["window_rows"] == len(expected_ids(world, "tickets", start, end))
    )
    assert raw["deletes"] == raw["window_deletes"] == len(deleted)
    for metric in (
        "window_requests",
        "window_retries",
        "window_http_429s",
        "window_latency_p50_ms",
        "window_latency_p95_ms",
        "window_bytes_received",
        "window_pages",
        "bytes_written",
        "seconds",
        "rows_per_second",
    ):
        assert isinstance(raw[metric], int | float), metric
    assert raw["window_requests"] >= 1 and raw["bytes_written"] > 0 and raw["rows_per_second"] > 0
    assert raw["dagster/table_name"] == "lake/raw/zendesk/tickets"
    assert "subject" in {c.name for c in raw["dagster/column_schema"].columns}
    warehouse = meta["warehouse/zendesk/tickets"]
    assert warehouse["table_rows"] == warehouse["dagster/row_count"] == raw["rows"]
    assert warehouse["dagster/table_name"] == "zendesk.tickets" and warehouse["seconds"] > 0
    checks = {(c.asset_key.to_user_string(), c.check_name): c for c in result.get_asset_check_evaluations()}
    # reconciliation and quarantine_empty per table; synced_recently runs on its own schedule
    assert len(checks) == 2 * len(TABLES)
    assert all(checks[(f"warehouse/zendesk/{t}", "quarantine_empty")].passed for t in TABLES)
    tickets_check = checks[("warehouse/zendesk/tickets", "pulled_keys_loaded")]
    assert tickets_check.passed and tickets_check.metadata["keys_pulled"].value == raw["rows"]
    assert tickets_check.metadata["missing_keys"].value == tickets_check.metadata["stale_keys"].value == 0


def test_five_day_backfill_is_one_run_with_exact_tables(sandbox: SandboxProcess, world: World, tmp_path: Path) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        result = run_sync(pipeline_definitions(sandbox, tmp_path), FIRST, LAST, instance)
        assert result.success
        assert len(instance.get_run_records()) == 1
        partitions = {
            e.materialization.partition
            for e in result.get_asset_materialization_events()
            if e.materialization.asset_key == dg.AssetKey(["raw", "zendesk", "tickets"])
        }
        assert partitions == {(date(2026, 10, 27) + timedelta(days=i)).isoformat() for i in range(5)}
    assert_tables_exact(tmp_path, world, FIRST, LAST)
    lake = Lake(str(tmp_path / "lake"))
    for offset in range(5):  # the lake keeps the pull split by day
        assert len(lake.files(["raw", "zendesk", "tickets"], [date(2026, 10, 27) + timedelta(days=offset)])) == 1


def test_each_day_of_a_backfill_carries_its_own_numbers(sandbox: SandboxProcess, world: World, tmp_path: Path) -> None:
    """A five-day single run: each day's materialization counts that day's rows, deletes and bytes (as
    the lake and the world hold them), not the window's totals; window-wide numbers say so in their name."""
    result = run_sync(pipeline_definitions(sandbox, tmp_path), FIRST, LAST)
    assert result.success
    lake = Lake(str(tmp_path / "lake"))
    by_day: dict[str, dict[str, dict]] = {}
    for event in result.get_asset_materialization_events():
        mat = event.materialization
        by_day.setdefault(mat.asset_key.to_user_string(), {})[mat.partition] = {
            k: v.value for k, v in mat.metadata.items()
        }
    raw, warehouse = by_day["raw/zendesk/tickets"], by_day["warehouse/zendesk/tickets"]
    assert len(raw) == len(warehouse) == 5
    tickets = zendesk_tickets(world)
    counts = set()
    for partition, meta in raw.items():
        day = date.fromisoformat(partition)
        start, end = day_window(partition, partition)
        in_lake = lake.read(lake.files(["raw", "zendesk", "tickets"], [day])).num_rows
        assert meta["dagster/row_count"] == meta["rows"] == in_lake == len(expected_ids(world, "tickets", start, end))
        assert meta["deletes"] == sum(1 for c in tickets if c.deleted_at and start <= c.updated_at < end)
        assert meta["bytes_written"] == sum(lake.fs.size(f) for f in lake.files(["raw", "zendesk", "tickets"], [day]))
        assert meta["window_rows"] == sum(m["rows"] for m in raw.values())
        assert meta["window_days"] == 5 and "seconds" not in meta and meta["window_seconds"] > 0
        assert warehouse[partition]["dagster/row_count"] == meta["rows"]  # one row per ticket, newest day
        assert warehouse[partition]["rows_in"] == in_lake
        counts.add(meta["rows"])
    assert len(counts) > 1, "the world's days differ in size, so equal counts would mean window totals"
    # the table's name and columns are stored once per run, on its latest day (what the catalog reads)
    for layer, table in ((raw, "lake/raw/zendesk/tickets"), (warehouse, "zendesk.tickets")):
        latest = max(layer)
        assert layer[latest]["dagster/table_name"] == table
        assert "subject" in {c.name for c in layer[latest]["dagster/column_schema"].columns}
        assert all("dagster/column_schema" not in meta for day, meta in layer.items() if day != latest)


def test_rerunning_a_partition_leaves_identical_tables(sandbox: SandboxProcess, world: World, tmp_path: Path) -> None:
    defs = pipeline_definitions(sandbox, tmp_path)
    assert run_sync(defs, DAY, DAY).success
    first = {t: table_rows(tmp_path, t) for t in TABLES}
    assert run_sync(defs, DAY, DAY).success
    assert {t: table_rows(tmp_path, t) for t in TABLES} == first
    # raw keeps every pull: two files for the day, the warehouse still one row per id
    assert len(Lake(str(tmp_path / "lake")).files(["raw", "zendesk", "tickets"], [date(2026, 10, 31)])) == 2
    assert_tables_exact(tmp_path, world, DAY, DAY)


@pytest.mark.slow
def test_run_killed_part_way_then_rerun_matches_a_clean_run(
    sandbox: SandboxProcess, world: World, tmp_path: Path
) -> None:
    """SIGKILL a real `dagster job execute` process mid-pull, run again: same tables as a clean run."""
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    assert run_sync(pipeline_definitions(sandbox, clean), FIRST, LAST).success
    env = {
        **os.environ,
        "INTEGRATION_PIPELINES_ENV": "local",
        "INTEGRATION_PIPELINES_HOME": str(killed),
        "INTEGRATION_PIPELINES_SANDBOX_URL": sandbox.url,
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "ZENDESK_EXPORT_REQUESTS_PER_MINUTE": "120",
    }  # two pages a second: slow enough to interrupt
    (tmp_path / "dagster_home").mkdir()
    (tmp_path / "dagster_home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    command = [
        sys.executable,
        "-m",
        "dagster",
        "job",
        "execute",
        "-m",
        "integration_pipelines.definitions",
        "-a",
        "defs",
        "-j",
        "zendesk_sync_job",
        "--tags",
        json.dumps(range_tags(FIRST, LAST)),
    ]
    sandbox.reset_stats()
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    lake = Lake(str(killed / "lake"))
    days = [date(2026, 10, 27) + timedelta(days=i) for i in range(5)]
    deadline = time.monotonic() + 120
    while not lake.files(["raw", "zendesk", "tickets"], days) and time.monotonic() < deadline:
        assert proc.poll() is None, "the run ended before it could be killed"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert lake.files(["raw", "zendesk", "tickets"], days), "the run was killed before pulling anything"
    assert not lake.files(["raw", "zendesk", "ticket_comments"], days), "the kill came too late to be part-way"
    assert run_sync(pipeline_definitions(sandbox, killed), FIRST, LAST).success
    for table in TABLES:
        assert table_rows(killed, table) == table_rows(clean, table), table
    assert_tables_exact(killed, world, FIRST, LAST)


SECRET = "not-the-token-9c1d7e2a"


def test_wrong_credentials_fail_clearly_and_leak_nowhere(
    sandbox: SandboxProcess, tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    with dg.DagsterInstance.ephemeral() as instance:
        result = run_sync(
            pipeline_definitions(sandbox, tmp_path, api_token=SECRET), DAY, DAY, instance, raise_on_error=False
        )
        assert not result.success
        failure = next(e for e in result.all_events if e.is_step_failure)
        message = failure.step_failure_data.error.to_string()
        assert "[zendesk]" in message and "401" in message and "ZENDESK_API_TOKEN" in message
        events = "\n".join(str(r) for r in instance.all_logs(result.run_id))
    captured = capsys.readouterr()
    for text in (events, caplog.text, captured.out, captured.err, message):
        assert SECRET not in text


def test_credentials_never_reach_metadata_or_logs(
    sandbox: SandboxProcess, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with dg.DagsterInstance.ephemeral() as instance:
        result = run_sync(pipeline_definitions(sandbox, tmp_path), DAY, DAY, instance)
        assert result.success
        records = "\n".join(str(r) for r in instance.all_logs(result.run_id))
    assert "requests" in records  # the metadata really is in what we searched
    for text in (records, caplog.text):
        assert zendesk_sandbox.API_TOKEN not in text


def test_reconciliation_fails_when_a_pulled_key_is_missing_or_older_in_the_table(
    sandbox: SandboxProcess, world: World, tmp_path: Path
) -> None:
    """DuckDB's primary key cannot see a lost row or a row set back to an older version; the
    reconciliation against the lake can. Tried: one ticket deleted from the table by hand, another's
    version moved back a day; the check must name exactly those two, and pass again after a re-run."""
    defs = pipeline_definitions(sandbox, tmp_path)
    assert run_sync(defs, DAY, DAY).success
    spec = TableSpec("zendesk", "tickets", ("id",), "updated_at")
    key = dg.AssetKey(["warehouse", "zendesk", "tickets"])
    lake = Lake(str(tmp_path / "lake"))
    days = [date.fromisoformat(DAY)]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        assert reconcile(con, lake, ("raw", "zendesk", "tickets"), spec, key, days).passed
        lost, aged = con.execute("SELECT id FROM zendesk.tickets ORDER BY id LIMIT 2").fetchall()
        con.execute("DELETE FROM zendesk.tickets WHERE id = ?", [lost[0]])
        con.execute("UPDATE zendesk.tickets SET updated_at = updated_at - INTERVAL 1 DAY WHERE id = ?", [aged[0]])
        result = reconcile(con, lake, ("raw", "zendesk", "tickets"), spec, key, days)
    assert not result.passed
    meta = {k: v.value for k, v in result.metadata.items()}
    assert meta["missing_keys"] == 1 and meta["stale_keys"] == 1
    assert meta["missing_sample"] == str(lost[0]) and meta["stale_sample"] == str(aged[0])
    assert "re-run the warehouse step" in result.description
    assert run_sync(defs, DAY, DAY).success  # the lake still has the rows: a re-run repairs the table
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        assert reconcile(con, lake, ("raw", "zendesk", "tickets"), spec, key, days).passed
