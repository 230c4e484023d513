"""The receiver's Prometheus metrics, in a registry of its own (so tests and several apps never collide)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from integration_pipelines.lib.webhooks.inbox import Inbox


class InboxCollector(Collector):
    """Inbox depth and oldest unprocessed age, read from the inbox at scrape time (so they are true
    whichever process marked events processed)."""

    def __init__(self, inbox: Callable[[], Inbox]) -> None:
        self._inbox = inbox

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily(
            "webhook_inbox_unprocessed_events", "Events stored and not yet processed", labels=["vendor"]
        )
        age = GaugeMetricFamily(
            "webhook_inbox_oldest_unprocessed_age_seconds", "Age of the oldest unprocessed event", labels=["vendor"]
        )
        for vendor, (count, oldest) in sorted(self._inbox().depth().items()):
            depth.add_metric([vendor], count)
            age.add_metric([vendor], oldest)
        yield depth
        yield age


class ReceiverMetrics:
    def __init__(self, inbox: Callable[[], Inbox]) -> None:
        self.registry = CollectorRegistry()
        self.accepted = Counter(
            "webhook_events_accepted", "Events stored in the inbox", ["vendor"], registry=self.registry
        )
        self.duplicates = Counter(
            "webhook_events_duplicate",
            "Events already in the inbox (redeliveries), acknowledged and not stored again",
            ["vendor"],
            registry=self.registry,
        )
        self.rejected = Counter(
            "webhook_requests_rejected", "Requests refused, by reason", ["vendor", "reason"], registry=self.registry
        )
        self.registry.register(InboxCollector(inbox))
