"""main_job for one day, once per executor: a process per step (multiprocess) against one process (in_process).

Run from the repo root:  ``python -m benchmarks.executors [--conversations 300] [--executors multiprocess,in_process]``

Each run is what an operator's is: ``dagster job execute`` of the real code location (environment
``local``, against a sandbox started here with its rate limits off and the clients unpaced, so the
figures are the pipeline's, not the vendors' quotas), on a fresh lake, DuckDB files and local Dagster
instance (pools limited to one step). The baseline is ``multiprocess``, Dagster's default executor
and what every job used before ``INTEGRATION_PIPELINES_EXECUTOR``; the ratio is its wall time over
the other's (above 1: faster). Wall time counts from the command's start to its exit (loading the
definitions included); the run's own time is Dagster's, from its first event to its last.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.main_job import operator_env
from integration_pipelines.local_instance import ensure_local_instance
from vendor_sandbox.process import SandboxProcess

EXECUTORS = ("multiprocess", "in_process")


def run_main_job(home: Path, sandbox_url: str, executor: str, day: str) -> dict[str, object]:
    """One ``dagster job execute -j main_job`` for ``day`` in a fresh ``home``; its times and step count."""
    import dagster as dg

    dagster_home = home / "dagster_home"
    ensure_local_instance(dagster_home)
    env = operator_env(home, sandbox_url, executor)
    command = [sys.executable, "-m", "dagster", "job", "execute", "-m", "integration_pipelines.definitions"]
    command += ["-a", "defs", "-j", "main_job", "--tags", json.dumps({"dagster/partition": day})]
    started = time.perf_counter()
    proc = subprocess.run(command, env=env, capture_output=True, text=True, cwd=home)
    wall = time.perf_counter() - started
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        runs = instance.get_runs(limit=1)
        run = runs[0] if runs else None
        logs = instance.all_logs(run.run_id) if run else []
    steps = {e.dagster_event.step_key for e in logs if e.dagster_event and e.dagster_event.is_step_success}
    status = run.status.value if run else "NOT STARTED"
    if proc.returncode != 0 or status != "SUCCESS":
        print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n", file=sys.stderr)
    return {
        "wall": wall,
        "run": logs[-1].timestamp - logs[0].timestamp if logs else float("nan"),
        "steps": len(steps),
        "status": status,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=300, help="sandbox world size (default 300)")
    parser.add_argument("--executors", default=",".join(EXECUTORS), help="comma-separated, baseline first")
    args = parser.parse_args()
    executors = [e.strip() for e in args.executors.split(",") if e.strip()]
    today = datetime.now(UTC).date()
    day = (today - timedelta(days=1)).isoformat()
    sandbox_args = ["--conversations", str(args.conversations), "--days", "3", "--anchor", today.isoformat()]
    sandbox_args += ["--rate-limits", "off", "--log-level", "critical"]
    print(f"main_job for {day}, sandbox of {args.conversations} conversations over 3 days, {os.cpu_count()} cores")
    results: dict[str, dict[str, object]] = {}
    with SandboxProcess(sandbox_args) as sandbox, tempfile.TemporaryDirectory(prefix="bench-executors-") as tmp:
        for executor in executors:
            results[executor] = run_main_job(Path(tmp) / executor, sandbox.url, executor, day)
    baseline = float(results[executors[0]]["wall"])  # type: ignore[arg-type]
    for executor, result in results.items():
        wall, run = float(result["wall"]), float(result["run"])  # type: ignore[arg-type]
        print(
            f"  {executor:<13} {result['status']:<8} {result['steps']:>3} steps  wall {wall:7.1f} s  "
            f"run {run:7.1f} s  {baseline / wall:5.2f}x baseline"
        )


if __name__ == "__main__":
    main()
