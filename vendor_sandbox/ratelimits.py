"""Server-side rate limits for the sandbox: fixed windows per credential, as vendors count them."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """A vendor's published limit, as the sandbox enforces it: ``requests`` per ``per_seconds`` window."""

    requests: int
    per_seconds: float


@dataclass(frozen=True)
class WindowState:
    """The counters a response reports in its rate-limit headers."""

    limit: int
    remaining: int
    reset_after: int  # whole seconds until the window resets
    allowed: bool
    group: str = "default"  # which of the dialect's limits this request counted against
    window_seconds: float = 0.0  # the window in force (shortened when tests scale it)


class FixedWindowLimiter:
    """Counts requests per (group, credential) in windows of ``per_seconds``.

    ``scale`` multiplies every published limit (``None`` turns limits off, for unit tests);
    ``window_scale`` shortens the windows so tests can watch limits reset in seconds, not minutes.
    """

    def __init__(self, limits: dict[str, Limit], scale: float | None = 1.0, window_scale: float = 1.0) -> None:
        self._limits = limits
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], tuple[float, int]] = {}
        self.scale = scale
        self.window_scale = window_scale

    def set_scale(self, scale: float | None, window_scale: float = 1.0) -> None:
        with self._lock:
            self.scale = scale
            self.window_scale = window_scale
            self._windows.clear()

    def hit(self, group: str, credential: str) -> WindowState | None:
        limit = self._limits.get(group)
        if limit is None or self.scale is None:
            return None
        allowed_per_window = max(1, int(limit.requests * self.scale))
        window = limit.per_seconds * self.window_scale
        now = time.monotonic()
        with self._lock:
            started, used = self._windows.get((group, credential), (now, 0))
            if now - started >= window:
                started, used = now, 0
            allowed = used < allowed_per_window
            if allowed:
                used += 1
            self._windows[(group, credential)] = (started, used)
        reset = max(1, math.ceil(window - (now - started)))
        return WindowState(allowed_per_window, allowed_per_window - used, reset, allowed, group, window)
