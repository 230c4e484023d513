"""Intercom's exportable objects as data: search endpoint, how its timestamps compare, typed columns.

- ``conversations``: ``POST /conversations/search`` on ``updated_at`` (compared to the second).
- ``conversation_parts``: the same search, then ``GET /conversations/{id}?display_as=plaintext`` per
  conversation. Every part becomes a row keyed by its part id, and the conversation's first message
  (Intercom's ``source``, not a part) becomes a row too, with ``part_type = "source"`` and id
  ``source-{source.id}`` (message and part ids come from different sequences). So every message a
  customer saw is exactly one row. A part's ``updated_at`` is its *conversation's* ``updated_at``:
  a window selects conversations, so all their parts are that window's version (and land in its
  lake day); the part's own time is ``part_updated_at``.
- ``contacts``: ``POST /contacts/search`` on ``updated_at``, which Intercom compares by UTC *day*:
  the query asks for whole days and the client keeps the exact window.

Deletes: Intercom's REST API never returns deleted conversations or archived/deleted contacts
(archiving also hides the contact's conversations); only the ``conversation.deleted``,
``contact.archived`` and ``contact.deleted`` webhooks announce them. ``is_deleted`` therefore reads
the ``deleted``/``archived`` flags those payloads carry, and is false for every searched record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from integration_pipelines.lib.records import Column


def _is_deleted(record: Mapping[str, Any]) -> bool:
    return record.get("deleted") is True or record.get("archived") is True


def _ids(path: str, key: str):
    def ids(record: Mapping[str, Any]) -> list[str]:
        value: Any = record
        for part in path.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        return [item.get(key) for item in value or () if isinstance(item, Mapping)]

    return ids


@dataclass(frozen=True)
class IntercomObject:
    name: str
    search_path: str
    records_key: str
    columns: tuple[Column, ...]
    day_granular_search: bool = False  # contact search compares timestamps by UTC day
    with_parts: bool = False  # rows are the parts of each conversation found, fetched one by one
    primary_key: str = "id"
    version_column: str = "updated_at"  # latest wins; also the partitioning day


CONVERSATIONS = IntercomObject(
    name="conversations",
    search_path="/conversations/search",
    records_key="conversations",
    columns=(
        Column("id", "string"),
        Column("created_at", "timestamp"),
        Column("updated_at", "timestamp"),
        Column("title", "string"),
        Column("state", "string"),
        Column("open", "bool"),
        Column("read", "bool"),
        Column("priority", "string"),
        Column("channel", "string", source="source.type"),
        Column("delivered_as", "string", source="source.delivered_as"),
        Column("source_id", "string", source="source.id"),
        Column("contact_ids", "json", derive=_ids("contacts.contacts", "id")),
        Column("admin_assignee_id", "string"),
        Column("team_assignee_id", "string"),
        Column("waiting_since", "timestamp"),
        Column("snoozed_until", "timestamp"),
        Column("tags", "json", derive=_ids("tags.tags", "name")),
        Column("custom_attributes", "json"),
        Column("statistics", "json"),
        Column("is_deleted", "bool", derive=_is_deleted),
    ),
)

CONVERSATION_PARTS = IntercomObject(
    name="conversation_parts",
    search_path="/conversations/search",
    records_key="conversations",
    with_parts=True,
    columns=(
        Column("id", "string"),
        Column("conversation_id", "string"),
        Column("part_type", "string"),
        Column("body", "string"),
        Column("author_type", "string", source="author.type"),
        Column("author_id", "string", source="author.id"),
        Column("author_email", "string", source="author.email"),
        Column("assigned_to_id", "string", source="assigned_to.id"),
        Column("channel", "string"),
        Column("created_at", "timestamp"),
        Column("part_updated_at", "timestamp", source="updated_at"),
        Column("updated_at", "timestamp", source="conversation_updated_at"),
        Column("redacted", "bool"),
        Column("is_deleted", "bool", derive=_is_deleted),
    ),
)

CONTACTS = IntercomObject(
    name="contacts",
    search_path="/contacts/search",
    records_key="data",
    day_granular_search=True,
    columns=(
        Column("id", "string"),
        Column("external_id", "string"),
        Column("role", "string"),
        Column("created_at", "timestamp"),
        Column("updated_at", "timestamp"),
        Column("name", "string"),
        Column("email", "string"),
        Column("phone", "string"),
        Column("owner_id", "string"),
        Column("signed_up_at", "timestamp"),
        Column("last_seen_at", "timestamp"),
        Column("last_replied_at", "timestamp"),
        Column("language_override", "string"),
        Column("company_ids", "json", derive=_ids("companies.data", "id")),
        Column("custom_attributes", "json"),
        Column("is_deleted", "bool", derive=_is_deleted),
    ),
)

OBJECTS: dict[str, IntercomObject] = {o.name: o for o in (CONVERSATIONS, CONVERSATION_PARTS, CONTACTS)}
