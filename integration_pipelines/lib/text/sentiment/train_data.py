"""Training data for the Arabic model: the ArSarcasm-v2 file and reproducible stratified splits."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from integration_pipelines.lib.text.sentiment.arabic_features import SparseRows

LABEL_MAP = {"NEG": "negative", "NEU": "neutral", "POS": "positive"}
LABELS = ("negative", "neutral", "positive")
DIALECTS = ("msa", "egypt", "gulf", "levant", "magreb")


def load_data(path: Path) -> dict[str, Any]:
    """Rows in file order plus the file's sha256, so the metadata pins the exact data."""
    import pandas as pd

    df = pd.read_csv(path, dtype={"tweet": str, "sentiment": str, "dialect": str}, keep_default_na=False)
    return {
        "texts": df["tweet"].tolist(),
        "y": np.array([LABELS.index(LABEL_MAP[s]) for s in df["sentiment"]], dtype=np.int64),
        "dialect": df["dialect"].to_numpy(dtype=str),
        "sarcasm": df["sarcasm"].astype(str).str.upper().eq("TRUE").to_numpy(),
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }


def stratified_split(strata: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(rest, held) row indices, both sorted; same strata, fraction and seed give the same split."""
    from sklearn.model_selection import StratifiedShuffleSplit

    strata = strata.astype(str)
    for coarser in (np.char.partition(strata, "|")[:, 0], np.full(len(strata), "rare")):
        values, counts = np.unique(strata, return_counts=True)
        rare = np.isin(strata, values[counts < 4])  # too small to split: coarsen (sentiment only, then pooled)
        strata = np.where(rare, coarser, strata)
    values, counts = np.unique(strata, return_counts=True)
    strata = np.where(np.isin(strata, values[counts < 2]), values[np.argmax(counts)], strata)
    sss = StratifiedShuffleSplit(n_splits=1, test_size=fraction, random_state=seed)
    rest, held = next(sss.split(np.zeros(len(strata)), strata))
    return np.sort(rest), np.sort(held)


def subset(counts: SparseRows, rows: np.ndarray) -> SparseRows:
    """Rows of a counts matrix, renumbered 0..len(rows)-1 (rows sorted ascending)."""
    pos = np.full(counts.shape[0], -1, dtype=np.int64)
    pos[rows] = np.arange(len(rows))
    keep = pos[counts.rows] >= 0
    return SparseRows(pos[counts.rows[keep]], counts.cols[keep], counts.values[keep], (len(rows), counts.shape[1]))
