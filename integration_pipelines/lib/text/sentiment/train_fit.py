"""Fitting the Arabic model with scikit-learn on the runtime featurizer's features, and tuning it."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from integration_pipelines.lib.text.sentiment.arabic_features import ARTIFACT_DIR, FeatureConfig, SparseRows
from integration_pipelines.lib.text.sentiment.arabic_model import ArabicSentimentModel
from integration_pipelines.lib.text.sentiment.train_data import LABELS, stratified_split, subset
from integration_pipelines.lib.text.sentiment.train_eval import macro_f1


def fit_idf(counts: SparseRows) -> np.ndarray:
    """Smooth idf as in scikit-learn: log((1 + n) / (1 + df)) + 1."""
    df = np.bincount(counts.cols, minlength=counts.shape[1])
    return np.log((1.0 + counts.shape[0]) / (1.0 + df)) + 1.0


def fit(
    counts: SparseRows,
    y: np.ndarray,
    config: FeatureConfig,
    params: dict[str, Any],
    seed: int,
    lexicon_dir: Path = ARTIFACT_DIR,
    sample_weight: np.ndarray | None = None,
) -> ArabicSentimentModel:
    """Multinomial logistic regression (lbfgs: deterministic) on the runtime featurizer's features."""
    from sklearn.linear_model import LogisticRegression

    config = replace(config, word_weight=float(params["word_weight"]))
    idf = fit_idf(counts) if config.use_idf else None
    model = ArabicSentimentModel(
        np.zeros((counts.shape[1], len(LABELS))), np.zeros(len(LABELS)), config, LABELS, idf, {}, directory=lexicon_dir
    )
    clf = LogisticRegression(
        C=params["C"],
        class_weight=params["class_weight"],
        max_iter=3000,
        tol=params.get("tol", 1e-5),
        random_state=seed,
    )
    clf.fit(model.featurizer.weight(counts, idf).to_scipy(), y, sample_weight=sample_weight)
    model.coef, model.intercept = clf.coef_.T.astype(np.float32), clf.intercept_.astype(np.float64)
    return model


def predict_counts(model: ArabicSentimentModel, counts: SparseRows) -> np.ndarray:
    """Argmax labels from precomputed counts (the same path as ``decision_function``)."""
    x = model.featurizer.weight(counts, model.idf)
    z = np.tile(model.intercept, (x.shape[0], 1))
    for j in range(z.shape[1]):
        z[:, j] += np.bincount(x.rows, weights=model.coef[x.cols, j] * x.values, minlength=x.shape[0])
    return z.argmax(axis=1)


def search(
    counts: SparseRows,
    y: np.ndarray,
    strata: np.ndarray,
    config: FeatureConfig,
    seed: int,
    lexicon_dir: Path,
    grid: Mapping[str, Sequence[Any]],
) -> dict[str, Any]:
    """Grid search on a validation split carved from the non-held-out rows; also records a no-lexicon ablation."""
    fit_rows, val_rows = stratified_split(strata, 0.15, seed + 1)
    c_fit, c_val = subset(counts, fit_rows), subset(counts, val_rows)
    results = []
    for values in itertools.product(*grid.values()):
        params = dict(zip(grid, values, strict=True))
        model = fit(c_fit, y[fit_rows], config, params, seed, lexicon_dir)
        score = macro_f1(y[val_rows], predict_counts(model, c_val))
        results.append({**params, "val_macro_f1": round(score, 4)})
        print(f"  {params} -> val macro-F1 {score:.4f}", file=sys.stderr)
    best = max(results, key=lambda r: r["val_macro_f1"])
    best_params = {k: best[k] for k in grid}
    ablation = {}
    if config.lexicon:  # the lexicon is a fixed domain prior, not tuned on tweets; report what it costs here
        model = fit(c_fit, y[fit_rows], replace(config, lexicon_weight=0.0), best_params, seed, lexicon_dir)
        ablation["val_macro_f1_without_lexicon"] = round(macro_f1(y[val_rows], predict_counts(model, c_val)), 4)
    return {"best": best_params, "results": results, "validation_rows": len(val_rows), "ablation": ablation}
