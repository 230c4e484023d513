"""Choosing the recipe on a DEV slice of the training pool, never on the test split.

    python -m integration_pipelines.lib.text.sentiment.select_recipe --out /tmp/dev_grid.json --workers 2

DEV is 15% of ArSarcasm-v2's non-test rows (the rows ``validate.heldout_split`` keeps for training),
carved by near-duplicate key and stratified by label x dialect, so a retweet falls on one side only.
Each grid point is fitted on the pool minus DEV and minus TEST and scored on DEV. The rule was fixed
before any score was seen: maximise mean(macro-F1, F-PN) on DEV; ties (to 3 decimals) go to the
smallest change from today's recipe. The test split and the leave-one-corpus-out sets are not touched.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np

from integration_pipelines.lib.text.sentiment.arabic_features import HashedFeaturizer
from integration_pipelines.lib.text.sentiment.datasets import Corpus
from integration_pipelines.lib.text.sentiment.dense_features import apply_priors
from integration_pipelines.lib.text.sentiment.train_fit import fit
from integration_pipelines.lib.text.sentiment.train_pool import (
    ARABIC_CORPORA,
    ENGLISH_CORPORA,
    WEIGHTS,
    build_pool,
    load_prepared,
    near_dup_key,
)
from integration_pipelines.lib.text.sentiment.validate import CONFIG, RECIPE, SEED, heldout_split
from integration_pipelines.lib.text.sentiment.validate_metrics import evaluate

DEV = 0.15
SMALL_DIALECTS = ("gulf", "levant")
GRID: dict[str, list[float]] = {
    "atsad_weight": [0.0, 0.1, 0.3],
    "C": [0.5, 1.0, 2.0],
    "small_dialect_weight": [1.0, 2.0],
}
# The recipe fixed before validation, which the grid is compared with (ties go to the fewest changes from it).
TODAY = {"atsad_weight": 0.3, "C": 1.0, "small_dialect_weight": 1.0}


def dev_split(corpus: Corpus, fraction: float = DEV) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(fit, dev, test) row indices of ArSarcasm: dev is carved from the non-test rows only.

    Keys (near-duplicate groups) are stratified by the label x dialect of their first row; within a
    stratum the ``fraction`` of keys with the smallest seeded hash go to DEV.
    """
    rest, test = heldout_split(corpus)
    keys = [near_dup_key(corpus.texts[i]) for i in rest]
    dialect = corpus.groups["dialect"]
    strata: dict[str, list[str]] = {}
    first: set[str] = set()
    for i, key in zip(rest.tolist(), keys, strict=True):
        if key not in first:
            first.add(key)
            strata.setdefault(f"{corpus.y[i]}|{dialect[i]}", []).append(key)
    chosen: set[str] = set()
    for members in strata.values():
        ranked = sorted(members, key=lambda k: hashlib.sha256(f"{SEED}:dev:{k}".encode()).hexdigest())
        chosen.update(ranked[: round(fraction * len(ranked))])
    on_dev = np.array([k in chosen for k in keys], dtype=bool)
    return rest[~on_dev], rest[on_dev], test


def _score(points: list[dict[str, float]]) -> list[dict[str, Any]]:
    """Fit every point sharing one training pool (one featurization) and score each on DEV."""
    start = time.perf_counter()
    corpora = load_prepared([*ARABIC_CORPORA, *ENGLISH_CORPORA])
    corpora.pop("goemotions_sentiment_test")
    arsarcasm = corpora["arsarcasm_v2"]
    fit_rows, dev_rows, test_rows = dev_split(arsarcasm)
    dev, test = arsarcasm.take(dev_rows), arsarcasm.take(test_rows)
    corpora["arsarcasm_v2"] = arsarcasm.take(fit_rows)
    head = points[0]
    weights = WEIGHTS | {"atsad_arabic_tweets": head["atsad_weight"]}
    boost = {d: head["small_dialect_weight"] for d in SMALL_DIALECTS}
    pool = build_pool(list(corpora.values()), exclude=[test, dev], weights=weights, dialect_weights=boost)
    counts = HashedFeaturizer(CONFIG).counts(pool.texts)
    featurized = time.perf_counter() - start
    out = []
    for point in points:
        t0 = time.perf_counter()
        model = fit(counts, pool.y, CONFIG, RECIPE | {"C": point["C"]}, SEED, sample_weight=pool.weight)
        apply_priors(CONFIG.dense, model.coef, CONFIG.dense_start)
        pred = model.predict_proba(dev.texts).argmax(axis=1)
        result = evaluate(dev.y, pred, dev.groups)
        row = {
            **point,
            "dev_macro_f1": result["macro_f1"],
            "dev_f_pn": result["f_pn"],
            "dev_score": round((result["macro_f1"] + result["f_pn"]) / 2, 4),
            "dev_by_dialect": {d: result["by_dialect"][d]["macro_f1"] for d in result["by_dialect"]},
            "dev_rows": len(dev),
            "train_rows": len(pool),
            "fit_seconds": round(time.perf_counter() - t0),
            "featurize_seconds": round(featurized),
        }
        print(f"  {point} -> DEV {row['dev_macro_f1']} / {row['dev_f_pn']}", file=sys.stderr, flush=True)
        out.append(row)
    return out


def change(point: dict[str, float]) -> int:
    """How many settings differ from today's recipe (the tie-breaker)."""
    return sum(point[k] != TODAY[k] for k in TODAY)


def choose(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Best mean(macro-F1, F-PN) on DEV (3 decimals); ties to the smallest change from today."""
    return max(results, key=lambda r: (round(r["dev_score"], 3), -change(r)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    groups: dict[tuple[float, float], list[dict[str, float]]] = {}
    for values in itertools.product(*GRID.values()):
        point = dict(zip(GRID, values, strict=True))
        groups.setdefault((point["atsad_weight"], point["small_dialect_weight"]), []).append(point)
    results: list[dict[str, Any]] = []
    with ProcessPoolExecutor(args.workers) as executor:
        for future in as_completed([executor.submit(_score, g) for g in groups.values()]):
            results += future.result()
            results.sort(key=lambda r: tuple(r[k] for k in GRID))
            payload = {"grid": GRID, "today": TODAY, "rule": "max mean(macro-F1, F-PN) on DEV", "results": results}
            if len(results) == len(list(itertools.product(*GRID.values()))):
                payload["chosen"] = {k: choose(results)[k] for k in GRID}
            args.out.write_text(json.dumps(payload, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
