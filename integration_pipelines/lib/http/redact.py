"""Keeps secrets out of logs, metadata and exception text.

Two layers: structural redaction (sensitive header names and query-string keys are masked wherever
they appear) and literal redaction (the resource registers the secret values it holds, so they are
masked even inside free text such as a vendor's error body or a chained exception message).

A hostile or merely careless server echoes a credential in whatever encoding its framework likes:
JSON writes ``/`` as ``\\/`` or any character as ``\\u002f``, URLs quote it (upper- or lower-case
hex, ``+`` for a space), Basic auth base64-encodes it inside ``user:secret`` (so the secret starts at
any of three byte offsets of the encoded stream). Listing literal variants misses mixtures, so each
secret becomes one regular expression in which every character may appear in any of its escapes;
base64 forms are the stretch of the encoding whose bits come from the secret alone, at each offset.
The pattern is a flat sequence of small alternations (no nested repetition), so matching stays
linear in the text and cheap enough for every log line.

Redact before cutting: a body cut first can end inside a secret, and a cut secret no longer matches.
Every :class:`Redactor` also registers its secrets in the process-wide registry
(:mod:`integration_pipelines.lib.secrets`), which our exceptions and loggers consult.
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Iterable, Mapping
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
MIN_SECRET_CHARS = 4
MIN_BASE64_CORE = 6  # shorter stretches of an encoding would mask innocent text too often

SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key"})
# A name is sensitive when one of its words is listed, or when it contains one of the fragments.
SENSITIVE_NAME_WORDS = frozenset({"key", "sig", "code", "auth", "session", "assertion", "credential"})
SENSITIVE_NAME_FRAGMENTS = ("token", "secret", "password", "passwd", "apikey", "signature")

_KEY_VALUE_IN_TEXT = re.compile(
    r"(?i)\b([\w-]*(?:token|secret|password|passwd|api[_-]?key|apikey|assertion)[\w-]*)"
    r"([\"']?\s*[=:]\s*[\"']?)([^\s\"'&,;}]+)"
)
_BEARER_IN_TEXT = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}")
_JSON_SHORT_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "/": "\\/",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
_BASE64_TWINS = {"+": "-", "/": "_", "-": "+", "_": "/"}  # standard and URL-safe alphabets differ only here


def is_sensitive_name(name: str) -> bool:
    """True for header names and query keys that carry credentials (``api_key``, ``X-Auth-Token``)."""
    lowered = name.lower()
    if lowered in SENSITIVE_HEADERS:
        return True
    if any(fragment in lowered.replace("_", "").replace("-", "") for fragment in SENSITIVE_NAME_FRAGMENTS):
        return True
    return any(word in SENSITIVE_NAME_WORDS for word in re.split(r"[^a-z0-9]+", lowered))


def _hex(text: str) -> str:
    """``text`` (hex digits) as a pattern matching either case: ``2f`` -> ``2[fF]``."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in text)


def _unicode_escape(char: str) -> str:
    """``\\uXXXX`` (a surrogate pair beyond the BMP), as JSON writes it with ``ensure_ascii``."""
    code = ord(char)
    if code < 0x10000:
        return r"\\u" + _hex(f"{code:04x}")
    code -= 0x10000
    return r"\\u" + _hex(f"{0xD800 + (code >> 10):04x}") + r"\\u" + _hex(f"{0xDC00 + (code & 0x3FF):04x}")


def _char(char: str, *, base64_alphabet: bool = False) -> str:
    """Every way one character of a secret may be written: raw, JSON-escaped, percent-encoded."""
    raws = {char}
    if base64_alphabet and char in _BASE64_TWINS:
        raws.add(_BASE64_TWINS[char])
    options = [re.escape(raw) for raw in sorted(raws)]
    for raw in sorted(raws):
        if raw in _JSON_SHORT_ESCAPES:
            options.append(re.escape(_JSON_SHORT_ESCAPES[raw]))
        options.append(_unicode_escape(raw))
        options.append("".join("%" + _hex(f"{byte:02x}") for byte in raw.encode()))
    if char == " ":
        options.append(r"\+")  # quote_plus
    return "(?:" + "|".join(options) + ")"


def base64_cores(secret: str) -> list[str]:
    """The characters of the secret's base64 encoding that depend on the secret alone, for each of
    the three byte offsets it can start at inside a longer encoded value (``user:secret``)."""
    data = secret.encode()
    cores = []
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data + b"\0\0").decode()
        first = -(-offset * 8 // 6)  # first character whose six bits all come from the secret
        last = (offset + len(data)) * 8 // 6  # one past the last such character
        core = encoded[first:last]
        if len(core) >= MIN_BASE64_CORE:
            cores.append(core)
    return cores


def secret_pattern(secret: str) -> str:
    """One alternation matching ``secret`` raw or escaped, and its base64 forms, in any mixture."""
    forms = ["".join(_char(c) for c in secret)]
    forms += ["".join(_char(c, base64_alphabet=True) for c in core) for core in base64_cores(secret)]
    return "|".join(f"(?:{form})" for form in forms)


@lru_cache(maxsize=1024)
def _compiled(secret: str) -> re.Pattern[str]:
    """One secret's pattern, compiled once per process: a private key (1.7k characters, each in every
    encoding) takes a quarter of a second to compile, and every client a resource opens, like the
    process-wide registry, holds the same few secrets. Redactors apply their secrets' patterns one
    after another rather than as one alternation, which would be compiled again for every new secret."""
    return re.compile(secret_pattern(secret))


class Redactor:
    """Masks registered secret values and sensitive names; cheap enough to run on every log line.

    ``share`` (the default) also registers each secret process-wide, so exception messages and log
    records written far from the client that knows the secret are masked too.
    """

    def __init__(self, secrets: Iterable[str | None] = (), *, share: bool = True) -> None:
        self._secrets: list[str] = []
        self._patterns: tuple[re.Pattern[str], ...] = ()
        self._lock = threading.Lock()
        self._share = share
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Register a secret; every encoding it travels in is matched (see the module docstring)."""
        if not secret or len(secret) < MIN_SECRET_CHARS:
            return
        with self._lock:
            if secret in self._secrets:
                return
            self._secrets.append(secret)
            # longest first, so a Basic-auth pair is masked whole rather than around its secret
            ordered = sorted(self._secrets, key=len, reverse=True)
            self._patterns = tuple(_compiled(s) for s in ordered)
        if self._share:
            from integration_pipelines.lib import secrets as registry

            registry.register(secret)

    def secrets(self, value: str) -> str:
        """Mask only the registered secret values (every encoding); other text is left as it is."""
        for pattern in self._patterns:
            value = pattern.sub(MASK, value)
        return value

    def text(self, value: str) -> str:
        """Redact free text: secret values first, then `key=value` pairs and bearer/basic credentials."""
        value = self.secrets(value)
        value = _KEY_VALUE_IN_TEXT.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", value)
        return _BEARER_IN_TEXT.sub(lambda m: f"{m.group(1)} {MASK}", value)

    def snippet(self, value: str, limit: int) -> str:
        """``value`` redacted, then cut to ``limit`` characters: the order that leaves no half secret."""
        return cut(self.text(value), limit)

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


def cut(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` characters with an ellipsis; only ever call on redacted text."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"
