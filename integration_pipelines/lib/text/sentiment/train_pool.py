"""The training pool of the offline model: which corpora, how each is cleaned and weighted.

ATSAD's labels were set by the emoji in each tweet, and those emoji are still in the text: left in, the
model would learn "this emoji means this label" from a circular source. They are masked out (the
emoji table, ``emoji_lexicon``, carries emoji knowledge instead) and the rows are down-weighted
because the labels are unchecked (0.1, chosen on a DEV slice by ``select_recipe``). Near-duplicates
(same text once URLs, handles, digits, emoji and punctuation are gone) are kept once, and a corpus
used for testing removes its near-duplicates from the pool, so a retweet cannot sit on both sides of
a split.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from integration_pipelines.lib.text.sentiment.arabic_normalize import basic_normalize
from integration_pipelines.lib.text.sentiment.datasets import Corpus, load

ARABIC_CORPORA = ("arsarcasm_v2", "afrisenti_maghrebi", "atsad_arabic_tweets")
ENGLISH_CORPORA = ("goemotions_sentiment",)
WEIGHTS = {"arsarcasm_v2": 1.0, "afrisenti_maghrebi": 1.0, "atsad_arabic_tweets": 0.1, "goemotions_sentiment": 1.0}
# Rows drawn (seeded) from the two big corpora: weak ATSAD labels and English past ~15k rows add little
# and would double the fitting time of every validation run.
# Extra weight on the rows of some dialects (ArSarcasm's dialect column), multiplied into the corpus weight.
DIALECT_WEIGHTS: dict[str, float] = {}
CAPS = {"atsad_arabic_tweets": 15_000, "goemotions_sentiment": 15_000}
CAP_SEED = 20210419
_EMOJI = re.compile("[\u2190-\u21ff\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d\U0001f000-\U0001faff]")
_NOT_LETTER = re.compile(r"[\W\d_]+")


def near_dup_key(text: str) -> str:
    """Letters only, after the normaliser drops URLs, handles and spelling variants; '…' truncation too."""
    return _NOT_LETTER.sub("", basic_normalize(text.replace("…", " ")))


def mask_emoji(text: str) -> str:
    return " ".join(_EMOJI.sub(" ", text).split())


@dataclass
class Pool:
    """Texts, labels, weights and the corpus of each row."""

    texts: list[str]
    y: np.ndarray
    weight: np.ndarray
    source: np.ndarray

    def __len__(self) -> int:
        return len(self.texts)


def prepared(corpus: Corpus) -> Corpus:
    """The corpus as the model trains on (or is tested on) it: ATSAD without its labelling emoji."""
    if corpus.name != "atsad_arabic_tweets":
        return corpus
    texts = [mask_emoji(t) for t in corpus.texts]
    keep = np.array([bool(near_dup_key(t)) for t in texts])
    masked = Corpus(
        corpus.name, texts, corpus.y, corpus.groups, corpus.weak, corpus.binary, corpus.language, corpus.sha256
    )
    return masked.take(np.flatnonzero(keep))


def english_split(corpus: Corpus, part: str) -> Corpus:
    """GoEmotions' own splits: train+dev for fitting, test for evaluation."""
    split = corpus.groups["split"]
    return corpus.take(np.flatnonzero(split == "test") if part == "test" else np.flatnonzero(split != "test"))


def build_pool(
    corpora: Sequence[Corpus],
    exclude: Sequence[Corpus] = (),
    weights: dict[str, float] | None = None,
    dialect_weights: dict[str, float] | None = None,
) -> Pool:
    """Training rows of ``corpora`` (capped by ``CAPS``), near-duplicates kept once, ``exclude``'s removed."""
    weights = weights or WEIGHTS
    dialect_weights = DIALECT_WEIGHTS if dialect_weights is None else dialect_weights
    seen = {near_dup_key(t) for c in exclude for t in c.texts}
    texts, ys, ws, src = [], [], [], []
    for corpus in corpora:
        w = weights.get(corpus.name, 1.0)
        if w <= 0:
            continue
        if len(corpus) > CAPS.get(corpus.name, len(corpus)):
            rows = np.random.default_rng(CAP_SEED).permutation(len(corpus))[: CAPS[corpus.name]]
            corpus = corpus.take(np.sort(rows))
        dialect = corpus.groups.get("dialect", np.full(len(corpus), ""))
        for text, y, d in zip(corpus.texts, corpus.y.tolist(), dialect.tolist(), strict=True):
            key = near_dup_key(text)
            if not key or key in seen:
                continue
            seen.add(key)
            texts.append(text)
            ys.append(y)
            ws.append(w * dialect_weights.get(str(d), 1.0))
            src.append(corpus.name)
    return Pool(texts, np.array(ys, dtype=np.int64), np.array(ws), np.array(src))


def load_prepared(names: Sequence[str]) -> dict[str, Corpus]:
    """Each named corpus, prepared; GoEmotions is split into ``_train`` and ``_test`` parts."""
    out: dict[str, Corpus] = {}
    for name in names:
        corpus = prepared(load(name))
        if name in ENGLISH_CORPORA:
            out[name + "_train"], out[name + "_test"] = english_split(corpus, "train"), english_split(corpus, "test")
        else:
            out[name] = corpus
    return out
