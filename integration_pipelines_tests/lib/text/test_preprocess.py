"""End to end: order of operations, the result contract, no network, and the sandbox world's PII."""

from __future__ import annotations

import dataclasses
import re
import socket
from datetime import UTC, datetime

import pytest

from integration_pipelines.lib.text.arabic import NormalizeOptions, normalize
from integration_pipelines.lib.text.pii import iban_ok
from integration_pipelines.lib.text.preprocess import Preprocessed, preprocess, preprocess_many
from integration_pipelines_tests.lib.text.test_pii import make_iban
from vendor_sandbox import texts as sandbox_texts
from vendor_sandbox.world import World, WorldConfig, build_world

NO_PII = {"email": 0, "phone": 0, "card": 0, "iban": 0}


def test_result_contract() -> None:
    r = preprocess("السلاااام عليكم، الطلب #٤٥٦٧٨ ما وصل 😡😡 رقمي ٠٥٠١٢٣٤٥٦٧")
    assert r == Preprocessed(
        normalized="السلام عليكم، الطلب #45678 ما وصل 😡😡 رقمي [PHONE]",
        language="ar",
        script="arabic",
        dialect=None,
        pii_counts={"email": 0, "phone": 1, "card": 0, "iban": 0},
        tokens=("السلام", "عليكم", "الطلب", "45678", "ما", "وصل", "😡", "😡", "رقمي", "[PHONE]"),
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.language = "en"  # type: ignore[misc]


def test_redaction_happens_before_elongation() -> None:
    """Squeezing letters first would turn the bank code AAAA into AA and the IBAN would pass unseen."""
    iban = make_iban("GB", "AAAA60161331926819")
    assert not iban_ok(normalize(iban))  # what redaction would see in the wrong order
    r = preprocess(f"ابي احول على {iban} بسرعةةة")
    assert r.normalized == "ابي احول علي [IBAN] بسرعة"
    assert r.pii_counts["iban"] == 1


def test_redaction_happens_after_digit_folding() -> None:
    r = preprocess("كلموني على \u200f+٩٦٦\u00a0٥٠\u00a0١٢٣\u00a0٤٥٦٧\u200f او ۰۱۰۱۲۳۴۵۶۷۸")
    assert r.normalized == "كلموني علي [PHONE] او [PHONE]"
    assert r.pii_counts["phone"] == 2


def test_placeholders_survive_normalisation_and_tokens() -> None:
    r = preprocess("mail AHMED@X.COM or call 0501234567!!!")
    assert r.normalized == "mail [EMAIL] or call [PHONE]!!!"
    assert r.tokens == ("mail", "[EMAIL]", "or", "call", "[PHONE]")
    assert r.language == "en" and r.script == "latin"


def test_emoji_kept_in_text_and_tokens() -> None:
    r = preprocess("تمام 👨\u200d👩\u200d👧\u200b 👍🏽 شكرا")
    assert r.normalized == "تمام 👨\u200d👩\u200d👧 👍🏽 شكرا"
    assert r.tokens == ("تمام", "👨\u200d👩\u200d👧", "👍🏽", "شكرا")


def test_options_are_passed_through() -> None:
    assert preprocess("مدرسة", NormalizeOptions(fold_taa_marbuta=True)).normalized == "مدرسه"
    assert preprocess("مدرسة").normalized == "مدرسة"


def test_preprocess_many_matches_preprocess() -> None:
    texts = ["hi", "", "عايز refund", "ana 3ayez a3raf", "0501234567"]
    assert preprocess_many(iter(texts)) == [preprocess(t) for t in texts]
    assert preprocess_many([]) == []
    assert preprocess("").pii_counts == NO_PII


def test_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("text preprocessing must not touch the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert preprocess("الـ order اتأخر و the tracking مش شغال").language == "mixed"


# ---------------------------------------------------------------- the sandbox world
@pytest.fixture(scope="module")
def world() -> World:
    return build_world(WorldConfig(tickets=800, seed=3, anchor=datetime(2026, 1, 1, tzinfo=UTC)))


def _national(e164: str) -> str:
    """The national significant number of a sandbox E.164 phone (what every rendering contains)."""
    for cc, *_ in sandbox_texts.PHONE_PLANS.values():
        if e164.startswith("+" + cc):
            return e164[1 + len(cc) :]
    raise AssertionError(e164)


def test_world_people_contacts_never_survive(world: World) -> None:
    messages = list(world.messages())
    assert len(messages) >= 2000
    emails = [p.email.lower() for p in world.people]
    nationals = [_national(p.phone) for p in world.people if p.phone]
    results = preprocess_many(m.body for m in messages)
    seen_email = seen_phone = 0
    for m, r in zip(messages, results, strict=True):
        raw_digits = re.sub(r"(?<=\d)[ \-]+(?=\d)", "", normalize(m.body))
        out = r.normalized.lower()
        out_digits = re.sub(r"(?<=\d)[ \-.()]+(?=\d)", "", out)
        for email in emails:
            if email in m.body.lower():
                seen_email += 1
                assert email not in out, m.body
        for national in nationals:
            if national in raw_digits:
                seen_phone += 1
                assert national not in out_digits, m.body
        assert not re.search(r"\w@\w+\.\w", out), m.body  # no other address (alt emails) survives either
    assert seen_email > 20 and seen_phone > 20  # the check really ran on messages with contacts


def test_world_normalised_text_is_stable(world: World) -> None:
    """Preprocessing its own output changes nothing (idempotent end to end)."""
    for m in list(world.messages())[:2000]:
        once = preprocess(m.body).normalized
        assert preprocess(once).normalized == once
