"""When to retry, and how long to wait.

Backoff is exponential with full jitter (so parallel clients do not retry in lockstep); a server's
``Retry-After`` (seconds or HTTP date) or rate-limit reset always wins over our own guess.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
RETRYABLE_EXCEPTIONS: tuple[type[Exception], ...] = (
    httpx.TimeoutException,  # connect/read/write/pool timeouts
    httpx.NetworkError,  # connection refused, reset, dropped mid-body
    httpx.RemoteProtocolError,  # server closed the connection without a complete response
)


@dataclass(frozen=True)
class RetryPolicy:
    """Limits on retrying: per request (``max_attempts``) and per client run (``budget``)."""

    max_attempts: int = 8
    budget: int = 200
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 600.0  # a longer server-requested wait fails the run instead

    def backoff(self, retry_number: int, rng: random.Random | None = None) -> float:
        """Full-jitter exponential delay for the n-th retry (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (retry_number - 1)))
        return (rng or random).uniform(ceiling / 2, ceiling)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date; None if absent/bad."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def is_retryable_status(status_code: int) -> bool:
    return status_code in RETRYABLE_STATUS
