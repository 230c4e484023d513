"""The offline sentiment provider: no network, no credentials, the default and the LLMs' fallback.

One linear model (``arabic_model.py``, trained by ``train_corpora``) reads Arabic, Arabizi, English and
code-switched text: hashed character and word n-grams of the normalised text plus a few dense features
(script, emoji polarity, VADER's reading of the Latin words, sarcasm cues; ``dense_features``). It was
trained on Arabic tweets of several dialects (Arabizi included) and English Reddit comments, so
English is no longer plain VADER and Arabizi no longer a transliteration guess. ``routing.route``
decides only what the model cannot do better: empty text is neutral and emoji-only messages are read
from the emoji table (``emoji_lexicon``); the route also names the rows in the usage counters.

The label is the argmax of the probabilities and the score is signed by construction (positive > 0,
negative < 0, neutral == 0), so the two columns never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from integration_pipelines.lib.text.sentiment.arabic_model import ArabicSentimentModel, load_default_model
from integration_pipelines.lib.text.sentiment.base import (
    LABELS,
    Label,
    ProviderUsage,
    SentimentRequest,
    SentimentResult,
)
from integration_pipelines.lib.text.sentiment.emoji_lexicon import POLAR, emoji_scores
from integration_pipelines.lib.text.sentiment.routing import route

_EPS = 1e-6
EMOJI_MODEL = "emoji-sentiment-ranking-1.0"


class OfflineSentimentProvider:
    """Scores every language with the shipped model; the model loads on first use."""

    name = "offline"

    def __init__(self, arabic_model: ArabicSentimentModel | None = None) -> None:
        self._arabic = arabic_model
        self.usage = ProviderUsage()

    @property
    def arabic(self) -> ArabicSentimentModel:
        """The shipped model (the name is historical: it now reads English and Arabizi too)."""
        if self._arabic is None:
            self._arabic = load_default_model()
        return self._arabic

    @property
    def model(self) -> str:
        return self.arabic.version

    def route(self, request: SentimentRequest) -> str:
        """empty | emoji | arabic | english | mixed | arabizi: see ``routing.route``."""
        return route(request.text, request.language)

    def score(self, batch: Sequence[SentimentRequest]) -> list[SentimentResult]:
        """One result per request, in order; all model rows are scored in one vectorised call."""
        routes = [self.route(r) for r in batch]
        need = [i for i, r in enumerate(routes) if r not in ("empty", "emoji")]
        proba = np.zeros((len(batch), 3))
        if need:
            proba[need] = self.arabic.predict_proba([batch[i].text for i in need])
        results = []
        for i, (request, path) in enumerate(zip(batch, routes, strict=True)):
            if path == "empty":
                label, score, confidence, model = "neutral", 0.0, 1.0, self.model
            elif path == "emoji":
                (label, score, confidence), model = _emoji_decision(emoji_scores(request.text)), EMOJI_MODEL
            else:
                (label, score, confidence), model = _decide(proba[i]), self.model
            results.append(SentimentResult(request.id, label, score, confidence, self.name, model))
        for path in set(routes):
            self.usage.extra[f"rows_{path}"] = self.usage.extra.get(f"rows_{path}", 0.0) + routes.count(path)
        # ``requests`` counts paid LLM calls (the asset's ``llm_requests``); a local call is not one.
        if batch:
            self.usage.extra["score_calls"] = self.usage.extra.get("score_calls", 0.0) + 1
        return results


def _decide(proba: np.ndarray) -> tuple[Label, float, float]:
    """(label, score, confidence); neutral scores 0 so label and sign always agree."""
    k = int(np.argmax(proba))
    label = LABELS[k]
    if label == "positive":
        score = max(float(proba[2] - proba[0]), _EPS)
    elif label == "negative":
        score = min(float(proba[2] - proba[0]), -_EPS)
    else:
        score = 0.0
    return label, score, float(proba[k])


def _emoji_decision(scores: list[float]) -> tuple[Label, float, float]:
    """Mean emoji polarity; unknown emoji only (no score) stay neutral."""
    mean = float(np.mean(scores)) if scores else 0.0
    if abs(mean) < POLAR:
        return "neutral", 0.0, 0.6
    score = float(np.clip(mean * 1.5, -1.0, 1.0))
    return ("positive" if mean > 0 else "negative"), score, min(0.5 + abs(score) / 2, 0.95)
