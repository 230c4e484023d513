"""Several days of every source from one job, in one run: lake and warehouse agree, keys unique."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow.compute as pc
import pytest

from integration_pipelines.lib.lake import Lake
from integration_pipelines.lib.partitions import range_tags
from integration_pipelines.sources import registry
from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions
from vendor_sandbox.process import SandboxProcess

FIRST, LAST = date(2026, 10, 29), date(2026, 10, 31)  # the HubSpot import day (10,500 contacts) is inside
OBJECTS = {name: source.objects for name, source in registry.sources().items()}


@pytest.mark.slow
def test_backfill_of_several_days_across_all_sources_in_one_run(sandbox: SandboxProcess, tmp_path: Path) -> None:
    defs = pipeline_definitions(sandbox, tmp_path)
    with dg.DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("sync_all_job").execute_in_process(
            instance=instance, tags=range_tags(FIRST.isoformat(), LAST.isoformat())
        )
        assert result.success
        assert len(instance.get_run_records()) == 1
    rows_pulled: dict[str, int] = {}  # the days' own counts, summed: each day reports only its rows
    window_rows: dict[str, int] = {}
    for event in result.get_asset_materialization_events():
        mat = event.materialization
        if mat.asset_key.path[0] == "raw":
            name = "/".join(mat.asset_key.path[1:])
            rows_pulled[name] = rows_pulled.get(name, 0) + mat.metadata["rows"].value
            window_rows[name] = mat.metadata["window_rows"].value - mat.metadata["window_rows_before_start"].value
    assert rows_pulled == window_rows
    assert len(rows_pulled) == sum(len(objects) for objects in OBJECTS.values())

    lake = Lake(str(tmp_path / "lake"))
    days = [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        for system, objects in OBJECTS.items():
            for obj in objects.values():
                name = f"{system}/{obj.name}"
                pulled = lake.read(lake.files(["raw", system, obj.name], days))
                assert pulled.num_rows == rows_pulled[name], name
                keys = set(pulled.column(obj.primary_key).to_pylist()) if pulled.num_rows else set()
                table = f'"{system}"."{obj.name}"'
                count, distinct, deleted = con.execute(
                    f'SELECT count(*), count(DISTINCT "{obj.primary_key}"), count(*) FILTER (WHERE is_deleted) '
                    f"FROM {table}"
                ).fetchone()
                assert count == distinct == len(keys), name  # one current row per key, nothing lost
                lake_deleted = (
                    len(set(pulled.filter(pc.field("is_deleted")).column(obj.primary_key).to_pylist()))
                    if pulled.num_rows
                    else 0
                )
                assert deleted == lake_deleted, name
    assert rows_pulled["hubspot/contacts"] > 10_000  # the dense day went through the window split
    for name in ("zendesk/tickets", "salesforce/cases", "hubspot/tickets", "intercom/conversation_parts"):
        assert rows_pulled[name] > 0, name
