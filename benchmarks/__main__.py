"""Run every benchmark: `python -m benchmarks` (each prints ratios against a baseline run beside it)."""

import runpy

BENCHMARKS = (
    "benchmarks.text_preprocessing",
    "benchmarks.exports",
    "benchmarks.webhooks",
    "benchmarks.executors",
    "benchmarks.lake_write",
    "benchmarks.warehouse_load",
    "benchmarks.record_decode",
    "benchmarks.concurrency",
    "benchmarks.import_cost",
)
COMPARISON = "benchmarks.vs_dlt"  # last: writes benchmarks/results/latest.json

for name in (*BENCHMARKS, COMPARISON):
    print(f"\n=== {name}")
    runpy.run_module(name, run_name="__main__")
