"""HMAC checks shared by the vendors' schemes: constant-time, any of several secrets (rotation)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

from integration_pipelines.lib.webhooks.events import Rejected
from integration_pipelines.lib.webhooks.payloads import epoch_time

DEFAULT_TOLERANCE = timedelta(minutes=5)


def hmac_digest(secret: str, message: bytes, algorithm: Callable = hashlib.sha256) -> bytes:
    return hmac.new(secret.encode(), message, algorithm).digest()


def b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


def matches_any(given: str | None, expected: Iterable[str]) -> bool:
    """True when ``given`` equals one of ``expected``; every candidate is compared in constant time."""
    if not given:
        return False
    found = False
    for candidate in expected:
        found |= hmac.compare_digest(given.encode(), candidate.encode())
    return found


def require_signature(
    given: str | None, secrets: Sequence[str], sign: Callable[[str], Iterable[str]], header: str
) -> None:
    """Accept when ``given`` is what ``sign(secret)`` gives for any configured secret."""
    if not secrets:
        raise Rejected("forbidden", f"no webhook secret is configured for this vendor (header {header})")
    if not given:
        raise Rejected("signature", f"missing {header}")
    if not matches_any(given, (s for secret in secrets for s in sign(secret))):
        raise Rejected("signature", f"{header} does not match")


def require_fresh(sent_at: datetime, now: datetime, tolerance: timedelta = DEFAULT_TOLERANCE) -> None:
    """Refuse a delivery signed too long ago (or in the future): a captured request cannot be replayed later."""
    if abs(now - sent_at) > tolerance:
        raise Rejected("stale", f"signed at {sent_at.isoformat()}, outside {tolerance} of now")


def require_timestamped_hmac(
    header: str,
    value: str | None,
    secrets: Sequence[str],
    body: bytes,
    now: datetime,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> None:
    """The ``t=<unix>,v1=<hex>[,v1=<hex>...]`` scheme Stripe and Calendly share: each ``v1`` is
    hex(HMAC-SHA256(secret, "{t}." + body)); any ``v1`` matching any secret passes (several appear while a
    secret rolls), other schemes are ignored, and ``t`` must lie within ``tolerance`` of now."""
    pairs = [[side.strip() for side in item.split("=", 1)] for item in (value or "").split(",")]
    stamps = [p[1] for p in pairs if len(p) == 2 and p[0] == "t"]
    given = [p[1] for p in pairs if len(p) == 2 and p[0] == "v1" and p[1]]
    if len(stamps) != 1 or not stamps[0].isdigit() or not given:
        raise Rejected("signature", f"{header} is missing or not t=<unix>,v1=<hex>")
    message = f"{stamps[0]}.".encode() + body
    expected = [hmac_digest(secret, message).hex() for secret in secrets]
    matched = False
    for signature in given:  # every candidate compared, in constant time each
        matched |= matches_any(signature, expected)
    if not matched:
        raise Rejected("signature", f"{header} does not match")
    require_fresh(epoch_time(stamps[0], "t"), now, tolerance)


def secrets_from_environment(variables: Iterable[str]) -> list[str]:
    """Every secret in the given variables; each may hold several, comma-separated, while one rotates."""
    return [s.strip() for var in variables for s in os.environ.get(var, "").split(",") if s.strip()]
