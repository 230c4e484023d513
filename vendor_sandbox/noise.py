"""The typographic noise of real customer messages: tatweel, tashkeel, elongation and emoji.

Applied at per-variety rates after a message is composed, so preprocessing and language detection
meet what real inboxes hold rather than clean textbook Arabic.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from vendor_sandbox.texts import ARABIC_SCRIPT, ELONGATE_RATE, EMOJI, EMOJI_RATE, HARAKAT, TASHKEEL_RATE, TATWEEL_RATE

_NON_CONNECTING = frozenset("اأإآدذرزوؤةءى")


def is_arabic_word(word: str) -> bool:
    return len(word) >= 3 and all("\u0621" <= ch <= "\u064a" for ch in word)


def _tatweel(rng: random.Random, word: str) -> str:
    spots = [i for i in range(len(word) - 1) if word[i] not in _NON_CONNECTING and word[i] != "ء"]
    if not spots:
        return word
    i = rng.choice(spots)
    return word[: i + 1] + "ـ" * rng.randint(2, 6) + word[i + 1 :]


def tashkeel(rng: random.Random, word: str) -> str:
    """Short vowels inside the word, tanween only at its end, as writers place them."""
    out = [ch + (rng.choice(HARAKAT[3:]) if rng.random() < 0.6 else "") for ch in word[:-1]]
    return "".join(out) + word[-1] + (rng.choice(HARAKAT) if rng.random() < 0.7 else "")


def _elongate(rng: random.Random, word: str) -> str:
    vowels = "اوي" if "\u0600" <= word[0] <= "\u06ff" else "aeiouy"
    spots = [i for i in range(1, len(word)) if word[i] in vowels] or [len(word) - 1]
    i = rng.choice(spots)
    return word[: i + 1] + word[i] * rng.randint(2, 5) + word[i + 1 :]


def touch_word(
    rng: random.Random, text: str, test: Callable[[str], bool], change: Callable[[random.Random, str], str]
) -> str:
    words = text.split(" ")
    idx = [i for i, w in enumerate(words) if test(w)]
    if idx:
        i = rng.choice(idx)
        words[i] = change(rng, words[i])
    return " ".join(words)


def _latin_word(word: str) -> bool:
    return len(word) >= 3 and word.isascii() and word.isalpha() and word.islower()


def decorate(rng: random.Random, text: str, variety: str, mood: str, casual: bool) -> str:
    """Add the typographic noise of real customer messages at per-variety rates."""
    arabic = variety in ARABIC_SCRIPT
    if arabic and rng.random() < TATWEEL_RATE[variety]:
        text = touch_word(rng, text, is_arabic_word, _tatweel)
    if arabic and rng.random() < TASHKEEL_RATE[variety]:
        for _ in range(rng.randint(1, 2)):
            text = touch_word(rng, text, is_arabic_word, tashkeel)
    if rng.random() < ELONGATE_RATE[mood] * (0.3 if variety == "msa" else 1.0):
        test = (
            is_arabic_word if arabic and variety != "code_switched" else (lambda w: is_arabic_word(w) or _latin_word(w))
        )
        text = touch_word(rng, text, test, _elongate)
    if rng.random() < EMOJI_RATE[variety] * (1.5 if casual else 1.0):
        emoji = rng.choice(EMOJI[mood])
        text += (" " if rng.random() < 0.7 else "") + emoji * rng.choice((1, 1, 2, 3))
    return text
