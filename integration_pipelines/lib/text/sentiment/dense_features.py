"""A few dense features beside the hashed n-grams: script, emoji polarity, VADER and sarcasm cues.

N-grams cannot learn what the training tweets rarely show: that a message is English (so the
class prior differs), what an emoji means when the tweet corpora use it oddly, what VADER's hand-rated
English lexicon knows, or that praise next to a complaint fact ("يا سلام على الخدمة الرائعة، ثلاث ساعات
انتظار", "thanks for nothing") is usually sarcasm. Each block is named in ``FeatureConfig.dense`` so
the artifact records which ones its coefficients expect, and training and inference call the same code.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from integration_pipelines.lib.text.sentiment.emoji_lexicon import emoji_scores

_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN = re.compile(r"[A-Za-z]")
_ARABIC_WORD = re.compile(r"\S*[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]\S*")
# On ``basic_normalize``d text (ة→ه, أ→ا, ى→ي, lower case, no punctuation).
# Hyperbolic praise only: a plain "thanks" next to a fact ("شكرا وصلني الطلب بعد انتظار يومين") is sincere.
_PRAISE = re.compile(
    r"(?:^| )(?:[وف]?(?:ال)?(?:رائع|رايع|ممتاز|روعه|يا سلام|برافو|احسنت"
    r"|great|awesome|amazing|brilliant|wow|love how|wonderful|perfect|fantastic|excellent)\S*)"
)
_FACT = re.compile(
    r"(?:^| )(?:[وفب]?(?:ال)?(?:انتظار|استني|ساعات|ساعتين|ايام|يومين|اسبوع|اسابيع|شهر|متاخر|تاخير|تاخر"
    r"|ما وصل|ماوصل|لسه|للحين|الغاء|الغي|ملغي|عطل|خربان|مقطوع|فلوسي|استرجاع)\S*"
    r"|hours?|waiting|wait|delayed|delay|cancel+ed|again|still|lost|broken|never|stuck|refund"
    r"|nobody|no one|no response|no reply|crash\S*|charged|hung up|not working|doesn t work"
    r"|hasn t|haven t|didn t arrive|missing|damaged|complain\S*)(?= |$)"
)
_NOTHING = re.compile(r"(?:شكرا|مشكور|thanks?)\S* (?:\S+ )?(?:علي |على |for )?(?:لا شي|ولا شي|nothing)")
_CUES = (lambda d: bool(_PRAISE.search(d)) and bool(_FACT.search(d)), lambda d: bool(_NOTHING.search(d)))


@functools.cache
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def script(texts: Sequence[str], docs: Sequence[str]) -> np.ndarray:
    """[Latin only, Arabic and Latin]: lets each script have its own class prior."""
    out = np.zeros((len(texts), 2))
    for i, t in enumerate(texts):
        latin, arabic = _LATIN.search(t) is not None, _ARABIC.search(t) is not None
        out[i] = (latin and not arabic, latin and arabic)
    return out


def emoji(texts: Sequence[str], docs: Sequence[str]) -> np.ndarray:
    """[sum of positive emoji scores, sum of negative ones], each capped at 2."""
    out = np.zeros((len(texts), 2))
    for i, t in enumerate(texts):
        if not t.isascii():
            s = emoji_scores(t)
            if s:
                out[i] = (min(sum(x for x in s if x > 0), 2.0), min(-sum(x for x in s if x < 0), 2.0))
    return out


def vader(texts: Sequence[str], docs: Sequence[str]) -> np.ndarray:
    """[positive, negative] part of VADER's compound on the Latin words (Arabic words removed)."""
    out = np.zeros((len(texts), 2))
    analyzer = _vader()
    for i, t in enumerate(texts):
        if _LATIN.search(t):
            c = analyzer.polarity_scores(_ARABIC_WORD.sub(" ", t) if not t.isascii() else t)["compound"]
            out[i] = (max(c, 0.0), max(-c, 0.0))
    return out


def cues(texts: Sequence[str], docs: Sequence[str]) -> np.ndarray:
    """[praise next to a complaint fact, "thanks for nothing"] on the normalised text."""
    return np.array([[cue(d) for cue in _CUES] for d in docs], dtype=np.float64).reshape(len(docs), len(_CUES))


# Fixed coefficients (negative, neutral, positive logit shifts) for blocks the corpora cannot teach:
# tweets and Reddit comments almost never pair praise with a service failure, so a fitted weight for
# the sarcasm cues stays near zero and "thanks for nothing" comes out positive. These are set by hand
# after fitting (``apply_priors``), like the polarity lexicon, and never tuned on a test corpus.
# A third cue, any complaint fact with a fixed negative prior, was tried and dropped: it fixed the first
# English fixture set but not a second one written afterwards, and cost Arabic tweets ~.01 macro-F1.
PRIORS: dict[str, list[list[float]]] = {"cues": [[2.0, 0.0, -2.0], [4.0, 0.0, -4.0]]}

BLOCKS: dict[str, tuple[int, Callable[[Sequence[str], Sequence[str]], np.ndarray]]] = {
    "script": (2, script),
    "emoji": (2, emoji),
    "vader": (2, vader),
    "cues": (2, cues),
}


def width(names: Sequence[str]) -> int:
    return sum(BLOCKS[n][0] for n in names)


def dense(names: Sequence[str], texts: Sequence[str], docs: Sequence[str]) -> np.ndarray:
    """The named blocks side by side, (len(texts), width(names))."""
    if not names:
        return np.zeros((len(texts), 0))
    return np.hstack([BLOCKS[n][1](texts, docs) for n in names])


def apply_priors(names: Sequence[str], coef: np.ndarray, start: int) -> None:
    """Overwrite, in place, the coefficient rows of the blocks that have a fixed prior."""
    offset = start
    for name in names:
        size = BLOCKS[name][0]
        if name in PRIORS:
            coef[offset : offset + size] = np.asarray(PRIORS[name], dtype=coef.dtype)
        offset += size
