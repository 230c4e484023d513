"""Proactive rate limiting: a token bucket per vendor limit, tightened by what responses say.

The bucket starts from the vendor's published limit, so a well-configured sync paces itself
instead of hitting 429s; each response's rate-limit headers (remaining, reset) then correct it,
because the vendor's window may be shared with other clients of the same account.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimit:
    """A vendor's published limit: ``requests`` per ``per_seconds``."""

    requests: float
    per_seconds: float

    @property
    def rate(self) -> float:
        return self.requests / self.per_seconds

    @classmethod
    def paced(cls, per_second: float, burst_seconds: float, headroom: float) -> RateLimit:
        """A client's bucket under a vendor allowing ``per_second``: a burst of ``burst_seconds`` of the allowance
        (at least one request), refilled at ``headroom`` (< 1) of the rate, so whatever window the vendor counts
        in stays below its limit, with room for latency jitter and other integrations on the same account."""
        burst = max(1.0, per_second * burst_seconds)
        return cls(burst, burst / (headroom * per_second))

    def __str__(self) -> str:
        """As an operator reads it: ``10 requests/min``, ``5 requests/s``, ``100 requests per 10 s``."""
        unit = {1.0: "/s", 60.0: "/min", 3600.0: "/h"}.get(float(self.per_seconds))
        return f"{self.requests:g} requests{unit or f' per {self.per_seconds:g} s'}"


@dataclass(frozen=True)
class RateLimitState:
    """What one response said about the window: remaining requests and seconds until it resets."""

    limit: float | None = None
    remaining: float | None = None
    reset_after: float | None = None


class TokenBucket:
    """Thread-safe token bucket; ``acquire`` blocks until a request may go out.

    Several threads may send through one bucket (a vendor's objects pulled at once). A response's
    ``remaining`` was counted before the requests still in flight beside it reached the vendor, so
    ``observe`` subtracts those: each thread holds at most one request in flight (the client is
    synchronous), counted from its ``acquire`` until its ``observe`` or its next ``acquire``."""

    def __init__(
        self,
        limit: RateLimit | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        name: str = "default",
        on_wait: Callable[[float, str], None] | None = None,
    ) -> None:
        """``on_wait(seconds, what)`` is told before each sleep what it waits for (see ``progress.py``)."""
        self.limit = limit
        self.name = name
        self._on_wait = on_wait
        self._blocked_by = ""
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._capacity = float(limit.requests) if limit else 0.0
        self._tokens = self._capacity
        self._updated = clock()
        self._blocked_until = 0.0
        self.waited_seconds = 0.0
        self.last_state = RateLimitState()
        self._in_flight: set[int] = set()  # threads whose request has been sent but not yet answered

    def acquire(self) -> float:
        """Take one token, sleeping as needed; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                self._refill(now)
                delay = max(0.0, self._blocked_until - now)
                if delay == 0.0 and (self.limit is None or self._tokens >= 1.0):
                    if self.limit is not None:
                        self._tokens -= 1.0
                    self._in_flight.add(threading.get_ident())
                    self.waited_seconds += waited
                    return waited
                reason = self._blocked_by if delay > 0.0 else ""
                if delay == 0.0 and self.limit is not None:
                    delay = (1.0 - self._tokens) / self.limit.rate
            if self._on_wait is not None:
                self._on_wait(delay, self.describe(reason))
            self._sleep(delay)
            waited += delay

    def observe(self, state: RateLimitState) -> None:
        """Tighten the bucket to what the server reports, less the requests other threads have in flight;
        never loosen it beyond the published limit."""
        with self._lock:
            self._in_flight.discard(threading.get_ident())
            if state.remaining is None and state.reset_after is None:
                return
            self.last_state = state
            now = self._clock()
            self._refill(now)
            left = None if state.remaining is None else state.remaining - len(self._in_flight)
            if left is not None and self.limit is not None:
                self._tokens = min(self._tokens, max(0.0, left))
            if left is not None and left <= 0 and state.reset_after:
                self._block(now + state.reset_after, "the vendor reports none left until its window resets")

    def pause(self, seconds: float, reason: str = "HTTP 429 with Retry-After") -> None:
        """Hold every request on this bucket for ``seconds`` (a 429's Retry-After)."""
        with self._lock:
            now = self._clock()
            self._block(now + seconds, f"{reason}: {seconds:g} s")
            self._tokens = 0.0

    def describe(self, reason: str = "") -> str:
        """What a wait on this bucket is for: ``the incremental budget (10 requests/min; why)``."""
        details = "; ".join(part for part in (str(self.limit) if self.limit else "", reason) if part)
        return f"the {self.name} budget" + (f" ({details})" if details else "")

    def _block(self, until: float, reason: str) -> None:
        if until > self._blocked_until:
            self._blocked_until, self._blocked_by = until, reason

    def _refill(self, now: float) -> None:
        if self.limit is not None:
            elapsed = max(0.0, now - self._updated)
            self._tokens = min(self._capacity, self._tokens + elapsed * self.limit.rate)
        self._updated = now


@dataclass(frozen=True)
class RateLimitHeaders:
    """Which response headers carry a vendor's rate-limit state, and how its reset is expressed."""

    limit: tuple[str, ...] = ()
    remaining: tuple[str, ...] = ()
    reset: tuple[str, ...] = ()
    reset_is_epoch: bool = False  # Intercom sends a Unix time; most vendors send seconds
    reset_in_milliseconds: bool = False

    def read(self, headers: Mapping[str, str], now: float | None = None) -> RateLimitState:
        remaining = _first_number(headers, self.remaining)
        reset = _first_number(headers, self.reset)
        if reset is not None:
            if self.reset_in_milliseconds:
                reset /= 1000.0
            if self.reset_is_epoch:
                reset = max(0.0, reset - (now if now is not None else time.time()))
        return RateLimitState(limit=_first_number(headers, self.limit), remaining=remaining, reset_after=reset)


def _first_number(headers: Mapping[str, str], names: tuple[str, ...]) -> float | None:
    for name in names:
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            return float(raw.split(",")[0].strip())
        except ValueError:
            continue
    return None
