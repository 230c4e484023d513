"""What loading the code location costs each process that loads it: peak RSS and time.

Run from the repo root:  ``python -m benchmarks.import_cost [--repeat 3]``

The code server, ``dg check defs`` and every run and step worker (one per step under the
multiprocess executor) import ``integration_pipelines.definitions`` and call ``defs()`` before any
work. Each case runs in a fresh interpreter, ``--repeat`` times; the best (lowest) peak RSS
(``VmHWM``) and time are kept. Baseline in the same run: ``import dagster`` alone, so the ratio says
what the code location adds on top of Dagster. Cases: importing the module, and loading the
definitions (import + ``defs()``) locally (sandbox settings, DuckDB export) and in prod (no export
target configured).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.figures import Figure, record

ROOT = Path(__file__).resolve().parents[1]

# the child reports its own time (interpreter start excluded) and peak RSS
PROBE = """
import json, sys, time
started = time.perf_counter()
{code}
seconds = time.perf_counter() - started
with open("/proc/self/status") as status:
    hwm_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
print(json.dumps({{"seconds": seconds, "rss_mb": hwm_kb / 1024, "modules": len(sys.modules)}}))
"""

CASES = (
    ("import dagster (baseline)", "import dagster", {}),
    ("import definitions module", "import integration_pipelines.definitions", {"INTEGRATION_PIPELINES_ENV": "local"}),
    (
        "load definitions, local",
        "import integration_pipelines.definitions as d\nd.defs()",
        {"INTEGRATION_PIPELINES_ENV": "local"},
    ),
    (
        "load definitions, prod",
        "import integration_pipelines.definitions as d\nd.defs()",
        {"INTEGRATION_PIPELINES_ENV": "prod"},
    ),
)


def environment(scratch: Path, settings: dict[str, str]) -> dict[str, str]:
    """The caller's environment without this project's settings, plus a scratch home and instance."""
    home = scratch / "dagster_home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EXPORT_", "INTEGRATION_PIPELINES_"))}
    return {**env, "DAGSTER_HOME": str(home), "INTEGRATION_PIPELINES_HOME": str(scratch / "home"), **settings}


def measure(code: str, env: dict[str, str], repeat: int) -> dict[str, float]:
    """Best of ``repeat`` fresh interpreters: lowest peak RSS, lowest in-process and wall times."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", PROBE.format(code=code)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
        wall = time.perf_counter() - started
        runs.append({**json.loads(done.stdout.strip().splitlines()[-1]), "wall": wall})
    return {key: min(r[key] for r in runs) for key in ("rss_mb", "seconds", "wall", "modules")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="fresh interpreters per case (best kept)")
    args = parser.parse_args()
    print(f"import cost, best of {args.repeat} fresh interpreters (RSS = peak VmHWM)")
    print(f"  {'case':<28} {'RSS':>9} {'ratio':>7} {'import':>8} {'wall':>8} {'modules':>8}")
    baseline: dict[str, float] | None = None
    with tempfile.TemporaryDirectory(prefix="import_cost_") as scratch:
        for name, code, settings in CASES:
            result = measure(code, environment(Path(scratch), settings), args.repeat)
            if baseline is not None and name.startswith("load definitions"):
                record(
                    Figure(
                        "import",
                        f"{name}: peak RSS",
                        result["rss_mb"],
                        "MB",
                        baseline["rss_mb"],
                        "import dagster alone",
                        better="lower",
                        goal="<= 200 MB",
                        benchmark="import_cost",
                    )
                )
                record(
                    Figure(
                        "import",
                        f"{name}: time in process",
                        result["seconds"],
                        "s",
                        baseline["seconds"],
                        "import dagster alone",
                        better="lower",
                        benchmark="import_cost",
                    )
                )
            baseline = baseline or result
            print(
                f"  {name:<28} {result['rss_mb']:>6.0f} MB {result['rss_mb'] / baseline['rss_mb']:>6.2f}x "
                f"{result['seconds']:>7.2f}s {result['wall']:>7.2f}s {result['modules']:>8.0f}"
            )


if __name__ == "__main__":
    main()
