"""Held-out metrics for the Arabic model, in numpy so they are computed the same way wherever they run."""

from __future__ import annotations

from typing import Any

import numpy as np

from integration_pipelines.lib.text.sentiment.train_data import DIALECTS, LABELS


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, n_labels: int = 3) -> float:
    """Macro-F1 over the labels present in y_true or y_pred (sklearn's default behaviour)."""
    scores = []
    for k in range(n_labels):
        tp = np.sum((y_pred == k) & (y_true == k))
        fp, fn = np.sum((y_pred == k) & (y_true != k)), np.sum((y_pred != k) & (y_true == k))
        if tp + fp + fn:
            scores.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores)) if scores else 0.0


def evaluate(y: np.ndarray, pred: np.ndarray, dialect: np.ndarray) -> dict[str, Any]:
    """Macro-F1 overall, per dialect, per class F1 and the confusion matrix (rows = truth)."""
    confusion = np.zeros((3, 3), dtype=np.int64)
    np.add.at(confusion, (y, pred), 1)
    per_class = {}
    for k, name in enumerate(LABELS):
        tp, fp, fn = confusion[k, k], confusion[:, k].sum() - confusion[k, k], confusion[k].sum() - confusion[k, k]
        per_class[name] = round(float(2 * tp / max(2 * tp + fp + fn, 1)), 4)
    by_dialect = {
        d: {"macro_f1": round(macro_f1(y[dialect == d], pred[dialect == d]), 4), "n": int(np.sum(dialect == d))}
        for d in DIALECTS
    }
    return {
        "macro_f1": round(macro_f1(y, pred), 4),
        "accuracy": round(float(np.mean(y == pred)), 4),
        "n": len(y),
        "f1_per_class": per_class,
        "by_dialect": by_dialect,
        "confusion": confusion.tolist(),
    }
