"""The offline sentiment provider: no network, no credentials, the default and the LLMs' fallback.

Arabic goes to the shipped linear model (``arabic_model.py``), English to VADER. Code-switched text
("mixed") is split by script and the two opinions are blended by token share (English with no VADER
polarity, such as brand names, is ignored); Arabizi (Latin-script Arabic) is roughly transliterated
for the Arabic model and blended half-half with VADER when VADER finds English sentiment words. Arabizi
is best effort: the model never saw it in training. ``routing.route`` decides the path: Arabic with a
link or an English hashtag stays Arabic, English is not sent to the Arabizi path, and emoji-only
messages are read from the emoji table (``emoji_lexicon``). The label is the argmax of the (blended)
probabilities and the score is signed by construction: positive > 0, negative < 0, neutral == 0, so
the two columns never disagree.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np

from integration_pipelines.lib.text.sentiment.arabic_model import ArabicSentimentModel, load_default_model
from integration_pipelines.lib.text.sentiment.emoji_lexicon import POLAR, emoji_scores
from integration_pipelines.lib.text.sentiment.routing import route
from integration_pipelines.lib.text.sentiment.base import (
    LABELS,
    Label,
    ProviderUsage,
    SentimentRequest,
    SentimentResult,
)

VADER_THRESHOLD = 0.05  # VADER authors' cut-off for compound polarity
_EPS = 1e-6
EMOJI_MODEL = "emoji-sentiment-ranking-1.0"
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN = re.compile(r"[A-Za-z]")
# Arabizi -> Arabic script: digraphs first, digits as letters, short vowels dropped inside words.
_ARABIZI_DIGRAPHS = {"sh": "ش", "ch": "ش", "kh": "خ", "gh": "غ", "th": "ث", "dh": "ذ", "3'": "غ", "7'": "خ",
                     "aa": "ا", "ee": "ي", "ii": "ي", "oo": "و", "ou": "و", "uu": "و"}
_ARABIZI_LETTERS = {"2": "ا", "3": "ع", "5": "خ", "6": "ط", "7": "ح", "8": "ق", "9": "ص", "b": "ب", "c": "ك", "d": "د",
                    "f": "ف", "g": "ج", "h": "ه", "j": "ج", "k": "ك", "l": "ل", "m": "م", "n": "ن", "p": "ب", "q": "ق",
                    "r": "ر", "s": "س", "t": "ت", "v": "ف", "w": "و", "x": "كس", "y": "ي", "z": "ز"}
_ARABIZI_CLITICS = {"el": "ال", "al": "ال", "il": "ال", "w": "و", "we": "و", "wel": "وال", "wil": "وال", "bel": "بال"}
_ARABIZI_TOKEN = re.compile("|".join(map(re.escape, _ARABIZI_DIGRAPHS)) + r"|[a-z0-9']", re.IGNORECASE)


@functools.cache
def vader_version() -> str:
    try:
        return version("vaderSentiment")
    except PackageNotFoundError:  # pragma: no cover - vendored installs
        return "unknown"


def arabizi_to_arabic(text: str) -> str:
    """Rough transliteration (el 5edma -> الخدمه, 7elw -> حلو): enough for character n-grams to overlap."""
    words: list[str] = []
    attach = ""
    for word in text.lower().split():
        if word in _ARABIZI_CLITICS:  # "el", "w": written joined to the next word in Arabic script
            attach += _ARABIZI_CLITICS[word]
            continue
        out, units = [], _ARABIZI_TOKEN.findall(word)
        for i, unit in enumerate(units):
            if unit in _ARABIZI_DIGRAPHS:
                out.append(_ARABIZI_DIGRAPHS[unit])
            elif unit in "aeiou":
                if i == 0:
                    out.append("ا")
                elif i == len(units) - 1 and unit in "ae":
                    out.append("ه")
                elif unit == "i":
                    out.append("ي")
            else:
                out.append(_ARABIZI_LETTERS.get(unit, ""))
        words.append(attach + ("".join(out) or word))
        attach = ""
    return " ".join(words + ([attach] if attach else []))


def vader_distribution(compound: float, threshold: float = VADER_THRESHOLD) -> np.ndarray:
    """A (negative, neutral, positive) pseudo-probability whose argmax is VADER's own thresholded label."""
    c = float(np.clip(compound, -1.0, 1.0))
    if abs(c) >= threshold:
        polar = 0.5 + 0.5 * abs(c)
        return np.array([polar, 1 - polar, 0.0]) if c < 0 else np.array([0.0, 1 - polar, polar])
    neutral = 0.8 - 0.3 * abs(c) / threshold
    side = (1 - neutral) * (0.5 + 0.5 * c / threshold)
    return np.array([1 - neutral - side, neutral, side])


class OfflineSentimentProvider:
    """Scores Arabic with the shipped model and English with VADER; the model loads on first use."""

    name = "offline"

    def __init__(self, arabic_model: ArabicSentimentModel | None = None, *,
                 vader_threshold: float = VADER_THRESHOLD) -> None:
        self._arabic = arabic_model
        self._vader: Any = None
        self._lock = threading.Lock()
        self.vader_threshold = vader_threshold
        self.usage = ProviderUsage()

    @property
    def arabic(self) -> ArabicSentimentModel:
        if self._arabic is None:
            self._arabic = load_default_model()
        return self._arabic

    @property
    def vader(self) -> Any:
        if self._vader is None:
            with self._lock:
                if self._vader is None:
                    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

                    self._vader = SentimentIntensityAnalyzer()
        return self._vader

    @property
    def vader_model(self) -> str:
        return f"vader-{vader_version()}"

    @property
    def model(self) -> str:
        return f"{self.arabic.version}+{self.vader_model}"

    def route(self, request: SentimentRequest) -> str:
        """empty | emoji | arabic | english | mixed | arabizi: see ``routing.route``."""
        return route(request.text, request.language)

    def score(self, batch: Sequence[SentimentRequest]) -> list[SentimentResult]:
        """One result per request, in order; all Arabic-model rows are scored in one vectorised call."""
        routes = [self.route(r) for r in batch]
        arabic_texts = [""] * len(batch)  # what the Arabic model sees
        compounds: list[float | None] = [None] * len(batch)  # VADER's view, where it has one
        ar_weight = np.zeros(len(batch))  # share of the Arabic model in the blend
        for i, (request, route) in enumerate(zip(batch, routes, strict=True)):
            text = request.text
            if route == "arabic":
                arabic_texts[i], ar_weight[i] = text, 1.0
            elif route == "english":
                compounds[i] = self._compound(text)
            elif route == "mixed":
                tokens = text.split()
                ar_tokens = [t for t in tokens if _ARABIC.search(t)]
                arabic_texts[i] = " ".join(ar_tokens)
                compounds[i] = self._compound(" ".join(t for t in tokens if not _ARABIC.search(t)))
                # English words with no VADER polarity (brand names, order numbers) say nothing: ignore them
                ar_weight[i] = len(ar_tokens) / len(tokens) if compounds[i] or not ar_tokens else 1.0
            elif route == "arabizi":
                arabic_texts[i], compounds[i] = arabizi_to_arabic(text), self._compound(text)
                ar_weight[i] = 0.5 if compounds[i] else 1.0
        need_ar = [i for i, w in enumerate(ar_weight) if w > 0]
        ar_proba = np.zeros((len(batch), 3))
        if need_ar:
            ar_proba[need_ar] = self.arabic.predict_proba([arabic_texts[i] for i in need_ar])
        models = {"arabic": self.arabic.version, "english": self.vader_model, "emoji": EMOJI_MODEL}
        combined = self.model
        results = []
        for i, (request, route) in enumerate(zip(batch, routes, strict=True)):
            label, score, confidence = self._decide(route, ar_proba[i], ar_weight[i], compounds[i], request.text)
            results.append(SentimentResult(request.id, label, score, confidence, self.name,
                                           models.get(route, combined)))
        for route in set(routes):
            self.usage.extra[f"rows_{route}"] = self.usage.extra.get(f"rows_{route}", 0.0) + routes.count(route)
        self.usage.requests += 1 if batch else 0
        return results

    def _compound(self, text: str) -> float:
        return float(self.vader.polarity_scores(text)["compound"]) if text.strip() else 0.0

    def _decide(self, route: str, ar_proba: np.ndarray, ar_weight: float,
                compound: float | None, text: str = "") -> tuple[Label, float, float]:
        """(label, score, confidence) from the blend; neutral scores 0 so label and sign always agree."""
        if route == "empty":
            return "neutral", 0.0, 1.0
        if route == "emoji":
            return _emoji_decision(emoji_scores(text))
        proba = ar_proba * ar_weight
        if ar_weight < 1.0:
            proba = proba + (1.0 - ar_weight) * vader_distribution(compound or 0.0, self.vader_threshold)
        k = int(np.argmax(proba))
        label = LABELS[k]
        if route == "english":
            score = float(compound or 0.0) if label != "neutral" else 0.0  # VADER's own polarity
        elif label == "positive":
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
