"""Send webhook deliveries the way the vendors do: retry on non-2xx, timeouts and refused connections.

Every attempt re-builds the request (a fresh signature timestamp, the vendor's attempt counter) but
keeps the same event ids, so a receiver sees one event several times and must deduplicate it, as it
must with the real vendors. Waits double from ``backoff_seconds`` up to ``max_backoff_seconds``.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter, deque
from typing import Any

import httpx

from vendor_sandbox.changefeed.model import Delivery, DeliveryResult
from vendor_sandbox.changefeed.settings import WebhookSettings

RECENT = 200  # deliveries kept for GET /_sandbox/webhooks


class WebhookStats:
    """Per-vendor counts of delivered and failed deliveries and of attempts, plus the latest deliveries."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, Counter[str]] = {}
        self._recent: deque[DeliveryResult] = deque(maxlen=RECENT)

    def record(self, result: DeliveryResult) -> None:
        with self._lock:
            counts = self._counts.setdefault(result.vendor, Counter())
            counts[result.status] += 1
            counts["attempts"] += result.attempts
            counts["events"] += len(result.event_ids)
            self._recent.append(result)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            vendors = {
                name: {
                    "delivered": c["delivered"],
                    "failed": c["failed"],
                    "attempts": c["attempts"],
                    "events": c["events"],
                }
                for name, c in self._counts.items()
            }
            return {"vendors": vendors, "recent": [r.summary() for r in self._recent]}

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._recent.clear()


class Sender:
    """Delivers with retries; one shared HTTP client, created on first use inside the server's loop."""

    def __init__(self, settings: WebhookSettings, stats: WebhookStats) -> None:
        self.settings, self.stats = settings, stats
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.settings.timeout_seconds, follow_redirects=False)
        return self._client

    async def send(self, delivery: Delivery) -> DeliveryResult:
        result = DeliveryResult(delivery.vendor, delivery.url, delivery.event_ids)
        wait = self.settings.backoff_seconds
        for attempt in range(1, self.settings.attempts(delivery.vendor) + 1):
            if attempt > 1:
                await asyncio.sleep(wait)
                wait = min(wait * 2, self.settings.max_backoff_seconds)
            result.attempts = attempt
            body, headers = delivery.build(attempt)
            try:
                response = await self._http().post(delivery.url, content=body, headers=headers)
            except httpx.TimeoutException:
                result.outcomes.append("timeout")
                continue
            except httpx.HTTPError as exc:
                result.outcomes.append(type(exc).__name__)
                continue
            result.outcomes.append(str(response.status_code))
            if delivery.acknowledged(response):
                result.status = "delivered"
                break
        else:
            result.status = "failed"
        self.stats.record(result)
        return result

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
