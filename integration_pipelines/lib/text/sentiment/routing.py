"""Which scorer reads a message: the preprocessing language, corrected where it misleads sentiment.

Preprocessing labels an Arabic tweet ``mixed`` as soon as a URL or an English hashtag adds Latin
words; for sentiment those carry no opinion, and blending in VADER's reading of them only adds noise,
so such text stays Arabic. It also calls Latin text Arabizi when one Arabizi-looking word ("law", "ya",
"w") matches as many English function words; English sentiment words are evidence too, and text whose
English evidence outweighs its Arabizi evidence goes to the English scorer. Emoji-only messages go to
the emoji table (``emoji_lexicon``), which knows more about emoji than either text model.
"""

from __future__ import annotations

import functools
import re

from integration_pipelines.lib.text.language import ARABIZI, ENGLISH
from integration_pipelines.lib.text.sentiment.emoji_lexicon import is_emoji_only

ROUTES = ("empty", "emoji", "arabic", "english", "mixed", "arabizi")
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN = re.compile(r"[A-Za-z]")
# Latin material that is not language: links, handles, hashtags, placeholders, short all-caps codes.
_NOT_WORDS = re.compile(
    r"https?://\S+|www\.\S+|\S+\.(?:com|net|org|sa|ae|eg|ly|co)\b\S*|@\w+|#\w+|\[[A-Z]+\]", re.IGNORECASE
)
_CAPS_CODE = re.compile(r"\b[A-Z][A-Z0-9]{1,4}\b")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9']*")
_AZ_DIGIT = re.compile(r"[a-z][235-9]|[235-9][a-z]")
MIXED_MIN_LATIN = 0.2  # share of real Latin words from which a message is code-switched


@functools.cache
def _vader_words() -> frozenset[str]:
    """English words VADER rates: sentiment-bearing English is English, not Arabizi."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return frozenset(w for w in SentimentIntensityAnalyzer().lexicon if w.isalpha() and len(w) > 2)


def latin_words(text: str) -> list[str]:
    """Lower-cased Latin words once links, handles, hashtags, placeholders and codes are removed."""
    text = _NOT_WORDS.sub(" ", _CAPS_CODE.sub(" ", text)) if _LATIN.search(text) else text
    return [w.lower() for w in _LATIN_WORD.findall(text)]


def english_outweighs_arabizi(words: list[str]) -> bool:
    """English function words and VADER-rated words vs Arabizi-only words and digit-letter words."""
    vader = _vader_words()
    english = sum(w in ENGLISH or w in vader for w in words)
    arabizi = sum(
        2 if _AZ_DIGIT.search(w) else 1
        for w in words
        if (w in ARABIZI and w not in ENGLISH and w not in vader) or _AZ_DIGIT.search(w)
    )
    return english > arabizi


def route(text: str, language: str | None) -> str:
    """empty | emoji | arabic | english | mixed | arabizi (see the module doc for the corrections)."""
    if not text.strip():
        return "empty"
    if is_emoji_only(text):
        return "emoji"
    has_arabic = _ARABIC.search(text) is not None
    if has_arabic:
        if not _LATIN.search(text):
            return "arabic"
        n_latin = len(latin_words(text))
        n_arabic = sum(1 for t in text.split() if _ARABIC.search(t))
        if language in ("ar", "unknown", None) or n_latin / (n_latin + n_arabic) < MIXED_MIN_LATIN:
            return "arabic"
        return "mixed"
    if language == "arabizi":
        return "english" if english_outweighs_arabizi(latin_words(text)) else "arabizi"
    if language in ("en", "mixed") or _LATIN.search(text):
        return "english"
    return "arabic"  # digits, symbols: the Arabic model's neutral prior
