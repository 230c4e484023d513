"""main_job as an operator runs it, for one day and for a 7-day window, under Dagster's default
executor (multiprocess, the baseline) and under the product's default executor.

Run from the repo root:  ``python -m benchmarks.main_job [--conversations 100] [--days 1,7] [--baseline-days 7]``

Every run is ``dagster job execute -j main_job`` of the real code location (environment ``local``)
in a fresh home (lake, DuckDB files, local Dagster instance with pools of one step), against one
sandbox started here with rate limits off and the clients unpaced, so the figures are the pipeline's
and not the vendors' quotas. One day is yesterday, launched as the UI launches one partition
(``dagster/partition``); a window is the last ``--days`` complete days in ONE run, launched as a
single-run backfill launches it (``dagster/asset_partition_range_start``/``_end``): every asset of
main_job has a single-run backfill policy, so main_job takes the range in one run.

Per run: wall time from the command's start to its exit (process start and loading the definitions
included), the run's own time (its first event to its last), the steps' work (the sum of each step's
start-to-end time, which under multiprocess leaves out the step process's start-up), the number of
steps, the rows landed in the vendors' warehouse tables and the messages in
``feedback.customer_feedback`` (both must match between executors). The baseline is
``multiprocess`` measured in the same run on the same sandbox (``--baseline-days`` limits it to
some windows); the ratio is its time over the product default's (above 1: faster). The sandbox's
one-day marketing import (12,000 HubSpot leads) is off unless ``--import-leads`` asks for it, so
the window's days are alike and its per-day cost compares with one day's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks.figures import Figure, record
from integration_pipelines.components.vendor_sync import vendor_components
from integration_pipelines.lib.partitions import range_tags
from integration_pipelines.local_instance import ensure_local_instance
from integration_pipelines.sources import registry
from vendor_sandbox.process import SandboxProcess

BASELINE = "multiprocess"  # Dagster's default executor, what every job ran on before INTEGRATION_PIPELINES_EXECUTOR
DEFAULT = "default"  # INTEGRATION_PIPELINES_EXECUTOR unset: the product chooses (in_process when local)
FEEDBACK = ("feedback", "customer_feedback")
ENGINE_MESSAGES = {"Executing steps in process": "in_process", "Executing steps using multiprocess": "multiprocess"}


@dataclass(frozen=True)
class Measured:
    """One main_job run, as the command and the run's own events tell it."""

    executor: str
    status: str
    wall: float
    run: float
    work: float
    steps: int
    rows: int
    messages: int

    @property
    def ok(self) -> bool:
        return self.status == "SUCCESS"


def operator_env(home: Path, sandbox_url: str, executor: str) -> dict[str, str]:
    """The environment of a local operator's shell, pointed at the sandbox; ``default`` leaves the executor unset."""
    unpaced = {s.env: "100000" for c in vendor_components().values() for s in c.rate_limits.values()}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EXPORT_", "INTEGRATION_PIPELINES_"))}
    env.update(
        unpaced,
        INTEGRATION_PIPELINES_ENV="local",
        INTEGRATION_PIPELINES_HOME=str(home),
        INTEGRATION_PIPELINES_SANDBOX_URL=sandbox_url,
        DAGSTER_HOME=str(home / "dagster_home"),
    )
    if executor != DEFAULT:
        env["INTEGRATION_PIPELINES_EXECUTOR"] = executor
    return env


def window_tags(first: date, last: date) -> dict[str, str]:
    """One partition as the UI launches it; several as a single-run backfill does."""
    return (
        {"dagster/partition": first.isoformat()} if first == last else range_tags(first.isoformat(), last.isoformat())
    )


def rows_landed(warehouse: Path) -> tuple[int, int]:
    """Rows of the vendors' tables in the warehouse DuckDB, and customer messages in ``feedback.customer_feedback``."""
    import duckdb

    if not warehouse.exists():
        return 0, 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        counts = {
            (schema, table): con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]  # type: ignore[index]
            for schema, table in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
        }
    vendors = set(registry.names())
    return sum(n for (schema, _), n in counts.items() if schema in vendors), counts.get(FEEDBACK, 0)


def run_main_job(home: Path, sandbox_url: str, executor: str, first: date, last: date) -> Measured:
    """One ``dagster job execute -j main_job`` over ``first``..``last`` in a fresh ``home``."""
    import dagster as dg

    home.mkdir(parents=True)
    dagster_home = home / "dagster_home"
    ensure_local_instance(dagster_home)
    command = [sys.executable, "-m", "dagster", "job", "execute", "-m", "integration_pipelines.definitions"]
    command += ["-a", "defs", "-j", "main_job", "--tags", json.dumps(window_tags(first, last))]
    started = time.perf_counter()
    proc = subprocess.run(
        command, env=operator_env(home, sandbox_url, executor), capture_output=True, text=True, cwd=home
    )
    wall = time.perf_counter() - started
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        runs = instance.get_runs(limit=1)
        run = runs[0] if runs else None
        logs = instance.all_logs(run.run_id) if run else []
        stats = instance.get_run_step_stats(run.run_id) if run else []
    engine = next((name for e in logs for text, name in ENGINE_MESSAGES.items() if e.message.startswith(text)), "?")
    status = run.status.value if run else "NOT STARTED"
    rows, messages = rows_landed(home / "warehouse.duckdb")
    if proc.returncode != 0 or status != "SUCCESS":
        print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n", file=sys.stderr)
    return Measured(
        executor=engine,
        status=status,
        wall=wall,
        run=logs[-1].timestamp - logs[0].timestamp if logs else float("nan"),
        work=sum(s.end_time - s.start_time for s in stats if s.start_time and s.end_time),
        steps=len(stats),
        rows=rows,
        messages=messages,
    )


def report(label: str, results: dict[str, Measured]) -> None:
    """Print each executor's run beside the baseline's and record the product default's wall time."""
    base = results.get(BASELINE)
    base = base if base and base.ok else None  # a failed baseline's time compares with nothing
    print(f"\n{label}: wall = command start to exit, run = first to last event, work = sum of step times")
    print(
        f"  {'executor':<24} {'status':<8} {'steps':>5} {'wall':>8} {'run':>8} {'work':>8} {'rows':>7} "
        f"{'messages':>8} {'ratio':>7}"
    )
    for name, m in results.items():
        shown = f"{name} ({m.executor})" if name == DEFAULT else name
        ratio = f"{base.wall / m.wall:.2f}x" if base and m.ok else "-"
        print(
            f"  {shown:<24} {m.status:<8} {m.steps:>5} {m.wall:>7.1f}s {m.run:>7.1f}s {m.work:>7.1f}s "
            f"{m.rows:>7,} {m.messages:>8,} {ratio:>7}"
        )
    if base and DEFAULT in results and results[DEFAULT].ok:
        same = (base.rows, base.messages) == (results[DEFAULT].rows, results[DEFAULT].messages)
        print(f"  same rows and messages landed under both executors: {'yes' if same else 'NO'}")
    product = results.get(DEFAULT)
    if product and product.ok:
        record(
            Figure(
                "main_job",
                f"main_job {label}: wall time, {product.executor}",
                product.wall,
                "s",
                base.wall if base else None,
                f"{BASELINE} (Dagster's default)" if base else "",
                better="lower",
                benchmark="main_job",
            )
        )


def per_day(one: dict[str, Measured], window: dict[str, Measured], days: int) -> None:
    """What a day costs inside the window against a one-day run (below 1 day's wall: start-up amortised)."""
    print(f"\nper-day cost of the {days}-day run against the one-day run (wall)")
    for name in [n for n in one if n in window and one[n].ok and window[n].ok]:
        single, spread = one[name].wall, window[name].wall / days
        print(
            f"  {name:<13} 1 day {single:7.1f}s  {days} days {spread:7.1f}s/day  "
            f"{single / spread:5.2f}x cheaper per day"
        )
        if name == DEFAULT:
            record(
                Figure(
                    "main_job",
                    f"main_job {days} days: wall per day, {window[name].executor}",
                    spread,
                    "s/day",
                    single,
                    "one-day run",
                    better="lower",
                    benchmark="main_job",
                )
            )


def label(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=100, help="sandbox world size (default 100)")
    parser.add_argument("--days", default="1,7", help="windows to run, in days ending yesterday (default 1,7)")
    parser.add_argument(
        "--baseline-days", default="", help=f"windows the {BASELINE} baseline also runs (default: every window)"
    )
    parser.add_argument("--import-leads", type=int, default=0, help="HubSpot leads of the one-day import (default 0)")
    parser.add_argument(
        "--executors", default=f"{BASELINE},{DEFAULT}", help=f"comma-separated, of {BASELINE}, in_process, {DEFAULT}"
    )
    args = parser.parse_args()
    executors = [e.strip() for e in args.executors.split(",") if e.strip()]
    windows = sorted({int(d) for d in args.days.split(",") if d.strip()})
    baseline_days = {int(d) for d in args.baseline_days.split(",") if d.strip()} or set(windows)
    today = datetime.now(UTC).date()
    yesterday = today - timedelta(days=1)
    history = max(windows) + 1
    sandbox_args = ["--conversations", str(args.conversations), "--days", str(history), "--anchor", today.isoformat()]
    sandbox_args += ["--import-leads", str(args.import_leads), "--rate-limits", "off", "--log-level", "critical"]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"main_job, sandbox of {args.conversations} conversations over {history} days, {os.cpu_count()} cores, "
        f"load average {load}"
    )
    measured: dict[int, dict[str, Measured]] = {}
    with SandboxProcess(sandbox_args) as sandbox, tempfile.TemporaryDirectory(prefix="bench-main-job-") as tmp:
        for days in windows:
            first = today - timedelta(days=days)
            chosen = [e for e in executors if e != BASELINE or days in baseline_days]
            print(f"  running {label(days)} ({first} .. {yesterday}) under {', '.join(chosen)} ...", flush=True)
            measured[days] = {
                e: run_main_job(Path(tmp) / f"{days}-days-{e}", sandbox.url, e, first, yesterday) for e in chosen
            }
    for days, results in measured.items():
        report(label(days), results)
    if 1 in measured and len(measured) > 1:
        per_day(measured[1], measured[max(windows)], max(windows))
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    failed = [f"{label(d)} {e}" for d, r in measured.items() for e, m in r.items() if not m.ok]
    if failed:
        sys.exit(f"main_job did not succeed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
