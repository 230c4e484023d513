"""The shapes the change feed passes between a dialect, its webhook format and the sender."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import httpx

if TYPE_CHECKING:
    from vendor_sandbox.dialect import Dialect

KINDS = ("new_message", "status_change", "delete")


class ChangeError(ValueError):
    """A change the vendor cannot make or announce (answered with 422), e.g. nothing left to change."""


@dataclass(frozen=True)
class Change:
    """One change, as made in a dialect's data and announced by one webhook event.

    ``record_id`` is the id the vendor's REST API shows, so a test can fetch exactly that record;
    ``item`` is what the webhook carries about it (vendor-specific, built when the change was made,
    because a retry must resend the same facts even if the record changed again meanwhile).
    """

    vendor: str
    kind: str
    object: str
    record_id: str
    at: datetime
    event_id: str
    topic: str
    item: Mapping[str, Any] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "vendor": self.vendor,
            "kind": self.kind,
            "object": self.object,
            "record_id": self.record_id,
            "at": self.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "event_id": self.event_id,
            "topic": self.topic,
            **self.details,
        }


@dataclass(frozen=True)
class Delivery:
    """One HTTP request to send, built afresh per attempt (timestamps, attempt counters, signatures)."""

    vendor: str
    url: str
    event_ids: tuple[str, ...]
    build: Callable[[int], tuple[bytes, dict[str, str]]]  # attempt number (1-based) → body, headers
    acknowledged: Callable[[httpx.Response], bool] = lambda response: 200 <= response.status_code < 300


@dataclass
class DeliveryResult:
    vendor: str
    url: str
    event_ids: tuple[str, ...]
    status: str = "pending"  # then "delivered" or "failed"
    attempts: int = 0
    outcomes: list[str] = field(default_factory=list)  # per attempt: HTTP status, "timeout" or an error name

    def summary(self) -> dict[str, Any]:
        return {
            "vendor": self.vendor,
            "url": self.url,
            "event_ids": list(self.event_ids),
            "status": self.status,
            "attempts": self.attempts,
            "outcomes": list(self.outcomes),
        }


@dataclass(frozen=True)
class FeedContext:
    """What a webhook format needs beyond the changes: where the sandbox is and how to sign."""

    secret: str
    sandbox_url: str


class VendorFeed(Protocol):
    """A vendor's part of the feed (``dialects/{vendor}/changes.py`` + ``webhooks.py``)."""

    kinds: Sequence[str]
    objects: Sequence[str]  # what ``object`` may name; the first is the default

    def apply(self, dialect: Dialect, kind: str, at: datetime, options: Mapping[str, Any]) -> Change:
        """Make one change of ``kind`` in the dialect's data, at ``at`` or just after the record's last change."""

    def deliveries(self, changes: Sequence[Change], url: str, context: FeedContext) -> list[Delivery]:
        """The requests that announce ``changes`` to ``url``, batched as the vendor batches them."""
