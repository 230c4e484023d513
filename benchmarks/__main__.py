"""Run every benchmark: `python -m benchmarks` (each prints ratios against a baseline run beside it)."""

import runpy

BENCHMARKS = ("benchmarks.text_preprocessing", "benchmarks.exports", "benchmarks.webhooks", "benchmarks.executors")

for name in BENCHMARKS:
    print(f"\n=== {name}")
    runpy.run_module(name, run_name="__main__")
