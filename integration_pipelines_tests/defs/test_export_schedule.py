"""The nightly export schedule: which partitions it asks for after real sync and export runs on one
Dagster instance, and how its time and timezone are configured."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from integration_pipelines.defs.automation.exports import build_nightly_export_schedule
from integration_pipelines.defs.exports.changes import contiguous_ranges, export_run_requests
from integration_pipelines.defs.exports.tables import export_tables
from integration_pipelines.lib.partitions import RANGE_END_TAG, RANGE_START_TAG, range_tags
from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions
from vendor_sandbox.process import SandboxProcess

ZENDESK_EXPORTS = sorted(
    (t.key("duckdb") for t in export_tables() if t.source.schema == "zendesk"), key=lambda k: k.to_user_string()
)
TICK = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


def evaluate(instance: dg.DagsterInstance) -> list[dg.RunRequest] | dg.SkipReason:
    schedule = build_nightly_export_schedule(("duckdb",))
    return schedule(dg.build_schedule_context(instance=instance, scheduled_execution_time=TICK))


def selection(request: dg.RunRequest) -> list[dg.AssetKey]:
    return sorted(request.asset_selection or [], key=lambda k: k.to_user_string())


def run(
    defs: dg.Definitions, job: str, instance: dg.DagsterInstance, request: dg.RunRequest | None = None, **kwargs: object
) -> dg.ExecuteInProcessResult:
    if request is not None:
        kwargs.update(asset_selection=request.asset_selection, tags=dict(request.tags))
        if request.partition_key:
            kwargs["partition_key"] = request.partition_key
    result = defs.resolve_job_def(job).execute_in_process(instance=instance, raise_on_error=False, **kwargs)
    return result


def test_schedule_exports_exactly_the_partitions_changed_since_the_last_export(
    sandbox_server: SandboxProcess, tmp_path: Path
) -> None:
    """Zendesk is synced for Oct 30-31; the schedule asks for one run over that range and only the four
    Zendesk exports (nothing else was materialized). After that run it skips. Re-syncing Oct 27 and
    Oct 31 gives two single-day runs. An export that fails leaves its day stale for the next night."""
    defs = pipeline_definitions(
        sandbox_server,
        tmp_path,
        exports={"duckdb": {"export_duckdb": DuckDBResource(database=str(tmp_path / "export.duckdb"))}},
    )
    with dg.instance_for_test() as instance:  # a real (SQLite) instance: schedules need its ref
        check_schedule(defs, instance, sandbox_server, tmp_path)


def check_schedule(
    defs: dg.Definitions, instance: dg.DagsterInstance, sandbox_server: SandboxProcess, tmp_path: Path
) -> None:
    assert isinstance(evaluate(instance), dg.SkipReason)  # nothing pulled yet, nothing to export

    assert run(defs, "zendesk_sync_job", instance, tags=range_tags("2026-10-30", "2026-10-31")).success
    requests = evaluate(instance)
    assert isinstance(requests, list) and len(requests) == 1
    (request,) = requests
    assert request.tags[RANGE_START_TAG] == "2026-10-30" and request.tags[RANGE_END_TAG] == "2026-10-31"
    assert selection(request) == ZENDESK_EXPORTS

    exported = run(defs, "export_job", instance, request)
    assert exported.success
    assert {e.materialization.asset_key for e in exported.get_asset_materialization_events()} == set(ZENDESK_EXPORTS)
    assert isinstance(evaluate(instance), dg.SkipReason)

    assert run(defs, "zendesk_sync_job", instance, partition_key="2026-10-27").success
    assert run(defs, "zendesk_sync_job", instance, partition_key="2026-10-31").success
    requests = evaluate(instance)
    assert isinstance(requests, list)
    assert [r.partition_key for r in requests] == ["2026-10-27", "2026-10-31"]
    assert all(selection(r) == ZENDESK_EXPORTS for r in requests)
    assert len({r.run_key for r in requests}) == 2

    # a target whose tickets table holds `status` as a number: the Oct 31 export fails on it
    with duckdb.connect(str(tmp_path / "broken.duckdb")) as con:
        con.execute("CREATE SCHEMA zendesk; CREATE TABLE zendesk.tickets (id BIGINT PRIMARY KEY, status BIGINT)")
    broken = pipeline_definitions(
        sandbox_server,
        tmp_path,
        exports={"duckdb": {"export_duckdb": DuckDBResource(database=str(tmp_path / "broken.duckdb"))}},
    )
    assert not run(broken, "export_job", instance, requests[1]).success
    assert run(defs, "export_job", instance, requests[0]).success
    remaining = evaluate(instance)
    assert isinstance(remaining, list) and [r.partition_key for r in remaining] == ["2026-10-31"]


def test_schedule_time_and_timezone_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """02:00 UTC by default; EXPORT_TIMEZONE and EXPORT_CRON move it (e.g. 02:00 in Riyadh)."""
    default = build_nightly_export_schedule(("duckdb",))
    assert (default.cron_schedule, default.execution_timezone) == ("0 2 * * *", "UTC")
    monkeypatch.setenv("EXPORT_TIMEZONE", "Asia/Riyadh")
    monkeypatch.setenv("EXPORT_CRON", "30 3 * * *")
    moved = build_nightly_export_schedule(("duckdb",))
    assert (moved.cron_schedule, moved.execution_timezone) == ("30 3 * * *", "Asia/Riyadh")


@pytest.mark.parametrize(
    ("partitions", "expected"),
    [
        ([], []),
        (["2026-10-30"], [("2026-10-30", "2026-10-30")]),
        (["2026-10-31", "2026-10-30", "2026-11-01"], [("2026-10-30", "2026-11-01")]),
        (
            ["2026-10-27", "2026-10-30", "2026-10-31", "2027-01-01"],
            [("2026-10-27", "2026-10-27"), ("2026-10-30", "2026-10-31"), ("2027-01-01", "2027-01-01")],
        ),
        (["2026-12-31", "2027-01-01"], [("2026-12-31", "2027-01-01")]),
    ],
)
def test_contiguous_ranges(partitions: list[str], expected: list[tuple[str, str]]) -> None:
    assert contiguous_ranges(partitions) == expected


def test_each_run_selects_only_the_exports_stale_in_its_range() -> None:
    """Tickets changed on Oct 27 and 30, users on Oct 30 only: the Oct 27 run exports tickets alone."""
    tickets, users = (
        dg.AssetKey(["export", "duckdb", "zendesk", "tickets"]),
        dg.AssetKey(["export", "duckdb", "zendesk", "users"]),
    )
    requests = export_run_requests({tickets: {"2026-10-27", "2026-10-30"}, users: {"2026-10-30"}}, "stamp")
    assert [(r.partition_key, selection(r)) for r in requests] == [
        ("2026-10-27", [tickets]),
        ("2026-10-30", [tickets, users]),
    ]


class SyncLandsMidExport(DuckDBResource):
    """The working DuckDB, except that opening a connection to read an export chunk (every connection
    after the first: the export opens one to list tables, then one per chunk, here one per pass) first
    records a new materialization of warehouse/zendesk/tickets for the partition, as a sync finishing
    while the export reads would; ``times`` such landings in all."""

    landings: ClassVar[list[int]] = []
    times: ClassVar[int] = 0
    instance: ClassVar[dg.DagsterInstance | None] = None

    @contextmanager
    def get_connection(self) -> Iterator[Any]:
        SyncLandsMidExport.landings.append(0)
        if len(SyncLandsMidExport.landings) > 1 and SyncLandsMidExport.times > 0:
            SyncLandsMidExport.times -= 1
            assert SyncLandsMidExport.instance is not None
            SyncLandsMidExport.instance.report_runless_asset_event(
                dg.AssetMaterialization(asset_key=TICKETS_UPSTREAM, partition="2026-10-30")
            )
        with super().get_connection() as con:
            yield con


TICKETS_UPSTREAM = dg.AssetKey(["warehouse", "zendesk", "tickets"])


@pytest.mark.parametrize(("landings", "passes"), [(1, 2), (3, None)])
def test_an_upstream_run_landing_mid_export_is_exported_or_left_due(
    sandbox_server: SandboxProcess, tmp_path: Path, landings: int, passes: int | None
) -> None:
    """A sync of Oct 30 lands while the tickets export reads: the export notices and runs a second pass
    (passes = 2), and the schedule then has nothing left. If syncs land during all 3 passes, the export
    fails, and the schedule still asks for Oct 30."""
    with dg.instance_for_test() as instance:
        plain = pipeline_definitions(sandbox_server, tmp_path)
        assert run(plain, "zendesk_sync_job", instance, partition_key="2026-10-30").success
        SyncLandsMidExport.landings, SyncLandsMidExport.times, SyncLandsMidExport.instance = [], landings, instance
        defs = pipeline_definitions(
            sandbox_server,
            tmp_path,
            working=SyncLandsMidExport(database=str(tmp_path / "warehouse.duckdb")),
            exports={"duckdb": {"export_duckdb": DuckDBResource(database=str(tmp_path / "export.duckdb"))}},
        )
        key = next(t for t in export_tables() if t.source.qualified == "zendesk.tickets").key("duckdb")
        result = run(defs, "export_job", instance, asset_selection=[key], partition_key="2026-10-30")
        stale = build_nightly_export_schedule(("duckdb",))(
            dg.build_schedule_context(instance=instance, scheduled_execution_time=TICK)
        )
        if passes is None:
            assert not result.success and SyncLandsMidExport.times == 0
            failure = next(e for e in result.all_events if e.is_step_failure)
            assert "kept changing during 3 export passes" in failure.step_failure_data.error.to_string()
            assert any(r.partition_key == "2026-10-30" and key in r.asset_selection for r in stale)
        else:
            assert result.success
            (event,) = result.get_asset_materialization_events()
            assert event.materialization.metadata["passes"].value == passes
            assert isinstance(stale, list) and all(key not in r.asset_selection for r in stale)
