"""Headline figures each benchmark reports, gathered by ``python -m benchmarks`` into one table.

A benchmark run alone prints its own detail; run through ``python -m benchmarks`` it also appends
its headline figures (one JSON line each) to the file named by ``BENCHMARK_FIGURES``, so one
command ends with one table and ``benchmarks/results/latest.json``. Every figure carries the
baseline it was measured against in the same run, and its ratio is oriented so that above 1 is
better than the baseline, whichever way the unit points.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

FIGURES_ENV = "BENCHMARK_FIGURES"

# The numbering, so the table reads in the order the goals are stated.
GROUPS = {
    "ceiling": "(1) share of the vendor's ceiling, limits on",
    "vs_dlt": "(2) ours vs dlt rest_api",
    "requests": "(3) requests per 1,000 records",
    "memory": "(4) peak RSS of the steps",
    "import": "(5) importing the definitions",
    "text": "(6) preprocessing and sentiment per core",
    "export": "(7) exports vs the engine's own bulk load",
    "main_job": "(8) main_job wall time, step start-up included",
    "other": "other",
}


@dataclass(frozen=True)
class Figure:
    """One measured value beside the baseline measured in the same run."""

    group: str
    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    better: Literal["higher", "lower"] = "higher"
    goal: str = ""
    benchmark: str = ""

    @property
    def ratio(self) -> float | None:
        """Value against baseline, above 1 meaning better than the baseline."""
        if not self.baseline or not self.value:
            return None
        return self.value / self.baseline if self.better == "higher" else self.baseline / self.value

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "ratio": self.ratio}


def record(figure: Figure) -> None:
    """Append ``figure`` for the gathering run; a no-op when the benchmark runs alone."""
    target = os.environ.get(FIGURES_ENV)
    if not target:
        return
    with Path(target).open("a", encoding="utf-8") as out:
        out.write(json.dumps(asdict(figure), default=str) + "\n")


def load(path: Path) -> list[Figure]:
    if not path.exists():
        return []
    return [Figure(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "%":
        return f"{value:.1f} %"
    if abs(value) >= 100:
        return f"{value:,.0f} {unit}".strip()
    return f"{value:.2f} {unit}".strip()


def table(figures: list[Figure]) -> str:
    """Markdown table, grouped in the issue's order; a figure without baseline shows no ratio."""
    order = list(GROUPS)
    rows = sorted(figures, key=lambda f: order.index(f.group) if f.group in order else len(order))
    lines = ["| group | figure | value | baseline (same run) | ratio | goal |", "|---|---|---:|---|---:|---|"]
    last_group = None
    for figure in rows:
        group = GROUPS.get(figure.group, figure.group) if figure.group != last_group else ""
        last_group = figure.group
        baseline = f"{_number(figure.baseline, figure.unit)} {figure.baseline_name}".strip() if figure.baseline else "-"
        ratio = f"{figure.ratio:.2f}x" if figure.ratio is not None else "-"
        lines.append(
            f"| {group} | {figure.name} | {_number(figure.value, figure.unit)} | {baseline} | {ratio} | {figure.goal} |"
        )
    return "\n".join(lines)
