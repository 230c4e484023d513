"""Calendly's exportable objects as data: typed columns, key and version.

- ``scheduled_events``: ``GET /scheduled_events?organization=`` filtered by *start* time; a row per event.
- ``invitees``: ``GET /scheduled_events/{uuid}/invitees`` for the events of the same listing; a row per
  invitee (a booking), with its answers to the booking questions as JSON.

Both are keyed by their ``uri`` and versioned by ``updated_at``. Calendly deletes neither through its API:
a cancellation is ``status = "canceled"`` with a ``cancellation`` object, never a delete. ``is_deleted``
reads a ``deleted`` flag only our own tombstones could carry, so it is false for every listed row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from integration_pipelines.lib.records import Column


def _is_deleted(record: Mapping[str, Any]) -> bool:
    return record.get("deleted") is True


def _last_segment(field: str):
    """The uuid at the end of a Calendly URI (``.../scheduled_events/{uuid}``)."""

    def segment(record: Mapping[str, Any]) -> str | None:
        value = record.get(field)
        return value.rstrip("/").rsplit("/", 1)[-1] if isinstance(value, str) and value else None

    return segment


@dataclass(frozen=True)
class CalendlyObject:
    name: str
    columns: tuple[Column, ...]
    per_event: bool = False  # rows are the invitees of each listed event, fetched event by event
    primary_key: str = "uri"
    version_column: str = "updated_at"  # latest wins; also the partitioning day


SCHEDULED_EVENTS = CalendlyObject(
    name="scheduled_events",
    columns=(
        Column("uri", "string"),
        Column("uuid", "string", derive=_last_segment("uri")),
        Column("name", "string"),
        Column("status", "string"),
        Column("start_time", "timestamp"),
        Column("end_time", "timestamp"),
        Column("event_type", "string"),
        Column("location", "json"),
        Column("invitees_counter", "json"),
        Column("canceled_by", "string", source="cancellation.canceled_by"),
        Column("cancel_reason", "string", source="cancellation.reason"),
        Column("canceler_type", "string", source="cancellation.canceler_type"),
        Column("canceled_at", "timestamp", source="cancellation.created_at"),
        Column("created_at", "timestamp"),
        Column("updated_at", "timestamp"),
        Column("is_deleted", "bool", derive=_is_deleted),
    ),
)

INVITEES = CalendlyObject(
    name="invitees",
    per_event=True,
    columns=(
        Column("uri", "string"),
        Column("event_uri", "string", source="event"),
        Column("event_uuid", "string", derive=_last_segment("event")),
        Column("email", "string"),
        Column("name", "string"),
        Column("status", "string"),
        Column("timezone", "string"),
        Column("cancel_url", "string"),
        Column("rescheduled", "bool"),
        Column("no_show_uri", "string", source="no_show.uri"),
        Column("no_show_created_at", "timestamp", source="no_show.created_at"),
        Column("canceled_by", "string", source="cancellation.canceled_by"),
        Column("cancel_reason", "string", source="cancellation.reason"),
        Column("canceler_type", "string", source="cancellation.canceler_type"),
        Column("canceled_at", "timestamp", source="cancellation.created_at"),
        Column("questions_and_answers", "json"),
        Column("created_at", "timestamp"),
        Column("updated_at", "timestamp"),
        Column("is_deleted", "bool", derive=_is_deleted),
    ),
)

OBJECTS: dict[str, CalendlyObject] = {o.name: o for o in (SCHEDULED_EVENTS, INVITEES)}
