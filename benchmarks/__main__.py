"""Run every benchmark: ``python -m benchmarks [--only NAME,...]``.

Each benchmark prints its detail and ratios against a baseline run beside it; at the end one table
gathers every headline figure (``benchmarks/figures.py``) and ``benchmarks/results/latest.json``
keeps them with the machine and the dlt comparison's full record. A benchmark that fails is named
and the rest still run; the command then exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import runpy
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.figures import FIGURES_ENV, load, table

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
BENCHMARKS = (
    "text_preprocessing",
    "exports",
    "webhooks",
    "executors",
    "main_job",
    "lake_write",
    "warehouse_load",
    "step_memory",
    "record_decode",
    "concurrency",
    "import_cost",
    "vs_dlt",  # last: the longest, and it needs `make dlt-venv`
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="comma-separated benchmark names (default: all)")
    args = parser.parse_args()
    chosen = [n.strip() for n in args.only.split(",") if n.strip()] or list(BENCHMARKS)
    available = [n for n in chosen if (ROOT / "benchmarks" / f"{n}.py").exists()]
    started = time.perf_counter()
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-figures-") as tmp:
        figures_path = Path(tmp) / "figures.jsonl"
        os.environ[FIGURES_ENV] = str(figures_path)
        for name in available:
            print(f"\n=== benchmarks.{name}", flush=True)
            sys.argv = [f"benchmarks.{name}"]
            try:
                runpy.run_module(f"benchmarks.{name}", run_name="__main__")
            except SystemExit as stop:
                if stop.code not in (None, 0):
                    failed.append(name)
                    print(f"benchmarks.{name} exited with {stop.code}", file=sys.stderr)
            except Exception:  # noqa: BLE001 - one broken benchmark must not hide the others' figures
                failed.append(name)
                traceback.print_exc()
        figures = load(figures_path)
    print("\n=== every headline figure (ratio above 1: better than the baseline measured beside it)")
    print(table(figures))
    dlt_record = RESULTS / "vs_dlt.json"
    report = {
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": time.perf_counter() - started,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_at_end": os.getloadavg(),
        },
        "benchmarks": available,
        "failed": failed,
        "figures": [f.as_dict() for f in figures],
        "vs_dlt": json.loads(dlt_record.read_text()) if "vs_dlt" in available and dlt_record.exists() else None,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"wrote benchmarks/results/latest.json ({len(figures)} figures)")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
