"""A run killed with SIGKILL does not stay STARTED holding its vendor's pool: with the local instance's
run monitoring and the jobs' ``dagster/max_runtime`` tag, the real ``dagster-daemon`` marks it FAILURE
and frees its pool slot, and the partition then syncs to exact tables.

Why a real daemon and a real kill: the default run launcher cannot report a dead run worker, so what
ends such a run is the interplay of the job tag (read when the definitions load), the monitoring
daemon's max-runtime check and its slot freeing (``free_slots_after_run_end_seconds``); only a real
instance exercises all three. The intervals are shortened here, not the mechanism.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import pytest

from integration_pipelines.local_instance import local_instance_yaml
from integration_pipelines_tests.defs.test_zendesk_assets import assert_tables_exact, run_sync
from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions
from vendor_sandbox.faults import FaultConfig
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

DAY = "2026-10-31"
POOL = "zendesk_api"
MAX_RUNTIME_SECONDS = 12
BIN = Path(sys.executable).parent


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting until {what}")
        time.sleep(0.25)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.mark.slow
def test_a_killed_run_is_failed_its_pool_freed_and_the_partition_reruns_exactly(
    sandbox: SandboxProcess, world: World, tmp_path: Path
) -> None:
    dagster_home, home = tmp_path / "dagster_home", tmp_path / "home"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text(
        local_instance_yaml(poll_interval_seconds=1, free_slots_after_run_end_seconds=1)
    )
    env = {
        **os.environ,
        "INTEGRATION_PIPELINES_ENV": "local",
        "INTEGRATION_PIPELINES_HOME": str(home),
        "INTEGRATION_PIPELINES_SANDBOX_URL": sandbox.url,
        "DAGSTER_HOME": str(dagster_home),
        "RUN_MAX_RUNTIME_SECONDS": str(MAX_RUNTIME_SECONDS),
    }
    # every response trickles: the run's Zendesk step holds the pool's one slot until it is killed
    sandbox.set_faults(FaultConfig(rate_trickle=1.0, trickle_interval_seconds=1.0))
    worker = subprocess.Popen(
        [BIN / "dagster", "job", "execute", "-m", "integration_pipelines.definitions", "-a", "defs"]
        + ["-j", "zendesk_sync_job", "--tags", json.dumps({"dagster/partition": DAY})],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    daemon = None
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        try:

            def claimed() -> list:
                return instance.event_log_storage.get_concurrency_info(POOL).claimed_slots

            wait_for(lambda: worker.poll() is None and bool(claimed()), 90, f"the run holds the {POOL} slot")
            (run,) = instance.get_runs()
            assert run.tags["dagster/max_runtime"] == str(MAX_RUNTIME_SECONDS)
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
            time.sleep(1.0)
            assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED  # nobody noticed
            assert claimed()

            daemon = subprocess.Popen(
                [BIN / "dagster-daemon", "run", "--empty-workspace"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            wait_for(
                lambda: instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE,
                MAX_RUNTIME_SECONDS + 45,
                "the daemon marks the killed run failed",
            )
            wait_for(lambda: not claimed(), 30, f"the daemon frees the {POOL} slot")
        finally:
            stop(worker)
            if daemon is not None:
                stop(daemon)

        sandbox.set_faults(FaultConfig())
        rerun = run_sync(pipeline_definitions(sandbox, home), DAY, DAY, instance=instance)
        assert rerun.success
    assert_tables_exact(home, world, DAY, DAY)
