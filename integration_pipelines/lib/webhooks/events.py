"""What a verified webhook delivery becomes, whatever the vendor: events, each naming the records it changed.

A vendor's ``webhooks.py`` (in ``sources/{vendor}/``) turns its payloads into these; the receiver
stores events, the sensors turn their changes into partitions to sync, and the raw assets turn
deletions into tombstone rows, because for some vendors (Intercom) the REST API never shows a delete.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

REJECTION_REASONS = ("signature", "stale", "too_large", "malformed", "unknown_vendor", "forbidden")


class Rejected(Exception):
    """A delivery refused before anything is stored: ``reason`` is one of ``REJECTION_REASONS``.

    Its message never holds a secret or the body: it is logged and counted as it is."""

    STATUS = {
        "signature": 401,
        "stale": 401,
        "forbidden": 403,
        "too_large": 413,
        "malformed": 400,
        "unknown_vendor": 404,
    }

    def __init__(self, reason: str, message: str) -> None:
        assert reason in REJECTION_REASONS, reason
        super().__init__(message)
        self.reason = reason

    @property
    def status(self) -> int:
        return self.STATUS[self.reason]


@dataclass(frozen=True)
class SignedRequest:
    """A delivery as the vendor signed it: ``url`` is the public URL it was sent to."""

    method: str
    url: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class WebhookEvent:
    """One event of a delivery; ``key`` is unique per vendor (the vendor's event id, or a hash of the
    signed content where the vendor gives none), so a redelivery is stored once."""

    key: str
    topic: str
    occurred_at: datetime
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class Change:
    """A record an event changed. ``record`` (a record in the vendor's REST shape, as far as the event
    tells it) is set for deletions: it becomes the tombstone row."""

    object: str
    record_id: str
    occurred_at: datetime
    deleted: bool = False
    record: Mapping[str, Any] = field(default_factory=dict)


class WebhookHandler(Protocol):
    """What a vendor's ``webhooks.py`` provides (exported as ``WEBHOOKS``)."""

    vendor: str
    secret_variables: tuple[str, ...]  # environment variables holding its secrets (comma-separated for rotation)
    sandbox_secrets: tuple[str, ...]  # the sandbox's published ones, accepted in the local environment only
    settle_seconds: int  # how old a change must be before the vendor's REST API shows it

    def verify(self, request: SignedRequest, secrets: Sequence[str], now: datetime) -> None:
        """Raise ``Rejected`` unless the delivery is authentic and fresh."""

    def events(self, request: SignedRequest) -> list[WebhookEvent]:
        """The delivery's events; ``Rejected('malformed')`` when the body cannot be read."""

    def changes(self, event: WebhookEvent) -> list[Change]:
        """The records an (already stored) event changed; empty for events that change nothing we keep."""

    def acknowledge(self, events: Sequence[WebhookEvent]) -> tuple[bytes, str]:
        """The 2xx body and media type the vendor expects once the events are stored."""
