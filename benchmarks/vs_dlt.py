"""This project against dlt's ``rest_api`` source on the same sandbox: one table and results/vs_dlt.json.

Run from the repo root: ``make bench`` (all benchmarks), or this one alone:
``python -m benchmarks.vs_dlt [--conversations 40000 | --quick] [--latency-ms 50] [--vendors hubspot,zendesk,intercom]``
(dlt runs in ``.venv-dlt``, built by ``make dlt-venv``; ``--dlt-python`` or ``DLT_PYTHON`` points elsewhere).

One sandbox (rate limits off unless measured, faults off) serves a world of ``--conversations`` over
31 days ending today; both tools pull the same 31 UTC days. For HubSpot contacts, Zendesk tickets
and Intercom conversations, adjacent runs of each tool, every figure a ratio within this run:
(a) client only, no latency: our connector's client paging the window (records typed as Arrow,
nothing written) against dlt's extract step; (b) end to end into DuckDB: our raw + warehouse assets
for the window in one in-process Dagster run against dlt's ``pipeline.run`` merging by id; (c) both
again through a proxy adding ``--latency-ms`` to every request; (d) requests per 1,000 records, as
the sandbox counted them; (e) share of each vendor's published ceiling with the sandbox enforcing
limits (``benchmarks/vendor_ceiling.py`` says how Zendesk's is time-scaled). Ratio = our rows/s ÷ dlt's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks.figures import Figure, record
from benchmarks.latency_proxy import LatencyProxy
from benchmarks.pipeline_side import OBJECTS, client_only, end_to_end, window
from benchmarks.vendor_ceiling import ceiling_share
from vendor_sandbox.dialects import hubspot as hubspot_sandbox
from vendor_sandbox.dialects import intercom as intercom_sandbox
from vendor_sandbox.dialects import zendesk as zendesk_sandbox
from vendor_sandbox.process import SandboxProcess

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "vs_dlt.json"
DLT_RUNNER = ROOT / "benchmarks" / "dlt_rest_api.py"
DAYS = 31
IMPORT_LEADS = 1_000  # the import day stays under search's 10,000 cap: dlt's day-sliced search cannot split it
LIMITS = {
    "client": "CPU, one thread per tool: ours decodes and types records as Arrow; dlt's extract infers its "
    "schema and writes JSON lines; the sandbox shares the 2 cores",
    "e2e": "CPU: ours = Dagster run + lake Parquet + DuckDB upsert; dlt = extract + normalize + load (jsonl)",
    "latency": "round trips: both tools page each vendor sequentially, so requests x latency dominates",
}


def dlt_run(python: str, vendor: str, base_url: str, first: date, last: date, mode: str, fmt: str) -> dict[str, Any]:
    """One dlt run in its own virtualenv and a fresh working folder; its rows and in-process seconds."""
    start, end = window(first, last)
    job = {
        "vendor": vendor,
        "base_url": base_url,
        "start": int(start.timestamp()),
        "end": int(end.timestamp()),
        "mode": mode,
        "loader_file_format": fmt,
        "subdomain": zendesk_sandbox.SUBDOMAIN,
        "email": zendesk_sandbox.EMAIL,
        "api_token": zendesk_sandbox.API_TOKEN,
        "token": hubspot_sandbox.ACCESS_TOKEN if vendor == "hubspot" else intercom_sandbox.ACCESS_TOKEN,
        "properties": hubspot_properties(base_url) if vendor == "hubspot" else [],
    }
    env = {**os.environ, "RUNTIME__DLTHUB_TELEMETRY": "false", "RUNTIME__LOG_LEVEL": "WARNING"}
    with tempfile.TemporaryDirectory(prefix="bench-dlt-") as workdir:
        job["workdir"] = workdir
        started = time.perf_counter()
        proc = subprocess.run(
            [python, "-W", "ignore", str(DLT_RUNNER), json.dumps(job)], capture_output=True, text=True, env=env
        )
        wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"dlt {vendor} {mode} failed:\n{proc.stderr[-3000:]}")
    return {**json.loads(proc.stdout.strip().splitlines()[-1]), "wall_seconds": wall}


def hubspot_properties(base_url: str) -> list[str]:
    """Every contact property, as our client asks for them (one request, as ours makes)."""
    import httpx

    headers = {"Authorization": f"Bearer {hubspot_sandbox.ACCESS_TOKEN}"}
    body = httpx.get(f"{base_url}/hubspot/crm/v3/properties/contacts", headers=headers, timeout=30).json()
    return sorted(p["name"] for p in body["results"])


def measured(sandbox: SandboxProcess, vendor: str, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``run()``'s result with the requests the sandbox answered for it and the rate it reached."""
    sandbox.wait_idle()
    sandbox.reset_stats()
    result = run()
    sandbox.wait_idle()
    requests = sandbox.stats().get(vendor, {}).get("requests", 0)
    rows = result["rows"]
    return {
        **result,
        "requests": requests,
        "rows_per_second": rows / result["seconds"],
        "requests_per_1000": 1000 * requests / rows if rows else float("nan"),
    }


def compare(sandbox: SandboxProcess, args: argparse.Namespace, first: date, last: date) -> list[dict[str, Any]]:
    """Each vendor, without and with latency, client only then end to end: ours, then dlt right after."""
    rows: list[dict[str, Any]] = []
    with LatencyProxy(sandbox.url, args.latency_ms) as proxy:
        for vendor in args.vendors:
            for latency, url in ((0.0, sandbox.url), (args.latency_ms, proxy.url)):
                for kind in ("client", "e2e"):
                    row = pair(sandbox, args, vendor, url, kind, first, last)
                    row["latency_ms"] = latency
                    row["limited_by"] = LIMITS["latency" if latency else kind]
                    rows.append(row)
                    print_row(row)
                    record_row(row)
    return rows


def record_row(row: dict[str, Any]) -> None:
    """The row's headline figures for ``python -m benchmarks``: rows/s against dlt, and requests per 1,000."""
    what = {"client": "client only", "e2e": "end to end into DuckDB"}[row["measurement"]]
    what += f", {row['latency_ms']:.0f} ms a request" if row["latency_ms"] else ", no latency"
    name = f"{row['vendor']} {row['object']}: {what}"
    goal = ">= 3x dlt" if row["measurement"] == "e2e" and row["vendor"] in ("hubspot", "zendesk") else ""
    ours, theirs = row["ours"], row["dlt"]
    record(
        Figure(
            "vs_dlt",
            name,
            ours["rows_per_second"],
            "rows/s",
            theirs["rows_per_second"],
            "dlt",
            goal=goal,
            benchmark="vs_dlt",
        )
    )
    if row["measurement"] == "client" and not row["latency_ms"]:
        record(
            Figure(
                "requests",
                f"{row['vendor']} {row['object']}",
                ours["requests_per_1000"],
                "requests",
                theirs["requests_per_1000"],
                "dlt",
                better="lower",
                benchmark="vs_dlt",
            )
        )


def pair(
    sandbox: SandboxProcess, args: argparse.Namespace, vendor: str, url: str, kind: str, first: date, last: date
) -> dict[str, Any]:
    """Both tools against ``url``, alternating ``--repeat`` times; each keeps its fastest attempt (the
    machine is shared: the best of a few is the least disturbed), every attempt's seconds are kept."""
    mode = "extract" if kind == "client" else "duckdb"
    attempts: dict[str, list[dict[str, Any]]] = {"ours": [], "dlt": []}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="bench-ours-") as home:
            run = partial(client_only, vendor, url, first, last)
            if kind == "e2e":
                run = partial(end_to_end, vendor, url, first, last, Path(home))
            attempts["ours"].append(measured(sandbox, vendor, run))
        run = partial(dlt_run, args.dlt_python, vendor, url, first, last, mode, args.dlt_format)
        attempts["dlt"].append(measured(sandbox, vendor, run))
    best = {tool: max(runs, key=lambda r: r["rows_per_second"]) for tool, runs in attempts.items()}
    for tool, runs in attempts.items():
        best[tool] = {**best[tool], "attempt_seconds": [r["seconds"] for r in runs]}
    return {
        "vendor": vendor,
        "object": OBJECTS[vendor],
        "measurement": kind,
        **best,
        "ratio": best["ours"]["rows_per_second"] / best["dlt"]["rows_per_second"],
    }


def print_row(row: dict[str, Any]) -> None:
    what = {"client": "client only", "e2e": "end to end"}[row["measurement"]]
    what += f" @{row['latency_ms']:.0f} ms" if row["latency_ms"] else ""
    ours, theirs = row["ours"], row["dlt"]
    print(
        f"  {row['vendor'] + ' ' + row['object']:<22} {what:<22} {ours['rows']:>7,} / {theirs['rows']:>7,}  "
        f"{ours['rows_per_second']:>8,.0f} / {theirs['rows_per_second']:>8,.0f}  {row['ratio']:5.2f}x  "
        f"{ours['requests_per_1000']:6.1f} / {theirs['requests_per_1000']:6.1f}",
        flush=True,
    )


def print_ceiling(vendor: str, share: dict[str, Any]) -> None:
    scaled = f"window x{share['window_scale']:g}" + (
        f", count x{share['rate_scale']:g}" if share["rate_scale"] != 1 else ""
    )
    print(
        f"  {vendor:<10} {share['limit']:<34} {share['requests']:>5} requests in {share['seconds']:6.1f} s"
        f" ({scaled}) = {share['requests_per_second']:6.1f}/s of "
        f"{share['ceiling_per_second']:.1f}/s: {share['share']:6.1%}, {share['throttled']} x 429",
        flush=True,
    )
    record(
        Figure(
            "ceiling",
            f"{vendor}: {share['limit']} ({scaled}), {share['throttled']} x 429",
            100 * share["share"],
            "%",
            goal=">= 95 %, 0 x 429",
            benchmark="vs_dlt",
        )
    )


def dlt_version(python: str) -> str:
    proc = subprocess.run([python, "-c", "import dlt; print(dlt.__version__)"], capture_output=True, text=True)
    return proc.stdout.strip() or "unavailable"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=40_000, help="world size (default 40,000)")
    parser.add_argument("--quick", action="store_true", help="a small world (8,000 conversations)")
    parser.add_argument("--repeat", type=int, default=1, help="attempts per tool and figure, best kept (default 1)")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="injected per request (default 50)")
    parser.add_argument("--vendors", default="hubspot,zendesk,intercom", help="comma-separated")
    parser.add_argument("--dlt-python", default=os.environ.get("DLT_PYTHON", str(ROOT / ".venv-dlt/bin/python")))
    parser.add_argument("--dlt-format", default="jsonl", help="dlt's loader_file_format (default jsonl)")
    parser.add_argument("--zendesk-window-scale", type=float, default=0.05, help="Zendesk's limit window x this")
    parser.add_argument(
        "--intercom-rate-scale", type=float, default=0.1, help="Intercom's count per window x this, measured too"
    )
    parser.add_argument("--skip-ceilings", action="store_true", help="skip (e), the limits-on pulls")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    args.vendors = [v.strip() for v in args.vendors.split(",") if v.strip()]
    conversations = 8_000 if args.quick else args.conversations
    if not Path(args.dlt_python).exists():
        sys.exit(f"no dlt interpreter at {args.dlt_python}: run `make dlt-venv` (or set DLT_PYTHON)")
    today = datetime.now(UTC).date()
    first, last = today - timedelta(days=DAYS), today - timedelta(days=1)
    sandbox_args = ["--conversations", str(conversations), "--days", str(DAYS), "--anchor", today.isoformat()]
    sandbox_args += ["--import-leads", str(IMPORT_LEADS), "--dialects", ",".join(sorted(OBJECTS))]
    sandbox_args += ["--rate-limits", "off", "--log-level", "critical"]
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "dlt": dlt_version(args.dlt_python),
        "load_average_at_start": os.getloadavg(),
    }
    print(
        f"ours vs dlt {machine['dlt']} rest_api, {first}..{last}, "
        f"{conversations:,} conversations, {machine['cpus']} cores"
    )
    header = f"{'rows ours / dlt':>17}  {'rows/s ours / dlt':>19}  ratio  req/1k ours / dlt"
    print(f"  {'object':<22} {'measurement':<22} {header}")
    started = time.perf_counter()
    with SandboxProcess(sandbox_args) as sandbox:
        rows = compare(sandbox, args, first, last)
        ceilings: dict[str, Any] = {}
        if not args.skip_ceilings:
            print("share of the vendor's published ceiling, sandbox enforcing it (ours, default settings):")
            for vendor in args.vendors:
                scales = (1.0, args.intercom_rate_scale) if vendor == "intercom" else (1.0,)
                for rate_scale in scales:
                    share = ceiling_share(sandbox, vendor, first, last, args.zendesk_window_scale, rate_scale)
                    ceilings[vendor if rate_scale == 1.0 else f"{vendor} x{rate_scale:g}"] = share
                    print_ceiling(vendor, share)
    print("what limits each figure:")
    for kind, text in LIMITS.items():
        print(f"  {kind}: {text}")
    report = {
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": time.perf_counter() - started,
        "machine": machine,
        "world": {"conversations": conversations, "days": DAYS, "first": str(first), "last": str(last)},
        "latency_ms": args.latency_ms,
        "repeat": args.repeat,
        "dlt_loader_file_format": args.dlt_format,
        "comparisons": rows,
        "ceilings": ceilings,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"wrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")


if __name__ == "__main__":
    main()
