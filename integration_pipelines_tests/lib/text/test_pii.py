"""PII redaction: positives per type, the near-misses that must survive, and no-leak properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from integration_pipelines.lib.text.pii import IBAN_LENGTHS, iban_ok, luhn_ok, redact
from integration_pipelines.lib.text.preprocess import preprocess


def make_iban(country: str, bban: str) -> str:
    """A valid IBAN: check digits computed per ISO 13616."""
    number = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    return f"{country}{98 - number % 97:02d}{bban}"


def make_card(prefix: str, length: int = 16) -> str:
    """Append the Luhn check digit to ``prefix`` padded with zeros to ``length - 1`` digits."""
    body = prefix.ljust(length - 1, "0")
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


def blocks(s: str, sep: str = " ") -> str:
    return sep.join(s[i : i + 4] for i in range(0, len(s), 4))


SA_IBAN = "SA0380000000608010167519"
GB_IBAN_AAAA = make_iban("GB", "AAAA60161331926819")


@pytest.mark.parametrize(
    "email",
    [
        "ahmed.ali@gmail.com",
        "f.alharbi@alnoor-trading.com.sa",
        "user+tag@sub.example.co.uk",
        "mansour_alshehri@hotmail.com",
        "0501234567@outlook.com",
        "O'Brien@example.ie",
    ],
)
def test_email_positive(email: str) -> None:
    r = redact(f"ايميلي {email} شكرا")
    assert r.text == "ايميلي [EMAIL] شكرا"
    assert r.counts == {"email": 1, "phone": 0, "card": 0, "iban": 0}


@pytest.mark.parametrize(
    "phone",
    [
        "+966 50 123 4567",
        "+966501234567",
        "+966-50-123-4567",
        "+971 (50) 123 4567",
        "00971501234567",
        "+20 10 1234 5678",
        "+201012345678",
        "0020 10 1234 5678",
        "+965 5123 4567",
        "+1 (212) 555-1234",
        "+44 7700 900123",
        "0501234567",
        "050 123 4567",
        "050-123-4567",
        "(050) 123 4567",
        "055 123 4567",  # Saudi / UAE mobile
        "01012345678",
        "010 1234 5678",
        "0112 345 6789",
        "01512345678",  # Egypt mobile 01[0125]
        "011 234 5678",
        "02 2345 6789",
        "04 123 4567",  # landlines with trunk 0
        "51234567",
        "6123 4567",
        "99001122",  # Kuwait 5/6/9
        "33123456",
        "7012 3456",  # Qatar 3/5/6/7
        "966501234567",
        "201012345678",
        "97433123456",  # country code without "+"
        "٠٥٠١٢٣٤٥٦٧",
        "٠٥٠ ١٢٣ ٤٥٦٧",
        "+٩٦٦٥٠١٢٣٤٥٦٧",
        "۰۵۰۱۲۳۴۵۶۷",
        "٥٢٢٦ ٢٠٧٨",  # Arabic-Indic/Persian
        "2125551234",
        "212-555-1234",  # North American
    ],
)
def test_phone_positive(phone: str) -> None:
    r = redact(f"كلموني على {phone} لو سمحتم")
    assert r.text == "كلموني على [PHONE] لو سمحتم"
    assert r.counts["phone"] == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call 0501234567 0551234567", "call [PHONE] [PHONE]"),
        ("(0501234567)", "[PHONE]"),
        ("tel:+966501234567.", "tel:[PHONE]."),
        ("رقمي:0501234567", "رقمي:[PHONE]"),
        ("ORD-20261105 0501234567", "ORD-20261105 [PHONE]"),
        ("الساعة 10:30 0501234567", "الساعة 10:30 [PHONE]"),
        ("0501234567 5 مرات", "[PHONE] 5 مرات"),
        ("اتصلت 3 مرات على 5226 2078", "اتصلت 3 مرات على [PHONE]"),
    ],
)
def test_phone_in_context(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize(
    "card",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111111111111111",
        "5500 0000 0000 0004",
        "3782 822463 10005",
        "6011000990139424",
        "4532015112830366",
        make_card("4", 13),
        make_card("5", 19),
        "٤١١١ ١١١١ ١١١١ ١١١١",
    ],
)
def test_card_positive(card: str) -> None:
    r = redact(f"paid with {card} yesterday")
    assert r.text == "paid with [CARD] yesterday"
    assert r.counts["card"] == 1


@pytest.mark.parametrize(
    "iban",
    [
        SA_IBAN,
        blocks(SA_IBAN),
        "AE070331234567890123456",
        "EG380019000500000000263180002",
        "KW81CBKU0000000000001234560101",
        "QA58DOHB00001234567890ABCDEFG",
        "BH67BMAG00001299123456",
        "OM810180000001299123456",
        "GB82 WEST 1234 5698 7654 32",
        blocks(SA_IBAN).lower(),
        blocks(SA_IBAN, "-"),
        GB_IBAN_AAAA,
    ],
)
def test_iban_positive(iban: str) -> None:
    r = redact(f"حولوا المبلغ على {iban} اليوم")
    assert r.text == "حولوا المبلغ على [IBAN] اليوم"
    assert r.counts["iban"] == 1


@pytest.mark.parametrize(
    "text",
    [
        "رقم الطلب #٤٥٦٧٨",
        "order #45678",
        "ORD-20261105",
        "INV-2025-00042",
        "ORD-50123456",
        "4111 1111 1111 1112",  # 16 digits, Luhn fails
        "4111111111111112",
        "5532 0151 1283 0368",  # Luhn fails; its 4-4 halves must not become Kuwaiti phones either
        "SA03 8000 0000 6080 1016 7510",  # IBAN shape, mod-97 fails
        "SA0380000000608010167510",
        "GB82 WEST 1234 5698 7654 33",
        "2026-11-05",
        "05/11/2026",
        "31-12-2026",
        "31.12.2026",
        "2026/11/05 10:30",
        "1,250.00 SAR",
        "SAR 12,500,000.00",
        "٣٥٠ ريال",
        "٣٥٠٫٥٠ ر.س",
        "10:30",
        "الساعة ١٠:٣٠",
        "12345",
        "call 911",
        "v2.3.1",
        "version 10.0.19045.2006",
        "iPhone 15 Pro 256GB",
        "1Z999AA10123456784",  # UPS tracking number
        "رقم الطلب 51234567",
        "order no. 51234567",
        "invoice: 2125551234",  # weak phone after an order word
        "the year 2025 2026",
        "ISBN 978-3-16-148410-0",
    ],
)
def test_near_misses_are_kept(text: str) -> None:
    r = redact(text)
    assert r.text == text
    assert sum(r.counts.values()) == 0


def test_counts_and_spans_point_into_the_input() -> None:
    text = "mail a@b.co or call +966 50 123 4567 / 0501234567, card 4111 1111 1111 1111, iban " + SA_IBAN
    r = redact(text)
    assert r.counts == {"email": 1, "phone": 2, "card": 1, "iban": 1}
    assert [(kind, text[a:b]) for kind, a, b in r.spans] == [
        ("email", "a@b.co"),
        ("phone", "+966 50 123 4567"),
        ("phone", "0501234567"),
        ("card", "4111 1111 1111 1111"),
        ("iban", SA_IBAN),
    ]


def test_nothing_to_redact_is_returned_as_is() -> None:
    r = redact("السلام عليكم، الطلب ما وصل 😡")
    assert r.text == "السلام عليكم، الطلب ما وصل 😡"
    assert r.spans == ()


def test_checksums() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert iban_ok(SA_IBAN) and iban_ok(blocks(SA_IBAN)) and not iban_ok(SA_IBAN[:-1] + "0")
    assert not iban_ok("SA03800000006080101675")  # wrong length for SA
    assert not iban_ok("ZZ0380000000608010167519")  # unknown country
    assert {IBAN_LENGTHS[c] for c in ("SA", "AE", "EG", "KW", "QA", "BH", "OM")} == {24, 23, 29, 30, 22}


def test_redaction_sees_through_bidi_marks_via_preprocess() -> None:
    """Arabic-Indic digits with RLM/LRM marks inside: only the folded text reveals the number."""
    raw = "رقمي \u200f٠٥٠\u200e١٢٣\u200f٤٥٦٧ وايميلي\u00a0ali@x.com"
    out = preprocess(raw)
    assert out.normalized == "رقمي [PHONE] وايميلي [EMAIL]"
    assert out.pii_counts == {"email": 1, "phone": 1, "card": 0, "iban": 0}


# ---------------------------------------------------------------- no-leak properties
_WORDS = [
    "السلام",
    "عليكم",
    "الطلب",
    "ما",
    "وصل",
    "عايز",
    "فلوسي",
    "ابي",
    "الحين",
    "شكراً",
    "مشكورين",
    "رقمي",
    "hello",
    "my",
    "order",
    "is",
    "late",
    "please",
    "call",
    "me",
    "on",
    "thanks",
    "😡",
    "👍🏽",
    "🙏",
    "،",
    ".",
    "!",
    "؟",
    "300",
    "2",
    "١٢",
    "10:30",
    "1,250.00",
    "#123",
    "ORD-55",
    "-",
    "(",
    ")",
]
_SEPS = [" ", "\n", ": ", " (", ") ", "، ", " - ", "\u00a0"]
_text = st.lists(st.sampled_from(_WORDS), max_size=8).map(" ".join)


def _phones() -> st.SearchStrategy[str]:
    def render(national: str, cc: str, style: int) -> str:
        if style == 0:
            return f"+{cc}{national.lstrip('0')}"
        if style == 1:
            return f"+{cc} {national[1:3]} {national[3:6]} {national[6:]}"
        if style == 2:
            return f"00{cc}{national.lstrip('0')}"
        if style == 3:
            return national
        return f"{national[:3]} {national[3:6]} {national[6:]}"

    saudi = st.tuples(st.sampled_from("0345569"), st.text("0123456789", min_size=7, max_size=7)).map(
        lambda t: "05" + t[0] + t[1]
    )
    egypt = st.tuples(st.sampled_from("0125"), st.text("0123456789", min_size=8, max_size=8)).map(
        lambda t: "01" + t[0] + t[1]
    )
    local = st.one_of(
        st.tuples(saudi, st.just("966"), st.integers(0, 4)),
        st.tuples(egypt, st.just("20"), st.integers(0, 4)),
    ).map(lambda t: render(*t))
    kuwait = st.tuples(st.sampled_from("569"), st.text("0123456789", min_size=7, max_size=7)).map(lambda t: t[0] + t[1])
    return st.one_of(local, kuwait, kuwait.map(lambda k: f"{k[:4]} {k[4:]}"), kuwait.map(lambda k: "+965 " + k))


def _cards() -> st.SearchStrategy[str]:
    body = st.tuples(
        st.sampled_from(["4", "51", "55", "2221", "6011"]), st.text("0123456789", min_size=12, max_size=12)
    )
    cards = body.map(lambda t: make_card(t[0] + t[1][: 15 - len(t[0])]))
    return st.tuples(cards, st.sampled_from(["", " ", "-"])).map(lambda t: blocks(t[0], t[1]) if t[1] else t[0])


def _ibans() -> st.SearchStrategy[str]:
    def build(country: str, digits: str, spaced: bool) -> str:
        iban = make_iban(country, digits[: IBAN_LENGTHS[country] - 4])
        return blocks(iban) if spaced else iban

    return st.builds(
        build,
        st.sampled_from(["SA", "AE", "EG", "KW", "QA", "BH", "OM", "JO"]),
        st.text("0123456789", min_size=30, max_size=30),
        st.booleans(),
    )


_emails = st.builds(
    lambda local, domain, tld: f"{local}@{domain}.{tld}",
    st.from_regex(r"[a-z][a-z0-9._]{0,12}[a-z0-9]", fullmatch=True),
    st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z]", fullmatch=True),
    st.sampled_from(["com", "sa", "ae"]),
)
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


@settings(max_examples=300, deadline=None)
@given(
    _text,
    st.sampled_from(_SEPS),
    st.one_of(_phones(), _cards(), _ibans(), _emails),
    st.sampled_from(_SEPS),
    _text,
    st.booleans(),
)
def test_embedded_pii_never_leaks(before: str, sep1: str, secret: str, sep2: str, after: str, indic: bool) -> None:
    weak = re.fullmatch(r"\d{4} ?\d{4}", secret) is not None  # Kuwait-style: no trunk or country prefix
    # By design a weak number right after an order word is an order number (tested in near-misses).
    assume(not (weak and re.search(r"(?:الطلب|order)\W*(?:is\W*)?$", before + sep1)))
    shown = secret.translate(_ARABIC_INDIC) if indic and "@" not in secret else secret
    out = preprocess(before + sep1 + shown + sep2 + after)
    assert secret not in out.normalized and shown not in out.normalized
    if "@" not in secret:  # the digits must not survive either, whatever separators they had
        joined = re.sub(r"(?<=\d)[ \-.()]+(?=\d)", "", out.normalized)
        assert _digits(secret)[-8:] not in joined
    assert sum(out.pii_counts.values()) >= 1
