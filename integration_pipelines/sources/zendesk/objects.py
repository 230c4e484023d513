"""Zendesk's exportable objects as data: endpoint, paging style, and the typed columns we keep.

Tickets and users use cursor-based exports; organizations and ticket events (which carry the
comments) only exist as time-based exports in Zendesk's API, so both styles are supported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from integration_pipelines.lib.records import Column


@dataclass(frozen=True)
class ZendeskObject:
    name: str
    path: str
    records_key: str
    paging: Literal["cursor", "time"]
    columns: tuple[Column, ...]
    primary_key: str = "id"
    version_column: str = "updated_at"  # latest wins; also the partitioning day
    params: tuple[tuple[str, str], ...] = ()
    timestamp_field: str = "updated_at"  # the record field the export orders by
    explode: Callable[[Mapping[str, Any]], Iterator[dict[str, Any]]] | None = None  # one export item → rows


def _is_deleted_ticket(record: Mapping[str, Any]) -> bool:
    return record.get("status") == "deleted"


def _is_deleted_user(record: Mapping[str, Any]) -> bool:
    return record.get("active") is False or bool(record.get("deleted_at"))


def _is_deleted_org(record: Mapping[str, Any]) -> bool:
    return bool(record.get("deleted_at"))


def _comments_of_event(event: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """A ticket event's Comment children, each completed with its ticket and time."""
    for child in event.get("child_events") or ():
        if child.get("event_type", child.get("type")) == "Comment":
            yield {
                **child,
                "ticket_id": event.get("ticket_id"),
                "created_at": child.get("created_at") or event.get("created_at"),
            }


TICKETS = ZendeskObject(
    name="tickets",
    path="/api/v2/incremental/tickets/cursor.json",
    records_key="tickets",
    paging="cursor",
    columns=(
        Column("id", "int"),
        Column("created_at", "timestamp"),
        Column("updated_at", "timestamp"),
        Column("subject", "string"),
        Column("description", "string"),
        Column("status", "string"),
        Column("priority", "string"),
        Column("type", "string"),
        Column("channel", "string", source="via.channel"),
        Column("requester_id", "int"),
        Column("submitter_id", "int"),
        Column("assignee_id", "int"),
        Column("organization_id", "int"),
        Column("group_id", "int"),
        Column("brand_id", "int"),
        Column("tags", "json"),
        Column("custom_fields", "json"),
        Column("is_deleted", "bool", derive=_is_deleted_ticket),
    ),
)

USERS = ZendeskObject(
    name="users",
    path="/api/v2/incremental/users/cursor.json",
    records_key="users",
    paging="cursor",
    columns=(
        Column("id", "int"),
        Column("created_at", "timestamp"),
        Column("updated_at", "timestamp"),
        Column("name", "string"),
        Column("email", "string"),
        Column("phone", "string"),
        Column("role", "string"),
        Column("locale", "string"),
        Column("time_zone", "string"),
        Column("organization_id", "int"),
        Column("active", "bool"),
        Column("suspended", "bool"),
        Column("is_deleted", "bool", derive=_is_deleted_user),
    ),
)

ORGANIZATIONS = ZendeskObject(
    name="organizations",
    path="/api/v2/incremental/organizations.json",
    records_key="organizations",
    paging="time",
    columns=(
        Column("id", "int"),
        Column("created_at", "timestamp"),
        Column("updated_at", "timestamp"),
        Column("name", "string"),
        Column("domain_names", "json"),
        Column("tags", "json"),
        Column("is_deleted", "bool", derive=_is_deleted_org),
    ),
)

TICKET_COMMENTS = ZendeskObject(
    name="ticket_comments",
    path="/api/v2/incremental/ticket_events.json",
    records_key="ticket_events",
    paging="time",
    params=(("include", "comment_events"),),
    timestamp_field="timestamp",
    explode=_comments_of_event,
    columns=(
        Column("id", "int"),
        Column("ticket_id", "int"),
        Column("author_id", "int"),
        Column("created_at", "timestamp"),
        Column("updated_at", "timestamp", source="created_at"),  # comments are immutable
        Column("body", "string"),
        Column("html_body", "string"),
        Column("public", "bool"),
        Column("channel", "string", source="via"),
        Column("is_deleted", "bool", derive=lambda r: False),
    ),
)

OBJECTS: dict[str, ZendeskObject] = {o.name: o for o in (TICKETS, USERS, ORGANIZATIONS, TICKET_COMMENTS)}
