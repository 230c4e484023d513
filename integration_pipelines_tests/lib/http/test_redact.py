"""Secrets never survive redaction, whatever shape they travel in; ordinary values do."""

import base64

import pytest

from integration_pipelines.lib.http.redact import MASK, Redactor, is_sensitive_name

SECRET = "s3cr3t-Token/with+chars="


@pytest.mark.parametrize(
    "name",
    [
        "Authorization",
        "proxy-authorization",
        "Cookie",
        "X-Api-Key",
        "api_key",
        "access_token",
        "hapikey",
        "client_secret",
        "password",
        "X-Auth-Token",
        "signature",
        "sig",
        "code",
        "refresh_token",
    ],
)
def test_sensitive_names(name: str) -> None:
    assert is_sensitive_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "per_page",
        "cursor",
        "start_time",
        "X-Rate-Limit-Remaining",
        "limit",
        "after",
        "Content-Type",
        "ratelimit-reset",
        "include",
    ],
)
def test_ordinary_names_are_kept(name: str) -> None:
    assert not is_sensitive_name(name)


def test_literal_secret_in_every_encoding_is_masked() -> None:
    redactor = Redactor([SECRET])
    encoded = base64.b64encode(SECRET.encode()).decode().rstrip("=")
    text = f"token {SECRET} quoted s3cr3t-Token%2Fwith%2Bchars%3D b64 {encoded}"
    out = redactor.text(text)
    assert SECRET not in out and "s3cr3t-Token%2F" not in out and encoded not in out
    assert out.count(MASK) == 3


def test_url_query_keys_and_userinfo_masked_but_paging_kept() -> None:
    url = "https://user:pw@acme.example.com/api?api_key=abc123&per_page=100&cursor=xyz&access_token=t0k"
    out = Redactor().url(url)
    assert "abc123" not in out and "t0k" not in out and "user:pw" not in out
    assert "per_page=100" in out and "cursor=xyz" in out


def test_headers_masked_by_name() -> None:
    out = Redactor().headers({"Authorization": "Basic Zm9vOmJhcg==", "Accept": "application/json"})
    assert out == {"Authorization": MASK, "Accept": "application/json"}


def test_free_text_credentials_masked() -> None:
    out = Redactor().text('failed: password=hunter22 and "api_key": "k-999" with Bearer abcdefghijkl')
    assert "hunter22" not in out and "k-999" not in out and "abcdefghijkl" not in out


def test_short_or_empty_secrets_are_ignored_not_masking_everything() -> None:
    redactor = Redactor(["", None, "ab"])
    assert redactor.text("abc tickets") == "abc tickets"
