"""Jobs as real processes on a local instance: what an operator's runs are, killable and concurrent."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from integration_pipelines.components.vendor_sync import vendor_components
from integration_pipelines.lib.partitions import range_tags
from integration_pipelines.local_instance import ensure_local_instance


@dataclass
class Home:
    """One scenario's folder: lake, warehouse, local Dagster instance and the logs of its runs."""

    path: Path
    sandbox_url: str
    extra_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        ensure_local_instance(self.dagster_home)
        (self.path / "logs").mkdir(parents=True, exist_ok=True)

    @property
    def dagster_home(self) -> Path:
        return self.path / "dagster_home"

    @property
    def warehouse(self) -> Path:
        return self.path / "warehouse.duckdb"

    def env(self) -> dict[str, str]:
        unpaced = {  # the sandbox's limits are off in the soak: pace nothing, so the faults dominate
            setting.env: "100000"
            for component in vendor_components().values()
            for setting in component.rate_limits.values()
        }
        return {
            **os.environ,
            **unpaced,
            "INTEGRATION_PIPELINES_ENV": "local",
            "INTEGRATION_PIPELINES_HOME": str(self.path),
            "INTEGRATION_PIPELINES_SANDBOX_URL": self.sandbox_url,
            "DAGSTER_HOME": str(self.dagster_home),
            "SYNC_STEP_RETRY_WAIT_SECONDS": "5",  # a storm's step retries come back in seconds, not minutes
            **self.extra_env,
        }


@dataclass
class Run:
    """A started job process; its output goes to a log file the secret scan reads afterwards."""

    process: subprocess.Popen
    log: Path
    started: float

    def wait(self, timeout: float) -> int | None:
        """The exit code, or None when the run outlived ``timeout`` (then it is killed: a hung run)."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def start_job(home: Home, job: str, first: str, last: str, name: str) -> Run:
    log = home.path / "logs" / f"{name}.log"
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
        job,
        "--tags",
        json.dumps(range_tags(first, last)),
    ]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, env=home.env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Run(process, log, time.monotonic())


def run_until_done(home: Home, job: str, first: str, last: str, name: str, *, attempts: int, timeout: float) -> dict:
    """Run, and run again after a failure (what run retries or an operator do), up to ``attempts``."""
    outcome = {"runs": 0, "failed_runs": 0, "hung_runs": 0, "succeeded": False}
    for attempt in range(1, attempts + 1):
        code = start_job(home, job, first, last, f"{name}-{attempt}").wait(timeout)
        outcome["runs"] += 1
        if code is None:
            outcome["hung_runs"] += 1
        elif code == 0:
            outcome["succeeded"] = True
            break
        else:
            outcome["failed_runs"] += 1
    return outcome
