"""Language, script and a cheap dialect hint for short customer messages -- no models, no network.

Works on ``normalize``d (and usually redacted) text.  Evidence is counted per *word*:

* script -- which letters occur (placeholders such as ``[PHONE]`` do not count);
* language -- Arabic-script words vs Latin words.  Both present, and the minority has at least
  ``MIXED_MIN_SHARE`` of the words -> ``"mixed"`` (code-switching: "الـ order اتأخر و the tracking
  مش شغال").  Short all-caps tokens (OTP, SAR, INV) are language-neutral.
  Latin-only text is Arabizi when Arabizi evidence (lexicon words such as ana/3ayez/msh/yalla;
  words with 2/3/5/6/7/8/9 *inside* letters, weighted double) is at least the English function-
  word evidence; otherwise English.  "I paid 300 for 2 items" has no digit inside a word, so it
  stays English; "2nd", "5pm", "mp3", "4G" are excluded explicitly;
* dialect -- marker words for Gulf vs Egyptian (dialect beats MSA when it has at least as many
  hits), MSA markers otherwise, ``None`` on no evidence or a Gulf/Egyptian tie.  Markers are
  matched with and without a leading و/ف clitic and in every spelling ``normalize`` can produce.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product

from integration_pipelines.lib.text.arabic import EMOJI_BASE, EMOJI_MOD, NormalizeOptions, normalize
from integration_pipelines.lib.text.pii import PLACEHOLDERS

__all__ = ["Detection", "MIXED_MIN_SHARE", "classify", "detect", "tokenize"]

MIXED_MIN_SHARE = 0.2

# fmt: off
# ---------------------------------------------------------------- word lists (data)
GULF = ("وش", "ابي", "ابغى", "ابغي", "ابغا", "زين", "حيل", "الحين", "للحين", "مب", "وايد", "شلون", "شلونك",
        "وين", "ليش", "حقي", "حقتي", "يبي", "تبي", "بغيت", "ابيه", "اشوف", "طاف", "هالشي",
        "يعطيكم", "يعافيكم", "تسلمون", "مشكورين", "ذا", "شي", "سوو", "يسوون", "اسوي", "سوينا", "ترا",
        "خربان", "جاني", "بشروا", "دايما", "انحلت", "يطلعني", "هلا", "حياك", "عطنا", "شيكنا")
EGYPTIAN = ("عايز", "عايزة", "عاوز", "ازاي", "دلوقتي", "مش", "كده", "بتاع", "بتاعي", "بتاعتي", "اوي", "ليه",
            "فين", "لسه", "النهارده", "امبارح", "حاجة", "خالص", "بقالي", "ده", "دي", "ايه", "مفيش", "محدش",
            "بجد", "ازيكم", "ازيك", "فندم", "حضرتك", "علشان", "اتأخر", "اتخصم", "بيقفل",
            "مستني", "هيوصلك", "هنبعتلك", "قولنا", "ابعتلنا", "ياريت", "معلش", "بقى", "برضه", "كمان", "تانية",
            "تاني", "مجاش", "موصلش", "جالي", "روحت", "قالولي", "ينفع", "امتى", "باظ", "ربنا")
MSA = ("أريد", "لماذا", "الآن", "ليس", "هذا", "جداً", "لم", "لن", "قد", "التي", "الذي", "حتى", "يرجى", "أرجو",
       "أود", "نود", "سوف", "لقد", "منذ", "ذلك", "هل", "حيث", "تم", "يمكنني", "يمكنك", "يمكنكم", "نعتذر",
       "عزيزي", "الإفادة", "بخصوص", "علماً", "وقد", "رغم", "دون", "أرغب", "لدى", "حدث", "بأسرع",
       "زلت", "زلنا", "نأسف", "قمت", "قمنا", "إلى", "أيضاً")
ARABIZI = frozenset((
    "ana", "enta", "enti", "inta", "inti", "howa", "heya", "e7na", "ehna", "3ayez", "3ayza", "3awez", "3ayz",
    "7abibi", "habibi", "7abibti", "msh", "mesh", "mish", "mosh", "mush", "ezay", "ezayak", "ezayek",
    "izzay", "keda", "kda", "kedah", "wallah", "wallahi", "walla", "wallahy", "inshallah", "insha2allah",
    "inshalla", "mashallah", "shukran", "shokran", "shokrn", "yalla", "yallah", "ya3ni", "yaani", "el", "fe",
    "fel", "feen", "fein", "leh", "leih", "leeh", "emta", "imta", "lessa", "lesa", "lissa", "ba2a", "bardo",
    "tayeb", "tamam", "khalas", "5alas", "ahlan", "salam", "marhaba", "hala", "wesh", "wain", "wen",
    "abi", "abgha", "abga", "zain", "zein", "wayed", "wayid", "el7een", "al7in", "alhin", "7aga", "7aja",
    "mafeesh", "mafish", "bta3", "bta3i", "bta3y", "betaa", "momken", "mumkin", "law", "sama7t", "sama7to",
    "kaman", "kman", "gedan", "awi", "awy", "2awi", "bgad", "bejad", "3ala", "3al", "3an", "mn", "w", "ya",
    "yaa", "mashkoor", "mashkoreen", "ma3lesh", "ma3lish", "mawsalsh", "lel", "dah", "deh", "di", "ba3d",
    "tislamo", "yslamo", "ma3ak", "ma3aki", "3ashan", "3shan", "ela", "wla", "wala", "kol", "7ad", "el3afia",
    "ahlen", "sabah", "masa2", "mesa", "5eir", "5er", "kheir", "ezayoko", "shlon", "shlonak", "mob", "mub",
))
ENGLISH = frozenset((
    "the", "a", "an", "and", "or", "but", "is", "are", "was", "were", "be", "been", "am", "i", "i'm", "i've",
    "my", "me", "you", "your", "we", "our", "us", "it", "its", "it's", "this", "that", "these", "to", "of",
    "for", "in", "on", "at", "with", "from", "by", "not", "no", "have", "has", "had", "do", "does", "did",
    "don't", "can", "can't", "could", "will", "won't", "would", "should", "please", "thanks", "thank",
    "hi", "hello", "hey", "dear", "what", "when", "where", "why", "how", "there", "here", "still", "any",
    "all", "so", "just", "again", "yet", "since", "about", "after", "before", "into", "out", "up", "if",
    "they", "them", "their", "he", "she", "his", "her", "isn't", "hasn't", "haven't", "didn't", "doesn't",
    "get", "got", "need", "want", "would", "let", "know", "sorry", "regards", "best", "help", "team",
))
ARABIZI_GULF = frozenset(("wesh", "abi", "abgha", "abga", "zain", "zein", "7eel", "el7een", "al7in", "alhin",
                          "mob", "mub", "wayed", "wayid", "shlon", "shlonak", "wain", "wen", "shay", "sawaw"))
ARABIZI_EGYPTIAN = frozenset(("3ayez", "3ayza", "3awez", "3ayz", "ezay", "ezayak", "dlwa2ty", "delwa2ty",
                              "msh", "mesh", "mish", "keda", "kda", "bta3", "bta3i", "bta3y", "awi", "awy",
                              "2awi", "leh", "feen", "fein", "lessa", "ba2a", "7aga", "bgad", "embare7",
                              "mafeesh", "ma3lesh", "ezayoko", "gedan", "da3wa"))
# fmt: on

# ---------------------------------------------------------------- regexes
_AR = "\u0621-\u063a\u0641-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06fc\u06ff\u0750-\u077f"
_AR_MARKS = "\u0610-\u061a\u0640\u064b-\u065f\u0670\u06d6-\u06ed"
_LAT = "a-z\u00df-\u00f6\u00f8-\u024f"  # lowercase text only
_PLACEHOLDER = "|".join(re.escape(p) for p in PLACEHOLDERS.values())
# The lookahead is a cheap first test that skips spaces and punctuation (no token starts with one)
# before the eight alternatives are tried.
_TOKEN = re.compile(
    "(?=[^\\s.,!?\u061f\u060c:;()\\-])(?:"
    + "|".join(
        (
            _PLACEHOLDER.lower(),
            "[\U0001f1e6-\U0001f1ff]{2}",  # flags
            "[0-9#*]\ufe0f?\u20e3",  # keycaps
            f"[{EMOJI_BASE}][{EMOJI_MOD}]*(?:\u200d[{EMOJI_BASE}][{EMOJI_MOD}]*)*",  # emoji incl. ZWJ sequences
            f"[{_AR}][{_AR}{_AR_MARKS}]*",  # Arabic words
            f"[0-9]*+[{_LAT}][{_LAT}0-9]*+(?:['\u2019][{_LAT}]++)*",  # Latin/Arabizi words (3ayez, don't)
            r"\d+(?:[.,:/\-]\d+)*",  # numbers, amounts, dates, times
            r"[^\W\d_]+",  # words in other scripts
        )
    )
    + ")"
)
_PLACEHOLDERS = re.compile(_PLACEHOLDER)
_NO_DIGITS = str.maketrans("", "", "0123456789")
_HAS_ARABIC = re.compile(f"[{_AR}]")
_HAS_LATIN = re.compile("[A-Za-z\u00c0-\u024f]")
_PH_UPPER = {p.lower(): p for p in PLACEHOLDERS.values()}
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]{1,4}\b")  # OTP, SAR, INV, VIP: language-neutral
_AZ_DIGIT = re.compile(r"[a-z][235-9]|[235-9][a-z]")
_NOT_ARABIZI = re.compile(
    r"\d+(?:st|nd|rd|th|am|pm|k|m|g|gb|mb|tb|kg|km|cm|mm|ml|h|hr|hrs|min|mins|s|sec|secs|x|d|day|days|yr|yrs|mp)"
    r"|mp[34]|h26[45]|b2[bc]|p2p|2fa|ps[2-5]|x[2-9]|covid\d*|[a-z]\d|\d[a-z]",
    re.ASCII,
)


@dataclass(frozen=True)
class Detection:
    """What ``detect`` found; the same three values ``Preprocessed`` carries."""

    language: str  # "ar" | "en" | "arabizi" | "mixed" | "unknown"
    script: str  # "arabic" | "latin" | "mixed" | "none"
    dialect: str | None  # "gulf" | "egyptian" | "msa" | None


def _spellings(words: tuple[str, ...]) -> frozenset[str]:
    """Every form ``normalize`` may give a marker (taa marbuta / hamza options), with و/ف clitics."""
    forms: set[str] = set()
    for w in words:
        variants = {w} | {
            normalize(w, NormalizeOptions(fold_taa_marbuta=t, fold_hamza=h))
            for t, h in product((False, True), repeat=2)
        }
        for v in variants:
            forms.update((v, "و" + v, "ف" + v))
    return frozenset(f for f in forms if " " not in f)


_GULF, _EGYPTIAN, _MSA = _spellings(GULF), _spellings(EGYPTIAN), _spellings(MSA)
_MARKERS = _GULF | _EGYPTIAN | _MSA


def tokenize(text: str) -> list[str]:
    """Lower-cased words (Arabic, Latin, Arabizi with digits), numbers (1,250.00, 10:30), emoji
    sequences (ZWJ families, skin tones, flags, keycaps) and PII placeholders; punctuation dropped."""
    tokens = _TOKEN.findall(text.lower())
    if "[" in text:
        tokens = [_PH_UPPER.get(t, t) for t in tokens]
    return tokens


def _arabizi_score(words: list[str]) -> int:
    """Lexicon hits, plus 2 per word with an Arabizi digit inside letters (3ayez, 7abibi, a3raf)."""
    score = len(ARABIZI.intersection(words))
    if not _AZ_DIGIT.search(" ".join(words)):  # one scan instead of a loop: most texts have no such word
        return score
    for w in words:
        if not w.isalpha() and _AZ_DIGIT.search(w) and not _NOT_ARABIZI.fullmatch(w):
            letters = len(w.translate(_NO_DIGITS))
            if letters >= 2 and len(w) - letters <= letters:
                score += 2
    return score


def _latin_dialect(words: list[str]) -> str | None:
    g, e = len(ARABIZI_GULF.intersection(words)), len(ARABIZI_EGYPTIAN.intersection(words))
    return "gulf" if g > e else "egyptian" if e > g else None


def _arabic_dialect(words: list[str]) -> str | None:
    hits = _MARKERS.intersection(words)  # one C-level pass; then a loop over the few hits
    if not hits:
        return None
    g = e = m = 0
    for w in hits:
        if w in _GULF:
            g += 1
        if w in _EGYPTIAN:
            e += 1
        if w in _MSA:
            m += 1
    if g != e and max(g, e) >= m:
        return "gulf" if g > e else "egyptian"
    if g == e and g >= m:
        return None  # a Gulf/Egyptian tie that MSA does not break
    return "msa"


def _latin_words(tokens: list[str]) -> list[str]:
    return [t for t in tokens if "a" <= t[0] <= "z" or "a" <= t[-1] <= "z" or "\u00df" <= t[0] <= "\u024f"]


def _english_or_arabizi(words: list[str], script: str) -> tuple[str, str, str | None]:
    arabizi = _arabizi_score(words)
    if arabizi and arabizi >= len(ENGLISH.intersection(words)):
        return "arabizi", script, _latin_dialect(words)
    return "en", script, None


def classify(tokens: list[str], text: str) -> tuple[str, str, str | None]:
    """(language, script, dialect) from ``tokenize(text)``; ``preprocess`` calls this to avoid
    tokenising twice."""
    if text.isascii() or not _HAS_ARABIC.search(text):
        lat = _latin_words(tokens)
        return _english_or_arabizi(lat, "latin") if lat else ("unknown", "none", None)
    if not _HAS_LATIN.search(_PLACEHOLDERS.sub("", text) if "[" in text else text):
        return "ar", "arabic", _arabic_dialect(tokens)  # non-Arabic tokens never match a marker
    ar = [t for t in tokens if "\u0621" <= t[0] <= "\u08ff"]
    lat = _latin_words(tokens)
    acronyms = {a.lower() for a in _ACRONYM.findall(text)}
    words = [t for t in lat if t not in acronyms] if acronyms else lat
    n_ar, n_lat = len(ar), len(words)
    if n_lat and min(n_ar, n_lat) / (n_ar + n_lat) >= MIXED_MIN_SHARE:
        return "mixed", "mixed", _arabic_dialect(ar) or _latin_dialect(words)
    if n_ar >= n_lat:
        return "ar", "mixed", _arabic_dialect(ar)
    return _english_or_arabizi(words, "mixed")


def detect(text: str) -> Detection:
    """Language, script and dialect hint of one normalised message (see module doc)."""
    return Detection(*classify(tokenize(text), text))
