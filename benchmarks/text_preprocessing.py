"""Throughput of text preprocessing, single process, on the sandbox world's message bodies.

Run from the repo root:  ``python -m benchmarks.text_preprocessing [--tickets 5000] [--docs 100000]``

Measures docs/s per core for (a) our normalisation alone, (b) normalisation + PII redaction +
language/script/dialect + tokens (``preprocess_many``), and (c) a baseline: pyarabic's
strip_tashkeel + strip_tatweel + normalize_ligature + normalize_hamza(method="tasheel") +
normalize_alef on the same texts.  ``tasheel`` is the pyarabic mode that folds hamza seats onto
their letters (أ إ آ → ا, ؤ → و, ئ → ي) like ours; the default "uniform" mode rewrites them all to
a bare ء instead.  The baseline does less work than (a): no digits, invisible marks, whitespace,
elongation, presentation forms or emoji handling.

Unless ``--no-sentiment``, it also measures (d) ``preprocess_many`` + the offline sentiment provider
(``OfflineSentimentProvider.score`` in batches of 512), end to end, against its own 5,000 docs/s target.

Each measurement: one warm-up pass, then the best of three timed passes (time.perf_counter).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from benchmarks.figures import Figure, record
from integration_pipelines.lib.text.arabic import normalize
from integration_pipelines.lib.text.preprocess import preprocess_many
from vendor_sandbox.world import WorldConfig, build_world

TARGET_DOCS_PER_S = 50_000
SENTIMENT_TARGET_DOCS_PER_S = 5_000


def corpus(tickets: int, docs: int) -> list[str]:
    """All message bodies of a fixed-seed world, repeated up to ``docs`` texts."""
    world = build_world(WorldConfig(tickets=tickets, anchor=datetime(2026, 1, 1, tzinfo=UTC)))
    bodies = [m.body for m in world.messages()]
    return (bodies * (docs // len(bodies) + 1))[:docs]


def pyarabic_baseline() -> Callable[[list[str]], object] | None:
    try:
        from pyarabic import araby
    except ImportError:  # dev extra not installed
        return None

    def run(texts: list[str]) -> list[str]:
        out = []
        for t in texts:
            t = araby.strip_tashkeel(t)
            t = araby.strip_tatweel(t)
            t = araby.normalize_ligature(t)
            t = araby.normalize_hamza(t, method="tasheel")
            out.append(araby.normalize_alef(t))
        return out

    return run


def preprocess_and_score(texts: list[str]) -> list[object]:
    """What the feedback assets do per row: preprocess, then score the redacted text offline."""
    from integration_pipelines.lib.text.sentiment.base import SentimentRequest
    from integration_pipelines.lib.text.sentiment.offline import OfflineSentimentProvider

    provider = OfflineSentimentProvider()
    results: list[object] = []
    for start in range(0, len(texts), 512):
        done = preprocess_many(texts[start : start + 512])
        results += provider.score(
            [SentimentRequest(str(i), p.normalized, p.language, p.dialect) for i, p in enumerate(done)]
        )
    return results


def best_of(fn: Callable[[list[str]], object], texts: list[str], repeat: int = 3) -> float:
    """Docs per second: one warm-up pass, then the best of ``repeat`` timed passes."""
    fn(texts)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn(texts)
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument(
        "--sentiment",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time preprocess + offline sentiment (default: yes)",
    )
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    texts = corpus(args.tickets, args.docs)
    unique = len(set(texts))
    print(
        f"corpus: {len(texts):,} docs ({unique:,} distinct sandbox messages, "
        f"mean {sum(map(len, texts)) / len(texts):.0f} chars), built in {time.perf_counter() - t0:.1f}s"
    )

    rows: list[tuple[str, float]] = [
        ("(a) normalize", best_of(lambda xs: [normalize(x) for x in xs], texts)),
        ("(b) preprocess_many (norm+PII+lang+tokens)", best_of(preprocess_many, texts)),
    ]
    baseline = pyarabic_baseline()
    base_rate = best_of(baseline, texts) if baseline else None
    if base_rate:
        rows.append(("(c) pyarabic baseline", base_rate))

    print(f"\n{'step':<46}{'docs/s per core':>16}{'us/doc':>9}{'vs (c)':>9}")
    for name, rate in rows:
        ratio = f"{rate / base_rate:.2f}x" if base_rate else "n/a"
        print(f"{name:<46}{rate:>16,.0f}{1e6 / rate:>9.2f}{ratio:>9}")
    full = rows[1][1]
    verdict = "MET" if full >= TARGET_DOCS_PER_S else "NOT met"
    print(f"\ntarget >= {TARGET_DOCS_PER_S:,} docs/s per core for (b): {verdict} ({full:,.0f} docs/s)")
    record(
        Figure(
            "text",
            "preprocessing (normalise, PII, language, tokens), one core",
            full,
            "docs/s",
            base_rate,
            "pyarabic normalisation only" if base_rate else "",
            goal=f">= {TARGET_DOCS_PER_S:,} docs/s",
            benchmark="text_preprocessing",
        )
    )
    if args.sentiment:
        scored = best_of(preprocess_and_score, texts[:20_000])
        verdict = "MET" if scored >= SENTIMENT_TARGET_DOCS_PER_S else "NOT met"
        print(
            f"(d) preprocess + offline sentiment: {scored:,.0f} docs/s per core on {min(len(texts), 20_000):,} docs; "
            f"target >= {SENTIMENT_TARGET_DOCS_PER_S:,}: {verdict}"
        )
        record(
            Figure(
                "text",
                "preprocessing + offline sentiment, one core",
                scored,
                "docs/s",
                goal=f">= {SENTIMENT_TARGET_DOCS_PER_S:,} docs/s",
                benchmark="text_preprocessing",
            )
        )
    print(f"total wall time {time.perf_counter() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
