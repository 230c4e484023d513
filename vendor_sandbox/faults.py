"""Fault injection for the sandbox: the failures real vendor APIs produce, on demand.

Rates are probabilities per request; a drawn 429 starts a burst of consecutive 429s, as a vendor's
throttle does. Settable at start (CLI flags) and at run time (``PUT /_sandbox/faults``). A "trickle"
sends the headers at once and then the body one byte every ``trickle_interval_seconds`` until the
client gives up: no read ever times out, only a total deadline ends it. It is outside
``FAULT_ORDER``, so ``mixed()`` leaves it off (a client without a deadline would never finish).
"""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Literal

from pydantic import BaseModel, Field

Fault = Literal["429", "500", "503", "slow", "drop", "truncate", "trickle"]
FAULT_ORDER: tuple[Fault, ...] = ("429", "500", "503", "slow", "drop", "truncate")
DRAWN: tuple[Fault, ...] = (*FAULT_ORDER, "trickle")


class FaultConfig(BaseModel):
    """Probabilities (0..1) of each fault per request, and their shape."""

    rate_429: float = Field(0.0, ge=0, le=1)
    burst_429: int = Field(3, ge=1, description="consecutive 429s once one is drawn")
    rate_500: float = Field(0.0, ge=0, le=1)
    rate_503: float = Field(0.0, ge=0, le=1)
    rate_slow: float = Field(0.0, ge=0, le=1)
    slow_seconds: float = Field(2.0, ge=0)
    rate_drop: float = Field(0.0, ge=0, le=1, description="connection closed mid-body")
    rate_truncate: float = Field(0.0, ge=0, le=1, description="200 with a cut-off JSON body")
    rate_trickle: float = Field(0.0, ge=0, le=1, description="body sent one byte at a time, slowly")
    trickle_interval_seconds: float = Field(3.0, gt=0, description="pause between a trickle's bytes")
    retry_after_seconds: int = Field(1, ge=0)
    retry_after_format: Literal["seconds", "http-date"] = "seconds"
    seed: int = 0

    @classmethod
    def mixed(cls, rate: float, **overrides: object) -> FaultConfig:
        """Every fault type at the same rate (e.g. 0.1 for the 10 % mix)."""
        values: dict[str, object] = {f"rate_{name}": rate for name in FAULT_ORDER}
        values.update(overrides)
        return cls.model_validate(values)

    def total_rate(self) -> float:
        return sum(getattr(self, f"rate_{name}") for name in DRAWN)


class FaultInjector:
    """Draws the fault (or none) for each request; thread-safe and seeded for repeatable runs."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self.configure(config or FaultConfig())

    def configure(self, config: FaultConfig) -> None:
        if config.total_rate() > 1.0:
            raise ValueError("fault rates add up to more than 1")
        with self._lock:
            self.config = config
            self._rng = random.Random(config.seed)
            self._burst_left = 0
            self._draw_rates = self._per_draw_rates(config)

    @staticmethod
    def _per_draw_rates(config: FaultConfig) -> dict[str, float]:
        """Rates per *draw* so that each configured rate holds per *request*.

        A drawn 429 answers ``b`` requests (its burst), so bursts start with probability
        ``r / (b - r(b-1))`` and the other rates grow by ``b / (b - r(b-1))`` to compensate.
        """
        r, b = config.rate_429, config.burst_429
        denominator = b - r * (b - 1)
        rates = {name: getattr(config, f"rate_{name}") * b / denominator for name in DRAWN}
        rates["429"] = r / denominator
        return rates

    def draw(self) -> Fault | None:
        with self._lock:
            if self._burst_left > 0:
                self._burst_left -= 1
                return "429"
            roll = self._rng.random()
            for name in DRAWN:
                rate = self._draw_rates[name]
                if roll < rate:
                    if name == "429":
                        self._burst_left = self.config.burst_429 - 1
                    return name
                roll -= rate
            return None

    def retry_after(self, seconds: int | None = None) -> str:
        """The Retry-After value in the configured format."""
        wait = self.config.retry_after_seconds if seconds is None else seconds
        if self.config.retry_after_format == "http-date":
            return format_datetime(datetime.now(UTC) + timedelta(seconds=wait), usegmt=True)
        return str(wait)


def retry_after_seconds(value: str) -> float:
    """The wait a Retry-After value written by ``FaultInjector.retry_after`` stands for (seconds or HTTP date).

    Dialects whose vendor reports the wait differently (e.g. Intercom's reset time) convert from it.
    """
    if value.isdigit():
        return float(value)
    return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
