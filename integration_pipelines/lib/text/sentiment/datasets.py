"""The labelled corpora the offline model is trained and validated on, shipped inside the repository.

Each corpus lives in ``data/{name}/`` with its licence and README (provenance, processing, citation),
so training, tests and the validation protocol run on a fresh clone. Files over ~1.5 MB are stored
gzip-compressed (``.csv.gz``); ``read_csv`` handles both. The data is for training and evaluation
only: it is not part of the installed package, and nothing here is imported at inference time.

Every loader returns a ``Corpus``: texts, integer labels in ``LABELS`` order, and per-row groups
(dialect, script, sarcasm) that the validation protocol reports on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

DATASETS_DIR = Path(__file__).parent / "data"
LABELS = ("negative", "neutral", "positive")


@dataclass
class Corpus:
    """One labelled corpus; ``groups`` maps a grouping name (dialect, sarcasm, ...) to one value per row."""

    name: str
    texts: list[str]
    y: np.ndarray
    groups: dict[str, np.ndarray] = field(default_factory=dict)
    weak: bool = False  # labels set automatically (e.g. by emoji), not by annotators
    binary: bool = False  # no neutral class in the source
    language: str = "ar"
    sha256: str = ""

    def take(self, rows: np.ndarray) -> Corpus:
        """The given rows, as a corpus of its own (same flags)."""
        return Corpus(
            self.name,
            [self.texts[i] for i in rows],
            self.y[rows],
            {k: v[rows] for k, v in self.groups.items()},
            self.weak,
            self.binary,
            self.language,
            self.sha256,
        )

    def __len__(self) -> int:
        return len(self.texts)


def data_file(name: str, stem: str | None = None) -> Path:
    """``data/{name}/{stem}.csv`` or its ``.csv.gz``, whichever the repository holds."""
    base = DATASETS_DIR / name / f"{stem or name}.csv"
    return base if base.exists() else base.with_suffix(".csv.gz")


def _read(path: Path) -> object:
    import pandas as pd  # training/evaluation only

    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _labels(values: object) -> np.ndarray:
    return np.array([LABELS.index(v) for v in values], dtype=np.int64)  # type: ignore[attr-defined]


def load_arsarcasm() -> Corpus:
    """ArSarcasm-v2 training file (MIT): Arabic tweets with dialect and sarcasm annotations."""
    path = data_file("arsarcasm_v2", "training_data")
    df = _read(path)
    mapping = {"NEG": "negative", "NEU": "neutral", "POS": "positive"}
    return Corpus(
        "arsarcasm_v2",
        df["tweet"].tolist(),
        _labels(df["sentiment"].map(mapping)),
        {"dialect": df["dialect"].to_numpy(dtype=str), "sarcasm": df["sarcasm"].str.upper().eq("TRUE").to_numpy()},
        sha256=_sha(path),
    )


def load_afrisenti() -> Corpus:
    """AfriSenti Algerian + Moroccan tweets (CC BY 4.0), about a third Arabizi."""
    path = data_file("afrisenti_maghrebi")
    df = _read(path)
    return Corpus(
        "afrisenti_maghrebi",
        df["text"].tolist(),
        _labels(df["label"]),
        {"dialect": df["dialect"].to_numpy(dtype=str), "script": df["script"].to_numpy(dtype=str)},
        sha256=_sha(path),
    )


def load_atsad() -> Corpus:
    """ATSAD (Apache-2.0): tweets labelled by the emoji they contain -- weak, binary labels."""
    path = data_file("atsad_arabic_tweets")
    df = _read(path)
    return Corpus(
        "atsad_arabic_tweets", df["text"].tolist(), _labels(df["label"]), {}, weak=True, binary=True, sha256=_sha(path)
    )


def load_goemotions() -> Corpus:
    """GoEmotions mapped to sentiment (CC BY 4.0): English Reddit comments, the source's own splits."""
    path = data_file("goemotions_sentiment")
    df = _read(path)
    return Corpus(
        "goemotions_sentiment",
        df["text"].tolist(),
        _labels(df["label"]),
        {"split": df["source_split"].to_numpy(dtype=str)},
        language="en",
        sha256=_sha(path),
    )


LOADERS: dict[str, Callable[[], Corpus]] = {
    "arsarcasm_v2": load_arsarcasm,
    "afrisenti_maghrebi": load_afrisenti,
    "atsad_arabic_tweets": load_atsad,
    "goemotions_sentiment": load_goemotions,
}


def load(name: str) -> Corpus:
    return LOADERS[name]()
