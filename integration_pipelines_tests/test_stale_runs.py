"""A run killed with SIGKILL on the local instance no longer blocks the next one: its pool slot (pools
are limited to one step) comes back when the demo starts, and the run is marked failed.

Real parts: a temp DAGSTER_HOME with the local instance config, runs executed in-process by separate
Python processes (as the demo does), a real SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg
import pytest

from integration_pipelines.lib.warehouses.pools import WAREHOUSE_POOL
from integration_pipelines.local_instance import ensure_local_instance
from integration_pipelines.stale_runs import fail_orphaned_runs, run_pid

RUN = textwrap.dedent(
    """
    import sys, time
    import dagster as dg

    @dg.asset(pool="duckdb_warehouse")
    def load() -> None:
        print("holding the pool", flush=True)
        time.sleep(float(sys.argv[1]))

    job = dg.Definitions(assets=[load], jobs=[dg.define_asset_job("load_job", [load])]).resolve_job_def("load_job")
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
    print("success" if result.success else "failed", flush=True)
    """
)


def _start(script: Path, env: dict[str, str], seconds: float) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(script), str(seconds)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


@pytest.mark.slow
def test_a_killed_run_gives_its_pool_slot_back(tmp_path: Path) -> None:
    home = tmp_path / "dagster_home"
    ensure_local_instance(home)
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    script = tmp_path / "run.py"
    script.write_text(RUN)

    first = _start(script, env, 600)
    assert first.stdout.readline().strip() == "holding the pool"  # the step runs: the slot is claimed
    live = dg.DagsterInstance.from_config(str(home))
    assert fail_orphaned_runs(live) == []  # a run whose process is alive is never touched
    first.send_signal(signal.SIGKILL)
    first.wait()

    instance = dg.DagsterInstance.from_config(str(home))
    [killed] = instance.get_run_records()
    assert killed.dagster_run.status == dg.DagsterRunStatus.STARTED  # nobody noticed
    assert run_pid(instance, killed.dagster_run.run_id) == first.pid
    assert len(instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).claimed_slots) == 1

    assert fail_orphaned_runs(instance) == [killed.dagster_run.run_id]  # what the demo does first
    assert instance.get_run_by_id(killed.dagster_run.run_id).status == dg.DagsterRunStatus.FAILURE
    assert instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).claimed_slots == []

    began = time.monotonic()
    second = _start(script, env, 0)
    try:
        out, _ = second.communicate(timeout=60)  # without the cleanup it waits for the slot forever
    finally:
        second.kill()
    assert out.split() == ["holding", "the", "pool", "success"]
    assert time.monotonic() - began < 60
    assert fail_orphaned_runs(instance) == []  # a finished run and nothing else: nothing to do


@pytest.mark.slow
def test_the_orphaned_run_sensor_fails_a_killed_run_within_one_tick(tmp_path: Path) -> None:
    """What `dagster dev` does without the demo: the local sensor notices the dead process on its
    next tick (run monitoring cannot, with the default run launcher), and frees the slot."""
    from integration_pipelines.defs.automation.orphaned_runs import orphaned_run_sensor

    home = tmp_path / "dagster_home"
    ensure_local_instance(home)
    script = tmp_path / "run.py"
    script.write_text(RUN)
    run = _start(script, {**os.environ, "DAGSTER_HOME": str(home)}, 600)
    assert run.stdout.readline().strip() == "holding the pool"
    instance = dg.DagsterInstance.from_config(str(home))
    assert isinstance(instance.run_launcher, dg.DefaultRunLauncher)
    alive = orphaned_run_sensor(dg.build_sensor_context(instance=instance))
    assert alive.skip_message == "no orphaned runs"
    run.send_signal(signal.SIGKILL)
    run.wait()

    result = orphaned_run_sensor(dg.build_sensor_context(instance=instance))
    assert "marked 1 orphaned run(s) failed" in result.skip_message
    [record] = instance.get_run_records()
    assert record.dagster_run.status == dg.DagsterRunStatus.FAILURE
    assert instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).claimed_slots == []


def test_a_queued_run_whose_worker_started_later_is_left_alone(tmp_path: Path) -> None:
    """A run launched from the UI waits in the queue, then its worker starts: the worker is younger
    than the run record, and that is not a reused pid. Tried: a STARTING run created two seconds
    before its (live) worker logged its pid; the sensor's check must leave it running."""
    from dagster._core.events import EngineEventData  # how Dagster's own run worker logs its pid

    home = tmp_path / "dagster_home"
    ensure_local_instance(home)
    instance = dg.DagsterInstance.from_config(str(home))

    @dg.asset
    def anything() -> None: ...

    job = dg.Definitions(assets=[anything], jobs=[dg.define_asset_job("j", [anything])]).resolve_job_def("j")
    run = instance.create_run_for_job(job, status=dg.DagsterRunStatus.STARTING)
    time.sleep(2.5)
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        time.sleep(0.5)
        instance.report_engine_event("Started process for run", run, EngineEventData.in_process(worker.pid))
        assert run_pid(instance, run.run_id) == worker.pid
        assert fail_orphaned_runs(instance) == []
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTING
        worker.kill()
        worker.wait()
        assert fail_orphaned_runs(instance) == [run.run_id]  # and once it is gone, it is judged
    finally:
        if worker.poll() is None:
            worker.kill()
