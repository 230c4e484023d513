"""Language, script, dialect hint and tokens -- hand-picked cases plus the sandbox world's labels."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from integration_pipelines.lib.text.arabic import normalize
from integration_pipelines.lib.text.language import Detection, detect, tokenize
from integration_pipelines.lib.text.preprocess import preprocess_many
from vendor_sandbox.world import World, WorldConfig, build_world


def lang(text: str) -> str:
    return detect(normalize(text)).language


@pytest.mark.parametrize(
    "text",
    [
        "ana 3ayez a3raf el order feen",
        "msh 3aref a3mel login",
        "yalla habibi",
        "wallah el khedma 7elwa",
        "shukran ya 7abibi",
        "ezay a3mel refund?",
        "keda msh tamam",
        "inshallah bokra",
        "Ana 3ayez refund",
        "el order bta3i lessa mawsalsh",
        "abi floosi tarja3 ya jama3a",
        "5alas etsala7, merci",
        "enta feen?",
        "please 7ad yerod",
        "sooo 7elwaaa",
    ],
)
def test_arabizi(text: str) -> None:
    assert lang(text) == "arabizi"


@pytest.mark.parametrize(
    "text",
    [
        "I paid 300 for 2 items",
        "The 2nd item arrived at 5pm",
        "My 4G router (model X5) broke again",
        "Order ORD-20261105 is late",
        "Please call me back",
        "I hope it arrives tomorrow inshallah",
        "The MP3 player and 2FA code 123456 don't work",
        "Covid19 delays? 3 days late",
        "Hello team, any update?",
        "Tracking 1Z999AA10123456784 has not moved",
    ],
)
def test_english_is_not_arabizi(text: str) -> None:
    assert lang(text) == "en"


@pytest.mark.parametrize(
    "text",
    [
        "الـ order اتأخر و the tracking مش شغال",
        "عايز refund",
        "Hi، السلام عليكم",
        "مرحبا team",
        "please حد يرد عليا",
        "الـ app بيعمل crash كل ما افتح الـ cart",
        "ana 3ayez الفلوس بتاعتي",
    ],
)
def test_mixed(text: str) -> None:
    assert lang(text) == "mixed"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("اشتريت iPhone 15 الأسبوع الماضي وما وصل", "ar"),  # a brand name does not make it code-switched
        ("رمز OTP لا يصل إلى جوالي", "ar"),  # neither do acronyms
        ("المبلغ 350 SAR رقم الفاتورة INV-2025-00042", "ar"),
        ("Hi محمد, your refund has been issued and should reach your card within five business days.", "en"),
        ("السلام عليكم ورحمة الله وبركاته", "ar"),
    ],
)
def test_minority_script_below_threshold(text: str, expected: str) -> None:
    assert lang(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Detection("unknown", "none", None)),
        ("👍🙏", Detection("unknown", "none", None)),
        ("12345", Detection("unknown", "none", None)),
        ("[PHONE]", Detection("unknown", "none", None)),
        ("Привет", Detection("unknown", "none", None)),
        ("شكرا", Detection("ar", "arabic", None)),
        ("thanks", Detection("en", "latin", None)),
        ("الـ order اتأخر", Detection("mixed", "mixed", "egyptian")),
        ("رمز OTP لم يصل", Detection("ar", "mixed", "msa")),
        ("رقمي [PHONE] شكرا", Detection("ar", "arabic", None)),  # placeholders are not Latin words
    ],
)
def test_script_and_unknown(text: str, expected: Detection) -> None:
    assert detect(normalize(text)) == expected


@pytest.mark.parametrize(
    ("text", "dialect"),
    [
        ("وش صار على الطلب؟ ابي اعرف الحين", "gulf"),
        ("الطلب حقي للحين ما وصل، تأخر حيل", "gulf"),
        ("شلونكم؟ الخدمة زينة وايد", "gulf"),
        ("وصلني غلط مب هذا اللي طلبته", "gulf"),
        ("عايز أعرف الشحنة فين دلوقتي", "egyptian"),
        ("الأوردر بتاعي لسه موصلش", "egyptian"),
        ("ازاي أوقف التجديد؟ كده مش معقول", "egyptian"),
        ("الموظف كان ذوق اوي، ليه التأخير ده؟", "egyptian"),
        ("أريد أن أعرف لماذا لم يصل الطلب حتى الآن", "msa"),
        ("ليس هذا ما طلبته، المنتج سيئ جداً", "msa"),
        ("يرجى التواصل معي بخصوص الفاتورة", "msa"),
        ("شكرا", None),  # no evidence
        ("السلام عليكم", None),
        ("مش زين", None),  # one Gulf and one Egyptian marker: a tie is no evidence
        ("3ayez a3raf el order feen", "egyptian"),  # Arabizi markers
        ("abi a3raf wesh sar", "gulf"),
        ("I want a refund", None),
    ],
)
def test_dialect_hint(text: str, dialect: str | None) -> None:
    assert detect(normalize(text)).dialect == dialect


def test_dialect_markers_match_every_normalised_spelling() -> None:
    """Markers are stored in all spellings the options can produce (taa marbuta, hamza)."""
    from integration_pipelines.lib.text.arabic import NormalizeOptions

    text = "جداً ليس هذا ما أريده الآن"
    for options in (NormalizeOptions(), NormalizeOptions(fold_taa_marbuta=True, fold_hamza=False)):
        assert detect(normalize(text, options)).dialect == "msa"
    assert detect("والحين وش السالفة").dialect == "gulf"  # و clitic


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        (
            "Hello 👨\u200d👩\u200d👧 family 👍🏽 🇸🇦 1️⃣ ❤️!!",
            ["hello", "👨\u200d👩\u200d👧", "family", "👍🏽", "🇸🇦", "1️⃣", "❤️"],
        ),
        ("😡😡😡", ["😡", "😡", "😡"]),
        ("شكرا😍", ["شكرا", "😍"]),
        ("ana 3ayez a3raf, ya 7abibi!", ["ana", "3ayez", "a3raf", "ya", "7abibi"]),
        ("Paid 1,250.00 SAR on 05/11/2026 at 10:30", ["paid", "1,250.00", "sar", "on", "05/11/2026", "at", "10:30"]),
        ("call [PHONE] or mail [EMAIL].", ["call", "[PHONE]", "or", "mail", "[EMAIL]"]),
        ("don't ORD-123", ["don't", "ord", "123"]),
        ("الطلب، رقم ٥ وصل؟", ["الطلب", "رقم", "٥", "وصل"]),
    ],
)
def test_tokenize(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


# ---------------------------------------------------------------- sandbox world, labelled by variety
EXPECTED = {
    "msa": "ar",
    "gulf": "ar",
    "egyptian": "ar",
    "english": "en",
    "arabizi": "arabizi",
    "code_switched": "mixed",
}


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(WorldConfig(tickets=1200, seed=11, anchor=datetime(2026, 1, 1, tzinfo=UTC)))


def test_language_matches_sandbox_varieties(world: World) -> None:
    messages = list(world.messages())
    results = preprocess_many(m.body for m in messages)
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for m, r in zip(messages, results, strict=True):
        total[m.variety] += 1
        right[m.variety] += r.language == EXPECTED[m.variety]
    assert len(messages) > 3000
    for variety, n in total.items():
        assert right[variety] / n >= 0.95, (variety, right[variety], n)


def test_dialect_hint_on_sandbox(world: World) -> None:
    messages = [m for m in world.messages() if m.variety in ("gulf", "egyptian", "msa")]
    results = preprocess_many(m.body for m in messages)
    for variety in ("gulf", "egyptian", "msa"):
        hints = [r.dialect for m, r in zip(messages, results, strict=True) if m.variety == variety]
        assert sum(h == variety for h in hints) / len(hints) >= 0.75, variety
        wrong = {"gulf", "egyptian"} - {variety}
        assert sum(h in wrong for h in hints) / len(hints) <= 0.05, variety  # rarely the other dialect
