"""Normalisation rules, one parametrised case per rule, plus options, emoji and idempotence."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integration_pipelines.lib.text.arabic import NormalizeOptions, fold, normalize, reduce_elongation


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # diacritics: harakat, tanween, shadda, sukun
        ("الْعَرَبِيَّةُ", "العربية"),
        ("كِتَابٌ", "كتاب"),
        ("شُكْرًا", "شكرا"),
        ("مُحَمَّدٍ", "محمد"),
        # superscript (dagger) alef U+0670 and Quranic marks (small high/low signs)
        ("هٰذا", "هذا"),
        ("الرَّحْمٰنِ", "الرحمن"),
        ("ذٰلِكَ الْكِتَابُ ۛ لَا رَيْبَ ۛ فِيهِ", "ذلك الكتاب لا ريب فيه"),
        ("قال\u06d6 ربك\u06da", "قال ربك"),
        ("صلى\u0610 الله", "صلي الله"),
        # tatweel
        ("العـــــربية", "العربية"),
        ("جـمـيـل", "جميل"),
        # alef variants
        ("أحمد", "احمد"),
        ("إبراهيم", "ابراهيم"),
        ("آمنة", "امنة"),
        ("ٱلله", "الله"),
        # alef maqsura
        ("على", "علي"),
        ("مستشفى", "مستشفي"),
        # hamza on waw / yeh (default on)
        ("سؤال", "سوال"),
        ("مسئول", "مسيول"),
        ("سائق", "سايق"),
        # taa marbuta is kept by default
        ("مدرسة", "مدرسة"),
        # Persian/Urdu keyboard letters
        ("کتاب", "كتاب"),
        ("علی", "علي"),
        ("ھذا", "هذا"),
        # presentation forms and ligatures (NFKC on U+FB50-U+FDFF, U+FE70-U+FEFF)
        ("ﻻ", "لا"),
        ("ﻷ", "لا"),
        ("ﷲ", "الله"),
        ("ﷺ", "صلي الله عليه وسلم"),
        ("ﺑﺴﻢ", "بسم"),
        ("ﭖ", "پ"),
        ("ﹰ", ""),  # isolated tanween form -> a mark -> stripped
        # full-width ASCII
        ("ＯＲＤ１２３", "ORD123"),
        # digits
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),
        ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),
        ("٣٥٠٫٥٠ ريال", "350.50 ريال"),
        ("١٬٢٥٠", "1,250"),
        # elongation: Arabic x3+ -> 1, Allah keeps its double lam, Latin x3+ -> 2
        ("جمييييل", "جميل"),
        ("ههههههه", "ه"),
        ("واللللله", "والله"),
        ("ممكن", "ممكن"),
        ("الله", "الله"),
        ("soooo gooood", "soo good"),
        ("NOOOO", "NOO"),
        ("feeeen", "feen"),
        ("good coffee", "good coffee"),
        # ... but not Roman numerals, masks, "www" or digits
        ("Chapter III", "Chapter III"),
        ("card XXXX1234", "card XXXX1234"),
        ("www.example.com", "www.example.com"),
        ("1000000", "1000000"),
        # whitespace: Unicode spaces collapsed, trimmed
        ("  a\u00a0\u2003b\u3000c\n\td  ", "a b c d"),
        ("سطر\r\nسطر", "سطر سطر"),
        # zero-width and bidi marks dropped
        ("ab\u200bcd", "abcd"),
        ("مي\u200cخواهم", "ميخواهم"),
        ("\u200f050\u200e123\u061c", "050123"),
        ("\ufeffhello\u2066x\u2069", "hellox"),
        ("soft\u00adhyphen", "softhyphen"),
        ("a\u200db", "ab"),  # a ZWJ outside an emoji sequence is noise
    ],
)
def test_rule(before: str, after: str) -> None:
    assert normalize(before) == after


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    [
        ("مدرسة", NormalizeOptions(fold_taa_marbuta=True), "مدرسه"),
        ("سؤال سائق", NormalizeOptions(fold_hamza=False), "سؤال سائق"),
        ("الْعَرَبِيَّةُ", NormalizeOptions(strip_diacritics=False), "الْعَرَبِيَّةُ"),
        ("العـــربية", NormalizeOptions(strip_tatweel=False), "العـــربية"),
        ("أحمد إبراهيم", NormalizeOptions(fold_alef=False), "أحمد إبراهيم"),
        ("على", NormalizeOptions(fold_alef_maqsura=False), "على"),
        ("کتاب", NormalizeOptions(fold_letter_variants=False), "کتاب"),
        ("جمييييل soooo", NormalizeOptions(reduce_elongation=False), "جمييييل soooo"),
        ("ﻷ", NormalizeOptions(fold_alef=False), "لأ"),  # compatibility expansions follow the options
    ],
)
def test_options(text: str, options: NormalizeOptions, expected: str) -> None:
    assert normalize(text, options) == expected


def test_options_are_frozen_and_hashable() -> None:
    options = NormalizeOptions()
    with pytest.raises(AttributeError):
        options.fold_taa_marbuta = True  # type: ignore[misc]
    assert hash(options) == hash(NormalizeOptions())


@pytest.mark.parametrize(
    "emoji",
    [
        "👨\u200d👩\u200d👧",  # ZWJ family
        "👩🏽\u200d💻",  # skin tone + ZWJ
        "👍🏿",
        "❤️",  # VS16
        "🇸🇦",  # flag (regional indicators)
        "1️⃣",  # keycap
        "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # tag sequence
        "🆗",  # NFKC would turn this into "OK"
        "ℹ️",  # ... and this into "i"
        "😂😂😂",  # repeated emoji are not "elongation"
    ],
)
def test_emoji_survive_untouched(emoji: str) -> None:
    assert normalize(f"شكراً {emoji} thanks") == f"شكرا {emoji} thanks"
    assert normalize(emoji) == emoji


def test_fold_does_not_squeeze_letters() -> None:
    """Elongation runs after redaction: folding must leave letter runs alone (IBAN bank codes)."""
    assert fold("GB29 AAAA 6016") == "GB29 AAAA 6016"
    assert reduce_elongation(fold("GB29 AAAA 6016")) == "GB29 AA 6016"


def test_ascii_fast_path_matches_general_path() -> None:
    assert normalize("  Hellooooo   world \n") == "Helloo world"
    assert normalize("Hellooooo world é") == "Helloo world é"


_ALPHABET = st.one_of(
    st.characters(min_codepoint=0x0600, max_codepoint=0x06FF),
    st.characters(min_codepoint=0x0750, max_codepoint=0x077F),
    st.characters(min_codepoint=0x08A0, max_codepoint=0x08FF),
    st.characters(min_codepoint=0xFB50, max_codepoint=0xFEFF),
    st.characters(min_codepoint=0xFF00, max_codepoint=0xFFEF),
    st.sampled_from("اللهلللهaaaAAAxwwiiivv   \n\t\u00a0\u2003\u200b\u200c\u200d\u200e\u200f\ufeff\u0640\ufe0f\u20e3"),
    st.sampled_from(["👨", "👩", "👧", "🏽", "❤", "🇸", "🇦", "😂", "#", "1", "٣", "۵"]),
    st.characters(),
)


@settings(max_examples=400, deadline=None)
@given(st.text(_ALPHABET, max_size=60))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=150, deadline=None)
@given(st.text(_ALPHABET, max_size=40), st.booleans(), st.booleans(), st.booleans())
def test_normalize_is_idempotent_for_other_options(text: str, taa: bool, marks: bool, tatweel: bool) -> None:
    options = NormalizeOptions(fold_taa_marbuta=taa, strip_diacritics=marks, strip_tatweel=tatweel)
    once = normalize(text, options)
    assert normalize(once, options) == once
