"""Scores for the validation protocol: macro-F1, F-PN, per group, sarcasm and class shares.

F-PN (mean F1 of positive and negative) is the SemEval/ArSarcasm metric; for a corpus without a
neutral class (ATSAD) macro-F1 is over positive and negative only, and a neutral prediction counts
as an error, so calling everything neutral cannot look good.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from integration_pipelines.lib.text.sentiment.datasets import LABELS


def _f1(y: np.ndarray, pred: np.ndarray, k: int) -> float:
    tp = np.sum((pred == k) & (y == k))
    denom = np.sum(pred == k) + np.sum(y == k)
    return float(2 * tp / denom) if denom else 0.0


def summary(y: np.ndarray, pred: np.ndarray, binary: bool = False) -> dict[str, Any]:
    labels = (0, 2) if binary else (0, 1, 2)
    f1 = {LABELS[k]: round(_f1(y, pred, k), 4) for k in range(3)}
    return {
        "n": len(y),
        "macro_f1": round(float(np.mean([_f1(y, pred, k) for k in labels])), 4) if len(y) else None,
        "f_pn": round((f1["negative"] + f1["positive"]) / 2, 4),
        "accuracy": round(float(np.mean(y == pred)), 4) if len(y) else None,
        "f1": f1,
        "predicted_share": {LABELS[k]: round(float(np.mean(pred == k)), 4) for k in range(3)} if len(y) else {},
    }


def evaluate(
    y: np.ndarray,
    pred: np.ndarray,
    groups: dict[str, np.ndarray],
    binary: bool = False,
) -> dict[str, Any]:
    """Overall summary, one per value of each group (dialect, script), and sarcasm figures."""
    out = summary(y, pred, binary)
    for name, values in groups.items():
        if name in ("split",):
            continue
        if name == "sarcasm":
            s = values.astype(bool)
            out["sarcastic"] = summary(y[s], pred[s], binary)
            neg = s & (y == 0)
            out["sarcastic_negative_called_positive"] = round(float(np.mean(pred[neg] == 2)), 4) if neg.any() else None
            continue
        out[f"by_{name}"] = {str(v): summary(y[values == v], pred[values == v], binary) for v in np.unique(values)}
    return out
