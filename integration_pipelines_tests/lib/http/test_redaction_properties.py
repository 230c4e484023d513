"""No encoding, offset or alphabet lets a registered secret through the Redactor, nor a cut snippet.

Secrets are drawn from alphabets with the characters escapes treat specially (``/ + = - _ . %``,
quotes, backslashes, spaces, non-ASCII up to emoji), planted at random offsets in random bodies in
each encoding a server might use (or a character-by-character mixture of escapes), and read back by
an oracle that decodes the output every way an attacker could.
"""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integration_pipelines.lib import secrets as registry
from integration_pipelines.lib.http.errors import IntegrationError, RetryBudgetExhaustedError
from integration_pipelines.lib.http.redact import MASK, Redactor
from integration_pipelines_tests.fixtures.leaks import ENCODINGS, readable

SECRET_ALPHABET = st.sampled_from(
    list("abcXYZ0189") + list("/+=-_.%~:@") + ['"', "\\", " ", "é", "ü", "中", "😀", "\n"]
)
secrets_st = st.text(SECRET_ALPHABET, min_size=8, max_size=40)
bodies = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=400)
# for the cut test, whose oracle looks for any 8 characters of the secret: none may come from the body
foreign_bodies = st.text(st.sampled_from("defghijklmnopqrstuvw{}[],;<>!?#\t"), max_size=400)


def _mixed(draw: st.DrawFn, secret: str) -> str:
    """Each character in an escape of its own: raw, ``\\uXXXX``, ``%XX`` (either case), ``\\/``."""
    out = []
    for char in secret:
        options = [char, json.dumps(char)[1:-1], quote(char, safe="")]
        if ord(char) < 0x10000:
            options += [f"\\u{ord(char):04x}", f"\\u{ord(char):04X}"]
        options.append(re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(char, safe="")))
        if char == "/":
            options.append("\\/")
        out.append(draw(st.sampled_from(options)))
    return "".join(out)


@st.composite
def planted(draw: st.DrawFn, body_text: st.SearchStrategy[str] = bodies) -> tuple[str, str]:
    secret = draw(secrets_st)
    name = draw(st.sampled_from([*ENCODINGS, "mixed"]))
    encoded = _mixed(draw, secret) if name == "mixed" else ENCODINGS[name](secret)
    body = draw(body_text)
    at = draw(st.integers(0, len(body)))
    return secret, body[:at] + encoded + body[at:]


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(planted())
def test_no_planted_secret_survives_redaction(case: tuple[str, str]) -> None:
    secret, body = case
    out = Redactor([secret], share=False).text(body)
    assert not readable(secret, out), (secret, body, out)


@settings(max_examples=300, deadline=None)
@given(planted(foreign_bodies), st.integers(1, 120))
def test_a_cut_snippet_keeps_no_piece_of_the_secret(case: tuple[str, str], limit: int) -> None:
    """The probe's finding: a body cut before redaction kept 24 of a token's 25 characters."""
    secret, body = case
    out = Redactor([secret], share=False).snippet(body, limit)
    assert len(out) <= limit
    assert not readable(secret, out, window=8), (secret, body, out)


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=300))
def test_text_without_secrets_is_left_alone(body: str) -> None:
    """A redactor that masked everything would pass the tests above; innocent text must survive."""
    redactor = Redactor(["s3cr3t/Token+with=chars"], share=False)
    assert redactor.secrets(body) == body


def test_every_alignment_of_a_basic_auth_pair_is_masked() -> None:
    secret = "tok/en+value=0123456789"
    redactor = Redactor([secret], share=False)
    for name in ("base64_basic_1", "base64_basic_2", "base64_urlsafe_0", "base64_json"):
        out = redactor.text(f"echo: {ENCODINGS[name](secret)} end")
        assert MASK in out and not readable(secret, out), (name, out)


def test_registered_secrets_leave_our_exceptions_and_their_chains() -> None:
    secret = "registry-secret/with+slash=0042"
    registry.register(secret)
    try:
        raise ValueError(f"vendor said {secret.replace('/', chr(92) + '/')}")
    except ValueError as cause:
        try:
            raise RetryBudgetExhaustedError("intercom", f"gave up: {quote(secret, safe='')}") from cause
        except IntegrationError as error:
            text = str(error)
            chained = str(error.__cause__)
    assert text == "[intercom] gave up: ***"
    assert not readable(secret, text) and not readable(secret, chained), chained


def test_records_of_our_loggers_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    secret = "logged-secret/token+0099"
    registry.register(secret)
    caplog.set_level(logging.INFO)
    child = logging.getLogger("integration_pipelines.some.child")  # not the logger the filter sits on
    child.info("token %s and %s", secret, json.dumps({"t": secret}))
    try:
        raise RuntimeError(f"boom {secret}")
    except RuntimeError:
        child.exception("failed")
    text = caplog.text
    assert "token ***" in text and "boom ***" in text
    assert not readable(secret, text)
