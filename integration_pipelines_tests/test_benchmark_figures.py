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


def test_ceiling_share_runs_the_product_defaults_and_scales_a_rate_the_machine_cannot_serve(sandbox) -> None:
    """Intercom's 10,000/min scaled to 0.1: the sandbox allows 166 per 10 s and the client is paced at
    1,000/min, with its pages cut to 15; the pull lands every conversation of the window without a 429."""
    from datetime import timedelta

    from benchmarks.vendor_ceiling import ceiling_share, default_pacing
    from integration_pipelines_tests.fixtures.sandbox import TEST_WORLD

    assert default_pacing("intercom") == {"requests_per_minute": 10_000.0}
    last = TEST_WORLD.anchor.date() - timedelta(days=1)
    share = ceiling_share(sandbox, "intercom", last - timedelta(days=2), last, rate_scale=0.1)
    assert share["settings"]["requests_per_minute"] == 1000 and share["settings"]["per_page"] == 15
    assert share["ceiling_per_second"] == 166 / 10
    assert share["throttled"] == 0 and share["rows"] > 0 and share["requests"] >= share["rows"] / 15
