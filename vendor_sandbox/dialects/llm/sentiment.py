"""The sandbox's fake LLM: a tiny cue-word lexicon that answers the sentiment prompt deterministically.

Good enough to look like a model (Arabic, Arabizi and English cues, emoji, a little negation), cheap
enough for thousands of texts a second, and the same answer for the same text on every run. Also
produces the malformed answers real models give, on demand, so providers' validation is tested.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

POSITIVE = (
    "thank",
    "thanks",
    "thx",
    "great",
    "excellent",
    "perfect",
    "love",
    "happy",
    "awesome",
    "amazing",
    "helpful",
    "fast",
    "sorted",
    "resolved",
    "appreciate",
    "top",
    "good",
    "شكر",
    "مشكور",
    "متشكر",
    "ممتاز",
    "رائع",
    "جميل",
    "حلو",
    "تمام",
    "زين",
    "سعيد",
    "سعداء",
    "يعطيكم العافية",
    "يعطيك العافية",
    "ما قصر",
    "محترمة",
    "بسرعة",
    "تسلم",
    "ربنا يخليك",
    "الله يسعدك",
    "جزاكم الله",
    "shukran",
    "mashkoor",
    "mumtaz",
    "7elw",
    "tamam",
    "zain",
    "zaina",
    "😀",
    "😊",
    "👍",
    "❤",
    "🙏",
    "😍",
    "🌹",
    "👌",
)
NEGATIVE = (
    "bad",
    "terrible",
    "awful",
    "worst",
    "angry",
    "disappointed",
    "broken",
    "crash",
    "late",
    "delay",
    "never",
    "hate",
    "problem",
    "issue",
    "cancel",
    "refund",
    "wrong",
    "charged twice",
    "not working",
    "useless",
    "سيء",
    "سيئ",
    "أسوأ",
    "زفت",
    "مشكلة",
    "مشكله",
    "تأخير",
    "متأخر",
    "تأخر",
    "غلط",
    "خطأ",
    "غاضب",
    "زعلان",
    "للأسف",
    "ما يشتغل",
    "مش شغال",
    "مو زين",
    "استرجاع",
    "إلغاء",
    "الغاء",
    "مرتين",
    "يعلق",
    "خربان",
    "mshkela",
    "moshkla",
    "ghalat",
    "mesh sha3'al",
    "zah2an",
    "3ayez refund",
    "😡",
    "😠",
    "👎",
    "😞",
    "😢",
    "💔",
    "🙄",
    "😤",
)
_NEGATORS = re.compile(r"\b(not|no|never|don't|didn't|isn't|wasn't)\s+$|(?:مو|مش|ما|غير|لا)\s+$")
_EMOJI_RANGE = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")

MalformedKind = Literal["invalid_json", "missing_id", "duplicate_id", "bad_label", "bad_score", "prose"]
MALFORMED_KINDS: tuple[MalformedKind, ...] = (
    "invalid_json",
    "missing_id",
    "duplicate_id",
    "bad_label",
    "bad_score",
    "prose",
)


class Behaviour(BaseModel):
    """What the fake model does besides answering: set with the ``configure`` admin action."""

    latency_seconds: float = Field(0.0, ge=0, le=30)
    malformed_rate: float = Field(0.0, ge=0, le=1)
    malformed_kinds: list[MalformedKind] = Field(default_factory=lambda: list(MALFORMED_KINDS), min_length=1)
    reverse_order: bool = False  # answer the items last to first (valid, but not in the order asked)
    seed: int = 0


def _cue_hits(text: str, cues: Sequence[str]) -> int:
    lowered = text.lower()
    hits = 0
    for cue in cues:
        start = lowered.find(cue)
        while start != -1:
            negated = bool(_NEGATORS.search(lowered[max(0, start - 12) : start]))
            hits += -1 if negated else 1
            start = lowered.find(cue, start + len(cue))
    return hits


def score_text(text: str) -> dict[str, object]:
    """Label, polarity and confidence for one text; deterministic, no randomness."""
    positive, negative = _cue_hits(text, POSITIVE), _cue_hits(text, NEGATIVE)
    if positive < 0:  # "not good" counts for the other side
        positive, negative = 0, negative - positive
    if negative < 0:
        positive, negative = positive - negative, 0
    total = positive + negative
    polarity = 0.0 if total == 0 else (positive - negative) / total
    strength = min(1.0, total / 3)
    score = round(polarity * (0.4 + 0.6 * strength), 3)
    label = "positive" if score >= 0.2 else "negative" if score <= -0.2 else "neutral"
    confidence = round(0.55 + 0.4 * strength if total else 0.6, 3)
    return {"label": label, "score": score, "confidence": confidence}


def answer(items: Sequence[dict[str, str]]) -> list[dict[str, object]]:
    return [{"id": item["id"], **score_text(item["text"])} for item in items]


def render(results: list[dict[str, object]], malformed: MalformedKind | None) -> str:
    """The answer's text: valid JSON, or one of the ways real models get it wrong."""
    if malformed == "missing_id" and results:
        results = results[:-1]
    elif malformed == "duplicate_id" and results:
        results = [*results, results[0]]
    elif malformed == "bad_label" and results:
        results = [{**results[0], "label": "mixed"}, *results[1:]]
    elif malformed == "bad_score" and results:
        results = [{**results[0], "score": 1.7}, *results[1:]]
    text = json.dumps({"results": results}, ensure_ascii=False)
    if malformed == "invalid_json":
        return text[: max(1, len(text) // 2)]
    if malformed == "prose":
        return f"Sure! Here is the sentiment of each message:\n```json\n{text}\n```\nLet me know if you need more."
    return text


def count_tokens(*texts: str) -> int:
    """A deterministic stand-in for a tokenizer: about four characters a token, emoji one each."""
    return sum(max(1, (len(t) + 3) // 4) + len(_EMOJI_RANGE.findall(t)) for t in texts if t)
