"""Offline Arabic sentiment: a softmax-linear model over hashed n-grams, pure numpy at runtime.

The artifact is an ``.npz`` (float16 coefficients, idf) plus a JSON metadata file; neither needs
scikit-learn or pickle to load. Features live in ``arabic_features``, the normaliser in
``arabic_normalize``; both are re-exported here because the artifact and callers name this module.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from integration_pipelines.lib.text.sentiment.arabic_features import (
    ARTIFACT_DIR,
    DEFAULT_NORMALIZER,
    LEXICON_FILE,
    FeatureConfig,
    HashedFeaturizer,
    SparseRows,
)
from integration_pipelines.lib.text.sentiment.arabic_normalize import basic_normalize, resolve_normalizer

__all__ = [
    "ARTIFACT_DIR",
    "ARTIFACT_STEM",
    "DEFAULT_NORMALIZER",
    "LEXICON_FILE",
    "ArabicSentimentModel",
    "FeatureConfig",
    "HashedFeaturizer",
    "SparseRows",
    "basic_normalize",
    "load_default_model",
    "resolve_normalizer",
]

ARTIFACT_STEM = "arabic_sentiment"
_CHUNK = 2048


@dataclass
class ArabicSentimentModel:
    """Multinomial linear model over ``HashedFeaturizer`` features; ``predict_proba`` is numpy only."""

    coef: np.ndarray  # (n_features, n_labels)
    intercept: np.ndarray  # (n_labels,)
    config: FeatureConfig
    labels: tuple[str, ...] = ("negative", "neutral", "positive")
    idf: np.ndarray | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    normalize: Callable[[str], str] | None = None
    directory: Path = ARTIFACT_DIR  # where side files named by the config (the lexicon) live

    def __post_init__(self) -> None:
        self.coef = np.asarray(self.coef, dtype=np.float32)
        self.intercept = np.asarray(self.intercept, dtype=np.float64)
        self.idf = None if self.idf is None else np.asarray(self.idf, dtype=np.float64)
        self.featurizer = HashedFeaturizer(self.config, self.normalize, self.directory)

    @property
    def version(self) -> str:
        return str(self.metadata.get("model_version", "arabic-linear-dev"))

    def features(self, texts: Sequence[str]) -> SparseRows:
        return self.featurizer.weight(self.featurizer.counts(texts), self.idf)

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        x = self.features(texts)
        contrib = self.coef[x.cols].astype(np.float64) * x.values[:, None]
        out = np.tile(self.intercept, (x.shape[0], 1))
        for j in range(out.shape[1]):
            out[:, j] += np.bincount(x.rows, weights=contrib[:, j], minlength=x.shape[0])
        return out

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Softmax probabilities in ``labels`` order; chunked so the hashing arrays stay cache-sized."""
        if len(texts) > _CHUNK:
            return np.concatenate([self.predict_proba(texts[i : i + _CHUNK]) for i in range(0, len(texts), _CHUNK)])
        z = self.decision_function(texts)
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def save(
        self,
        directory: Path,
        stem: str = ARTIFACT_STEM,
        extra_arrays: dict[str, np.ndarray] | None = None,
    ) -> None:
        """float16 coefficients/idf keep the artifact small; evaluation is done on the saved copy."""
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {"coef": self.coef.astype(np.float16), "intercept": self.intercept.astype(np.float32)}
        if self.idf is not None:
            arrays["idf"] = self.idf.astype(np.float16)
        arrays |= extra_arrays or {}
        np.savez_compressed(directory / f"{stem}.npz", **arrays)
        meta = {**self.metadata, "labels": list(self.labels), "feature_config": self.config.to_dict()}
        (directory / f"{stem}.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, directory: Path = ARTIFACT_DIR, stem: str = ARTIFACT_STEM) -> ArabicSentimentModel:
        meta = json.loads((directory / f"{stem}.json").read_text())
        with np.load(directory / f"{stem}.npz", allow_pickle=False) as z:
            coef, intercept = z["coef"], z["intercept"]
            idf = z["idf"] if "idf" in z.files else None
        config = FeatureConfig.from_dict(meta["feature_config"])
        return cls(coef, intercept, config, tuple(meta["labels"]), idf, meta, directory=directory)


_default_lock = threading.Lock()
_default: ArabicSentimentModel | None = None


def load_default_model() -> ArabicSentimentModel:
    """The shipped artifact, loaded once per process on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = ArabicSentimentModel.load()
    return _default
