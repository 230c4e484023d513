"""Headline figures: a benchmark run through ``python -m benchmarks`` leaves them for one table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from benchmarks.figures import FIGURES_ENV, Figure, load, table


def test_ratio_is_above_one_when_better_than_the_baseline_whichever_way_the_unit_points() -> None:
    faster = Figure("vs_dlt", "rows", 3000.0, "rows/s", 1000.0, "dlt")
    smaller = Figure("memory", "peak", 200.0, "MB", 400.0, "old", better="lower")
    worse = Figure("memory", "peak", 800.0, "MB", 400.0, "old", better="lower")
    assert (faster.ratio, smaller.ratio, worse.ratio) == (3.0, 2.0, 0.5)
    assert Figure("ceiling", "share", 97.0, "%").ratio is None


def test_table_orders_groups_as_the_goals_are_stated_and_shows_each_ratio() -> None:
    figures = [
        Figure("main_job", "one day", 40.0, "s", 80.0, "multiprocess", better="lower"),
        Figure("ceiling", "hubspot search", 96.5, "%", goal=">= 95 %"),
    ]
    lines = table(figures).splitlines()
    assert lines[2].startswith("| (1) share of the vendor's ceiling") and "96.5 %" in lines[2] and "| - |" in lines[2]
    assert lines[3].startswith("| (8) main_job") and "2.00x" in lines[3] and "80.00 s multiprocess" in lines[3]


def test_a_benchmark_appends_its_figures_only_when_gathered(tmp_path: Path) -> None:
    target = tmp_path / "figures.jsonl"
    command = [sys.executable, "-W", "ignore", "-m", "benchmarks.text_preprocessing", "--tickets", "200"]
    command += ["--docs", "2000"]
    alone = subprocess.run(command, capture_output=True, text=True, timeout=300, env=dict(os.environ))
    assert alone.returncode == 0, alone.stderr
    assert not target.exists()
    gathered = subprocess.run(
        command, capture_output=True, text=True, timeout=300, env={**os.environ, FIGURES_ENV: str(target)}
    )
    assert gathered.returncode == 0, gathered.stderr
    figures = load(target)
    names = [f.name for f in figures]
    assert names == [
        "preprocessing (normalise, PII, language, tokens), one core",
        "preprocessing + offline sentiment, one core",
    ]
    assert {f.group for f in figures} == {"text"} and all(f.value > 0 for f in figures)
    assert figures[0].baseline and figures[0].ratio and figures[0].baseline_name == "pyarabic normalisation only"
