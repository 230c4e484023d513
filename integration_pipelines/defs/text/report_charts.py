"""The sentiment report's two charts, as PNG bytes.

matplotlib is imported inside each function with the Agg backend: loading the definitions (the UI,
every sensor tick) must not pay for it, and no display is needed.

Phrase labels are the token text as stored, in matplotlib's default font (DejaVu Sans, which has
Arabic glyphs); nothing is transliterated or reshaped by us. The pinned matplotlib (3.11) joins and
orders Arabic letters itself; an older matplotlib draws them as isolated letters left to right, and a
font without Arabic glyphs draws boxes. The exact phrases and counts are in the asset's metadata too.
"""

import io
import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta


def _pyplot():  # noqa: ANN202 - matplotlib.pyplot, imported lazily
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _png(figure: object) -> bytes:
    plt = _pyplot()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")  # type: ignore[attr-defined]
    plt.close(figure)
    return buffer.getvalue()


def share_chart(
    days: Sequence[date],
    by_source: Mapping[str, Sequence[float | None]],
    by_language: Mapping[str, Sequence[float | None]],
    title: str,
) -> bytes:
    """Daily negative share (0-1) per source (left) and per language (right); None = no messages."""
    plt = _pyplot()
    from matplotlib.dates import DateFormatter

    figure, axes = plt.subplots(1, 2, figsize=(12, 4.2), sharey=True)
    xs = [datetime(d.year, d.month, d.day) for d in days]
    for ax, series, what in ((axes[0], by_source, "source"), (axes[1], by_language, "language")):
        for name, shares in sorted(series.items()):
            ax.plot(xs, [math.nan if s is None else s for s in shares], marker="o", label=name)
        ax.set_title(f"by {what}")
        ax.set_xlim(xs[0] - timedelta(hours=12), xs[-1] + timedelta(hours=12))  # every day, even empty ones
        ax.set_xticks(xs)
        ax.xaxis.set_major_formatter(DateFormatter("%m-%d"))
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
        ax.tick_params(axis="x", rotation=60, labelsize=8)
        if series:
            ax.legend(fontsize=8, loc="best")
    axes[0].set_ylabel("negative share of messages")
    figure.suptitle(title)
    return _png(figure)


def phrases_chart(phrases: Sequence[tuple[str, int]], title: str) -> bytes:
    """Horizontal bars, most frequent phrase on top."""
    plt = _pyplot()
    figure, ax = plt.subplots(figsize=(8, 0.35 * len(phrases) + 1.5))
    names = [p for p, _ in reversed(phrases)]
    ax.barh(range(len(names)), [n for _, n in reversed(phrases)], color="#c0392b")
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("negative messages mentioning it")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return _png(figure)
