"""Keeps secrets out of logs, metadata and exception text.

Two layers: structural redaction (sensitive header names and query-string keys are masked wherever
they appear) and literal redaction (the resource registers the secret values it holds, so they are
masked even inside free text such as a vendor's error body or a chained exception message).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

MASK = "***"

SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key"})
# A name is sensitive when one of its words is listed, or when it contains one of the fragments.
SENSITIVE_NAME_WORDS = frozenset({"key", "sig", "code", "auth", "session", "assertion", "credential"})
SENSITIVE_NAME_FRAGMENTS = ("token", "secret", "password", "passwd", "apikey", "signature")

_KEY_VALUE_IN_TEXT = re.compile(
    r"(?i)\b([\w-]*(?:token|secret|password|passwd|api[_-]?key|apikey|assertion)[\w-]*)"
    r"([\"']?\s*[=:]\s*[\"']?)([^\s\"'&,;}]+)"
)
_BEARER_IN_TEXT = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}")


def is_sensitive_name(name: str) -> bool:
    """True for header names and query keys that carry credentials (``api_key``, ``X-Auth-Token``)."""
    lowered = name.lower()
    if lowered in SENSITIVE_HEADERS:
        return True
    if any(fragment in lowered.replace("_", "").replace("-", "") for fragment in SENSITIVE_NAME_FRAGMENTS):
        return True
    return any(word in SENSITIVE_NAME_WORDS for word in re.split(r"[^a-z0-9]+", lowered))


class Redactor:
    """Masks registered secret values and sensitive names; cheap enough to run on every log line."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._literals: list[str] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Register a secret and the encodings it travels in (URL-quoted, Basic-auth base64)."""
        if not secret or len(secret) < 4:
            return
        variants = {secret, quote(secret, safe=""), quote_plus(secret)}
        variants.add(base64.b64encode(secret.encode()).decode().rstrip("="))
        for variant in variants:
            if variant and variant not in self._literals:
                self._literals.append(variant)
        self._literals.sort(key=len, reverse=True)

    def text(self, value: str) -> str:
        """Redact free text: literals first, then `key=value` pairs and bearer/basic credentials."""
        for literal in self._literals:
            if literal in value:
                value = value.replace(literal, MASK)
        value = _KEY_VALUE_IN_TEXT.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", value)
        return _BEARER_IN_TEXT.sub(lambda m: f"{m.group(1)} {MASK}", value)

    def url(self, url: str) -> str:
        """Mask sensitive query-string values and userinfo in a URL."""
        parts = urlsplit(str(url))
        netloc = parts.netloc
        if "@" in netloc:
            netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            query = urlencode([(k, MASK if is_sensitive_name(k) else v) for k, v in pairs], safe="*")
        return self.text(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        return {k: (MASK if is_sensitive_name(k) else self.text(v)) for k, v in headers.items()}
