"""The normaliser run before hashing; the artifact names it (``FeatureConfig.normalizer``) so training can swap it."""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Callable

# Removes what is Twitter-specific (URLs, mentions, RT, '#') so the model learns words, not sources.
_URL = re.compile(r"https?\S*|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_INVISIBLE = re.compile(
    "[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200b-\u200f\u202a-\u202e"
    "\u2066-\u2069\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]"
)
_EMOTICONS = {":)": "🙂", ":-)": "🙂", ":d": "😀", ":-d": "😀", ":(": "🙁", ":-(": "🙁", "<3": "❤"}
_EMOTICON = re.compile("|".join(re.escape(e) for e in sorted(_EMOTICONS, key=len, reverse=True)))
_REPEAT = re.compile(r"(.)\1{2,}")
_DIGITS = re.compile(r"0+")
_EMOJI = re.compile("([!?\u2190-\u21ff\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff])")
_PUNCT = "\"'“”‘’«»()[]{}<>.,،;؛:-–—_/\\|*+=~^`$%&…·•"
_TRANSLATE = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ک": "ك", "ی": "ي", "ؤ": "و", "ئ": "ي", "؟": "?"}
    | {d: "0" for d in "0123456789٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹"}
    | {p: " " for p in _PUNCT}
)


def basic_normalize(text: str) -> str:
    """Small, idempotent Arabic/Latin normaliser (spelling variants, elongation, noise) for features."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).replace("#", " ")
    text = _MENTION.sub(" ", _URL.sub(" ", text)).lower()
    text = _EMOTICON.sub(lambda m: f" {_EMOTICONS[m.group(0)]} ", text)
    text = text.translate(_TRANSLATE)
    text = _EMOJI.sub(r" \1 ", _REPEAT.sub(r"\1\1", _DIGITS.sub("0", text)))
    return " ".join(t for t in text.split() if t != "rt")


def resolve_normalizer(spec: str) -> Callable[[str], str]:
    """``"package.module:function"`` -> the callable; the artifact names the normaliser it was fitted with."""
    module, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module), attr)
