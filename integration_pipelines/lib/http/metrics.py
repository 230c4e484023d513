"""Per-run request metrics, reported as numeric materialization metadata."""

from __future__ import annotations

import statistics
import threading
from dataclasses import dataclass, field


@dataclass
class RequestMetrics:
    """Counters for one client's lifetime (one asset run); safe to update from several threads."""

    requests: int = 0
    retries: int = 0
    throttled: int = 0
    server_errors: int = 0
    transport_errors: int = 0
    malformed_bodies: int = 0
    bytes_received: int = 0
    rate_limit_wait_seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record_response(self, elapsed_ms: float, size: int) -> None:
        with self._lock:
            self.requests += 1
            self.bytes_received += size
            self.latencies_ms.append(elapsed_ms)

    def record_failure(self, kind: str) -> None:
        """Count a failed attempt: ``throttled``, ``server_errors``, ``transport_errors`` or ``malformed_bodies``."""
        with self._lock:
            setattr(self, kind, getattr(self, kind) + 1)
            if kind == "transport_errors":
                self.requests += 1

    def record_retry(self) -> None:
        with self._lock:
            self.retries += 1

    def record_wait(self, seconds: float) -> None:
        with self._lock:
            self.rate_limit_wait_seconds += seconds

    def percentile(self, q: float) -> float:
        with self._lock:
            data = sorted(self.latencies_ms)
        return _percentile(data, q)

    def as_dict(self) -> dict[str, float | int]:
        """One consistent reading, even while other threads still record (every number from one moment)."""
        with self._lock:
            counts = {
                "requests": self.requests,
                "retries": self.retries,
                "http_429s": self.throttled,
                "http_5xx": self.server_errors,
                "transport_errors": self.transport_errors,
                "malformed_bodies": self.malformed_bodies,
                "bytes_received": self.bytes_received,
            }
            data, waited = sorted(self.latencies_ms), self.rate_limit_wait_seconds
        return {
            **counts,
            "latency_p50_ms": round(_percentile(data, 50), 2),
            "latency_p95_ms": round(_percentile(data, 95), 2),
            "rate_limit_wait_s": round(waited, 3),
        }


def _percentile(data: list[float], q: float) -> float:
    """The ``q``-th percentile of sorted ``data`` (0 when empty)."""
    if not data:
        return 0.0
    if len(data) == 1:
        return data[0]
    return statistics.quantiles(data, n=100, method="inclusive")[int(q) - 1]
