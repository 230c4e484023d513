"""Run every benchmark: `python -m benchmarks` (each prints ratios against a baseline run beside it)."""

import importlib.util
import runpy

BENCHMARKS = ("benchmarks.text_preprocessing", "benchmarks.exports", "benchmarks.webhooks", "benchmarks.executors")
# run when present: written alongside this list
OPTIONAL = ("benchmarks.lake_write", "benchmarks.warehouse_load", "benchmarks.import_cost")
COMPARISON = "benchmarks.vs_dlt"  # last: writes benchmarks/results/latest.json

for name in (*BENCHMARKS, *(m for m in OPTIONAL if importlib.util.find_spec(m) is not None), COMPARISON):
    print(f"\n=== {name}")
    runpy.run_module(name, run_name="__main__")
