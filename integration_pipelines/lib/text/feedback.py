"""customer_feedback: one row per customer-visible message, whatever system it came from.

Each source is one SQL query over the warehouse tables its connector keeps current (data, not
branches): a message belongs to the window when it *or its parent* changed in the window, so a
ticket deleted today re-emits its messages with ``is_deleted = true``. Author roles come from the
parent where the user table may not hold the author (a Zendesk ticket's requester is the customer;
a Salesforce comment by the case's creator is the customer's); other authors count as agents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

FEEDBACK_COLUMNS = ("source", "source_object", "message_id", "parent_id", "author_role", "channel",
                    "created_at", "updated_at", "text", "is_deleted")
KEY = ("source", "message_id")


@dataclass(frozen=True)
class FeedbackSource:
    """How one system's tables become feedback rows; ``tables`` must all exist for it to be read."""

    source: str
    tables: tuple[str, ...]
    sql: str  # selects FEEDBACK_COLUMNS (except language); $start/$end bound the window


SOURCES: tuple[FeedbackSource, ...] = (
    FeedbackSource("zendesk", ("zendesk.ticket_comments", "zendesk.tickets", "zendesk.users"), """
        SELECT 'zendesk' AS source, 'ticket_comment' AS source_object, CAST(c.id AS VARCHAR) AS message_id,
               CAST(c.ticket_id AS VARCHAR) AS parent_id,
               CASE WHEN c.author_id = t.requester_id OR u.role = 'end-user' THEN 'customer'
                    ELSE 'agent' END AS author_role,
               coalesce(c.channel, t.channel) AS channel, c.created_at,
               greatest(c.updated_at, coalesce(t.updated_at, c.updated_at)) AS updated_at, c.body AS text,
               coalesce(t.is_deleted, false) OR c.is_deleted AS is_deleted
        FROM zendesk.ticket_comments c
        LEFT JOIN zendesk.tickets t ON t.id = c.ticket_id
        LEFT JOIN zendesk.users u ON u.id = c.author_id
        WHERE c.public AND greatest(c.updated_at, coalesce(t.updated_at, c.updated_at)) >= $start
          AND greatest(c.updated_at, coalesce(t.updated_at, c.updated_at)) < $end"""),
    FeedbackSource("salesforce", ("salesforce.case_comments", "salesforce.cases"), """
        SELECT 'salesforce' AS source, 'case_comment' AS source_object, cc.Id AS message_id,
               cc.ParentId AS parent_id,
               CASE WHEN cc.CreatedById = c.CreatedById THEN 'customer' ELSE 'agent' END AS author_role,
               lower(c.Origin) AS channel, cc.CreatedDate AS created_at,
               greatest(cc.SystemModstamp, coalesce(c.SystemModstamp, cc.SystemModstamp)) AS updated_at,
               cc.CommentBody AS text, cc.is_deleted OR coalesce(c.is_deleted, false) AS is_deleted
        FROM salesforce.case_comments cc
        LEFT JOIN salesforce.cases c ON c.Id = cc.ParentId
        WHERE cc.IsPublished
          AND greatest(cc.SystemModstamp, coalesce(c.SystemModstamp, cc.SystemModstamp)) >= $start
          AND greatest(cc.SystemModstamp, coalesce(c.SystemModstamp, cc.SystemModstamp)) < $end"""),
    FeedbackSource("hubspot", ("hubspot.tickets",), """
        SELECT 'hubspot' AS source, 'ticket' AS source_object, CAST(id AS VARCHAR) AS message_id,
               CAST(id AS VARCHAR) AS parent_id, 'customer' AS author_role, lower(source_type) AS channel,
               created_at, updated_at, content AS text, is_deleted
        FROM hubspot.tickets
        WHERE content IS NOT NULL AND updated_at >= $start AND updated_at < $end"""),
    FeedbackSource("intercom", ("intercom.conversation_parts", "intercom.conversations"), """
        SELECT 'intercom' AS source, 'conversation_part' AS source_object, p.id AS message_id,
               p.conversation_id AS parent_id,
               CASE WHEN p.author_type IN ('user', 'lead', 'contact') THEN 'customer'
                    WHEN p.author_type IN ('admin', 'team') THEN 'agent' ELSE 'system' END AS author_role,
               coalesce(c.channel, p.channel) AS channel, p.created_at,
               greatest(p.updated_at, coalesce(c.updated_at, p.updated_at)) AS updated_at, p.body AS text,
               p.is_deleted OR coalesce(c.is_deleted, false) AS is_deleted
        FROM intercom.conversation_parts p
        LEFT JOIN intercom.conversations c ON c.id = p.conversation_id
        WHERE p.part_type IN ('source', 'comment') AND p.body IS NOT NULL AND p.body <> ''
          AND greatest(p.updated_at, coalesce(c.updated_at, p.updated_at)) >= $start
          AND greatest(p.updated_at, coalesce(c.updated_at, p.updated_at)) < $end"""),
)


def existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {f"{schema}.{name}" for schema, name in con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables").fetchall()}


def feedback_rows(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> tuple[pa.Table, list[str]]:
    """All sources present in the warehouse, unioned for the window; returns the rows and the sources read."""
    present = existing_tables(con)
    parts, read = [], []
    for source in SOURCES:
        if not set(source.tables) <= present:
            continue
        parts.append(con.sql(source.sql, params={"start": start, "end": end}).to_arrow_table())
        read.append(source.source)
    if not parts:
        return empty_feedback(), read
    return pa.concat_tables([p.cast(parts[0].schema) for p in parts]), read


def empty_feedback() -> pa.Table:
    return pa.table({name: pa.array([], type=pa.timestamp("us", tz="UTC") if name.endswith("_at")
                                     else pa.bool_() if name == "is_deleted" else pa.string())
                     for name in FEEDBACK_COLUMNS})
