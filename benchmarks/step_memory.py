"""Peak RSS of the raw and warehouse steps at 100k and 1M Zendesk tickets, against the import baseline.

Run from the repo root:  ``python -m benchmarks.step_memory [--tickets 100000,1000000] [--days 31]``

Goal: each step's peak RSS at most 300 MB above the import baseline, and flat from 100k to 1M.

The sandbox (its own process, limits off) serves ``--tickets`` Zendesk tickets over HTTP from its bulk
ticket export (``vendor_sandbox/dialects/zendesk/bulk.py``: the world's tickets copied with new ids,
spread evenly over ``--days`` days, rendered page by page). Every measurement is a fresh interpreter
that first loads the code location (``integration_pipelines.definitions`` + ``defs()``, local
settings), as a step worker does:

* import baseline: that, and nothing run; its RSS (``VmRSS``) after loading is the baseline;
* raw step: then the ``raw/zendesk/tickets`` asset for the whole window in one run (single-run
  backfill), the connector unpaced (``pipeline_side.connector``), into a fresh lake;
* warehouse step: then ``warehouse/zendesk/tickets`` for the same window, from that lake into a fresh
  DuckDB file;
* warehouse step again: the same run once more into that file, so every row is an update of a stored
  key (a re-run partition; the load's other path).

A step's peak is ``VmHWM``, reset to the current RSS just before the run (``/proc/self/clear_refs``,
as ``warehouse_load.py`` does) and read after it; the run's instance keeps its events in SQLite on
disk, as a deployment's does in PostgreSQL, not in memory. Printed per size and step: peak RSS, RSS
before the run, peak above the import baseline, the run's seconds, and the 1M / 100k ratio of that
growth (flatness).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks.figures import Figure, record
from benchmarks.import_cost import ROOT, environment

GOAL = "<= 300 MB above import, flat 100k->1M"
GOAL_ABOVE_MB = 300
STEPS = {
    "raw": "raw step (API -> lake)",
    "warehouse": "warehouse step (lake -> DuckDB)",
    "reload": "warehouse step again (same rows)",
}
SANDBOX_CONVERSATIONS = 2_000  # the world whose Zendesk tickets the bulk export copies


def load_definitions() -> None:
    """What every step worker does before its step (``import_cost.py``'s "load definitions" case)."""
    import integration_pipelines.definitions as definitions

    definitions.defs()


def run_child(step: str, url: str, home: str, first: str, last: str) -> dict[str, object]:
    """In a fresh interpreter: load the definitions, then (unless ``step`` is ``import``) run one step."""
    load_definitions()
    from benchmarks.warehouse_load import _status_kib

    loaded_kb = _status_kib("VmRSS")
    figures: dict[str, object] = {"loaded_rss_kb": loaded_kb, "loaded_hwm_kb": _status_kib("VmHWM")}
    if step == "import":
        return figures
    job, run = _step_job(step, url, Path(home), first, last)
    before_kb = _status_kib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM back to the current RSS
    began = time.monotonic()
    rows = run(job)
    seconds = time.monotonic() - began
    return {
        **figures,
        "rss_before_kb": before_kb,
        "peak_rss_kb": _status_kib("VmHWM"),
        "rows": rows,
        "seconds": seconds,
    }


def _step_job(step: str, url: str, home: Path, first: str, last: str):
    """The step's one-asset job over the sandbox, lake and DuckDB file under ``home``, and how to run it
    (returning the rows the step reports); built before the peak is reset."""
    import dagster as dg
    from dagster_duckdb import DuckDBResource

    from benchmarks.pipeline_side import QUIET, connector
    from integration_pipelines.components.vendor_sync import vendor_components
    from integration_pipelines.lib.lake import LakeResource
    from integration_pipelines.lib.partitions import range_tags
    from integration_pipelines.lib.webhooks.resource import WebhookInboxResource

    key = dg.AssetKey(["raw" if step == "raw" else "warehouse", "zendesk", "tickets"])
    component = dg.build_defs_for_component(vendor_components()["zendesk"])
    defs = dg.Definitions(
        assets=component.assets,
        jobs=[dg.define_asset_job("step_job", selection=[key])],
        resources={
            "zendesk": connector("zendesk", url),
            "lake": LakeResource(url=str(home / "lake")),
            "duckdb": DuckDBResource(database=str(home / "warehouse.duckdb")),
            "webhook_inbox": WebhookInboxResource(url=f"sqlite:///{home / 'webhook_inbox.sqlite'}"),
        },
    )
    job = defs.resolve_job_def("step_job")
    (home / "dagster").mkdir(parents=True, exist_ok=True)

    def run(job: dg.JobDefinition) -> int:
        with dg.DagsterInstance.local_temp(str(home / "dagster")) as instance:
            result = job.execute_in_process(run_config=QUIET, instance=instance, tags=range_tags(first, last))
        if not result.success:
            raise RuntimeError(f"{step} step failed")
        metadata = next(m.metadata for m in result.asset_materializations_for_node(job.nodes[0].name) if m.metadata)
        name = "window_rows" if step == "raw" else "window_rows_in"
        return int(metadata[name].value) if name in metadata else -1

    return job, run


def child(env: dict[str, str], *args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "benchmarks.step_memory", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"step_memory child {args[:2]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def window(days: int) -> tuple[date, date]:
    """The sandbox's history: ``days`` UTC days ending yesterday (the world's anchor is today 00:00)."""
    today = datetime.now(UTC).date()
    return today - timedelta(days=days), today - timedelta(days=1)


def measure(sizes: list[int], days: int, scratch: Path) -> tuple[dict[str, object], dict[int, dict[str, dict]]]:
    from vendor_sandbox.process import SandboxProcess

    env = environment(scratch, {"INTEGRATION_PIPELINES_ENV": "local"})
    first, last = window(days)
    baseline = child(env, "--step", "import")
    results: dict[int, dict[str, dict]] = {}
    for tickets in sizes:
        home = scratch / f"t{tickets}"
        args = ["--dialects", "zendesk", "--rate-limits", "off", "--conversations", str(SANDBOX_CONVERSATIONS)]
        args += [
            "--days",
            str(days),
            "--anchor",
            (last + timedelta(days=1)).isoformat(),
            "--bulk-tickets",
            str(tickets),
        ]
        with SandboxProcess(args) as sandbox:
            where = [
                "--url",
                sandbox.url,
                "--home",
                str(home),
                "--first",
                first.isoformat(),
                "--last",
                last.isoformat(),
            ]
            results[tickets] = {step: child(env, "--step", step, *where) for step in STEPS}
    return baseline, results


def report(baseline: dict[str, object], results: dict[int, dict[str, dict]], days: int) -> None:
    base_mb = float(baseline["loaded_rss_kb"]) / 1024  # type: ignore[arg-type]
    print(
        f"import baseline (definitions loaded, nothing run): RSS {base_mb:.0f} MB "
        f"(peak while loading {float(baseline['loaded_hwm_kb']) / 1024:.0f} MB)"  # type: ignore[arg-type]
    )
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} cores, {days} days")
    header = f"  {'tickets':>10}  {'step':<34} {'rows':>10} {'seconds':>8} {'RSS before':>11} {'peak RSS':>9}"
    header += f" {'above import':>13}"
    print(header + f"  {'vs smallest':>11}")
    sizes = sorted(results)
    for step, label in STEPS.items():
        smallest = results[sizes[0]][step]["peak_rss_kb"] / 1024 - base_mb
        for tickets in sizes:
            r = results[tickets][step]
            peak, before = r["peak_rss_kb"] / 1024, r["rss_before_kb"] / 1024
            above = peak - base_mb
            flat = f"{above / smallest:.2f}x" if tickets != sizes[0] and smallest > 0 else "1.00x"
            print(
                f"  {tickets:>10,}  {label:<34} {r['rows']:>10,} {r['seconds']:>8.1f} "
                f"{before:>8.0f} MB {peak:>6.0f} MB "
                f"{above:>+10.0f} MB  {flat:>11}  {'ok' if above <= GOAL_ABOVE_MB else 'over goal'}"
            )
            record(
                Figure("memory", f"{label}, {tickets:,} tickets: peak RSS", peak, "MB", base_mb,
                       "import baseline (definitions loaded)", better="lower", goal=GOAL, benchmark="step_memory")
            )  # fmt: skip
        if len(sizes) > 1:
            largest = results[sizes[-1]][step]["peak_rss_kb"] / 1024 - base_mb
            record(
                Figure("memory", f"{label}: peak above import, {sizes[-1]:,} vs {sizes[0]:,} tickets", largest, "MB",
                       smallest, f"at {sizes[0]:,} tickets", better="lower", goal=GOAL, benchmark="step_memory")
            )  # fmt: skip
            print(f"  {label}: growth above import {largest / smallest if smallest > 0 else float('nan'):.2f}x "
                  f"from {sizes[0]:,} to {sizes[-1]:,} tickets")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", default="100000,1000000", help="comma-separated ticket counts")
    parser.add_argument("--days", type=int, default=31, help="days the tickets are spread over (one run)")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    for hidden in ("--url", "--home", "--first", "--last"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:  # a child: one measurement, its figures as JSON
        print(json.dumps(run_child(args.step, args.url, args.home, args.first, args.last)))
        return
    sizes = sorted(int(n) for n in args.tickets.split(","))
    with tempfile.TemporaryDirectory(prefix="step_memory_") as scratch:
        baseline, results = measure(sizes, args.days, Path(scratch))
    report(baseline, results, args.days)


if __name__ == "__main__":
    main()
