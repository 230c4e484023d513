"""One writer per DuckDB file: overlapping runs in separate processes take turns on the working file.

Three runs start at once on one instance (pools limited to one step), each in its own Python
process as ``dagster job execute`` would be: two ``sync_all_job`` runs and an ``intercom_sync_job``
for the same day, all loading ``warehouse.duckdb``. Afterwards the file must read back whole: every
row of every table, one row per key, exactly the keys the lake holds for the day.

On an instance stored in PostgreSQL (production's ``dagster.yaml``) every step of the
``duckdb_warehouse`` pool must also run alone: no two such steps of different runs overlap in time,
and some step is seen waiting for the pool. On the local SQLite instance (``make dev``, the demo)
that is not asserted: Dagster's SQLite storage claims a pool slot with a SELECT and a separate
UPDATE (no row lock, as SQLite has no ``FOR UPDATE``), so two processes claiming in the same
instant can both get the one slot; there the steps' DuckDB connection waits out the file's
single-writer lock (dagster-duckdb retries), and the file must still read back whole.

Why: without the pool, the loads of different runs raced for DuckDB's file lock (dagster-duckdb
retries the connection for about a minute and a half, then the step fails), and once in 11 trials of
overlapping runs the file was left unreadable ("computed checksum ... does not match")."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from integration_pipelines.lib.lake import Lake
from integration_pipelines.lib.warehouses.pools import WAREHOUSE_POOL
from integration_pipelines.local_instance import ensure_local_instance
from integration_pipelines.sources import registry
from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions
from integration_pipelines_tests.fixtures.postgres import production_instance
from vendor_sandbox.process import SandboxProcess

DAY = "2026-10-31"
REPO = Path(__file__).resolve().parents[2]  # the run script imports the test fixtures from the checkout
JOBS = ("sync_all_job", "sync_all_job", "intercom_sync_job")
RUN = textwrap.dedent(
    """
    import sys, types
    from pathlib import Path
    import dagster as dg
    from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions

    url, home, job, day = sys.argv[1:]
    defs = pipeline_definitions(types.SimpleNamespace(url=url), Path(home))
    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def(job).execute_in_process(
            instance=instance, partition_key=day, raise_on_error=False
        )
    print(result.run_id, result.success)
    """
)


def _pool_intervals(instance: dg.DagsterInstance, run_id: str) -> tuple[list[tuple[float, float, str]], int]:
    """(start, end, step) of the run's duckdb_warehouse steps, and how often a step waited for the pool."""
    starts: dict[str, float] = {}
    intervals, blocked = [], 0
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or not (event.step_key or "").startswith(("warehouse_", "customer_feedback", "feedback_")):
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            starts[event.step_key] = entry.timestamp
        elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            intervals.append((starts.pop(event.step_key), entry.timestamp, f"{run_id[:8]}:{event.step_key}"))
        elif event.event_type == dg.DagsterEventType.ENGINE_EVENT and WAREHOUSE_POOL in (entry.user_message or ""):
            blocked += 1
    return intervals, blocked


def _failures(dagster_home: Path, runs: list[list[str]]) -> list[str]:
    """What the runs that did not succeed logged at error level (a failed step, the run's failure)."""
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        return [
            f"{run_id[:8]}:{entry.step_key}: {entry.message} {_error(entry)}"
            for run_id, ok in runs
            if ok != "True"
            for entry in instance.all_logs(run_id)
            if entry.level >= logging.ERROR
        ]


def _error(entry: dg.EventLogEntry) -> str:
    """The exception an error entry carries, if any: its message and its cause's."""
    error = getattr(entry.dagster_event and entry.dagster_event.event_specific_data, "error", None)
    return (error.message + " " + (error.cause.message if error.cause else "")) if error else ""


@pytest.mark.slow
@pytest.mark.parametrize("storage", ["postgres", "sqlite"])
def test_overlapping_runs_take_turns_on_the_warehouse_file(
    sandbox: SandboxProcess,
    tmp_path: Path,
    storage: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dagster_home = tmp_path / "dagster_home"
    if storage == "postgres":
        production_instance(dagster_home, request.getfixturevalue("postgres_database"), monkeypatch)
    else:
        ensure_local_instance(dagster_home)
    # Create the storage (SQLite files or PostgreSQL tables) and the pools' limits once, as a deployment's
    # run queue does before it starts runs: several processes starting a pool at once race in Dagster's
    # storage (on PostgreSQL the loser's run fails on its aborted transaction).
    defs = pipeline_definitions(sandbox, tmp_path)
    pools = {node.definition.pool for job in set(JOBS) for node in defs.resolve_job_def(job).nodes} - {None}
    assert WAREHOUSE_POOL in pools
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        for pool in sorted(pools):
            instance.event_log_storage.initialize_concurrency_limit_to_default(pool)
    script = tmp_path / "run.py"
    script.write_text(RUN)
    env = {
        **os.environ,
        "DAGSTER_HOME": str(dagster_home),
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p),
    }
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), sandbox.url, str(tmp_path), job, DAY],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for job in JOBS
    ]
    outputs = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err[-2000:] for _, err in outputs]
    runs = [out.split()[-2:] for out, _ in outputs]
    assert [ok for _, ok in runs] == ["True"] * 3, _failures(dagster_home, runs)

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        intervals, blocked = [], 0
        for run_id, _ in runs:
            steps, waits = _pool_intervals(instance, run_id)
            intervals += steps
            blocked += waits
    # a load, its key checks and its quarantine checks per vendor and run: every vendor twice, Intercom once
    vendors = len(registry.names())
    assert len(intervals) == 3 * (vendors + vendors + 1)
    assert blocked > 0  # the runs did overlap: some step waited for the pool
    if storage == "postgres":  # the claim is atomic only there (see the module docstring)
        intervals.sort()
        for (_, end, step), (start, _, later) in zip(intervals, intervals[1:], strict=False):
            assert start >= end, f"{later} started while {step} still held the DuckDB file"

    lake = Lake(str(tmp_path / "lake"))
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        for name, source in registry.sources().items():
            for obj in source.objects.values():
                pulled = lake.read(lake.files(["raw", name, obj.name], [date.fromisoformat(DAY)]))
                keys = set(pulled.column(obj.primary_key).to_pylist()) if pulled.num_rows else set()
                rows = con.execute(f'SELECT * FROM "{name}"."{obj.name}"').fetchall()  # reads (checksums) every block
                stored = [
                    row[0] for row in con.execute(f'SELECT "{obj.primary_key}" FROM "{name}"."{obj.name}"').fetchall()
                ]
                assert len(rows) == len(stored) == len(set(stored)) == len(keys), f"{name}.{obj.name}"
                assert set(stored) == keys, f"{name}.{obj.name}"
