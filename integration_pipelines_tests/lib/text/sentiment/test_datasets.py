"""The corpora the offline model is trained on ship inside the repository, with licence and provenance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from integration_pipelines.lib.text.sentiment import datasets
from integration_pipelines.lib.text.sentiment.datasets import DATASETS_DIR, LABELS

REPO = Path(__file__).resolve().parents[4]
EXPECTED_ROWS = {
    "arsarcasm_v2": 12_548,
    "afrisenti_maghrebi": 12_027,
    "atsad_arabic_tweets": 36_595,
    "goemotions_sentiment": 45_008,
}
FOLDERS = [*EXPECTED_ROWS, "emoji_sentiment_ranking", "vader_lexicon"]


@pytest.mark.parametrize("name", FOLDERS)
def test_every_dataset_ships_with_licence_readme_and_small_files(name: str) -> None:
    folder = DATASETS_DIR / name
    assert (folder / "LICENSE").stat().st_size > 500 and (folder / "README.md").stat().st_size > 300
    files = [f for f in folder.iterdir() if f.suffix in (".csv", ".gz")]
    assert files and all(f.stat().st_size < 5_000_000 for f in files)


@pytest.mark.parametrize("name", list(EXPECTED_ROWS))
def test_loaders_read_every_row_with_known_labels(name: str) -> None:
    corpus = datasets.load(name)
    assert len(corpus) == EXPECTED_ROWS[name] == len(corpus.y)
    assert set(np.unique(corpus.y)) <= set(range(len(LABELS)))
    assert all(len(v) == len(corpus) for v in corpus.groups.values())
    assert (1 not in corpus.y) == corpus.binary  # only the emoji-labelled corpus lacks a neutral class


def test_nothing_in_the_package_or_tests_reads_outside_the_repository() -> None:
    patterns = ("shared/data", '"shared" / "data"', '"shared", "data"', "../shared")
    offenders = [
        str(p)
        for top in ("integration_pipelines", "integration_pipelines_tests", "benchmarks")
        for p in (REPO / top).rglob("*.py")
        if p != Path(__file__).resolve() and any(s in p.read_text(encoding="utf-8") for s in patterns)
    ]
    assert offenders == []
