"""customer_feedback: one row per customer-visible message, whatever system it came from.

Each source is one SQL query over the warehouse tables its connector keeps current (data, not
branches; each vendor's query lives in its ``sources/{vendor}/feedback.py``): a message belongs to the
window when it *or its parent* changed in the window, so a ticket deleted today re-emits its messages
with ``is_deleted = true``. Author roles come from the parent where the user table may not hold the
author (a Zendesk ticket's requester is the customer; a Salesforce comment by the case's creator is
the customer's); other authors count as agents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

FEEDBACK_COLUMNS = (
    "source",
    "source_object",
    "message_id",
    "parent_id",
    "author_role",
    "channel",
    "created_at",
    "updated_at",
    "text",
    "is_deleted",
    "vendor_sentiment",
    "author_id",
    "author_email",
    "author_phone",
)
KEY = ("source", "message_id")
# Columns a source's query may leave out; they are null on its rows. ``vendor_sentiment`` is the vendor's
# own reading where it gives one (Retell's post-call user sentiment), kept beside ours for comparison.
# ``author_id`` / ``author_email`` / ``author_phone`` say who wrote a message where the source has no customer
# table the dbt project reads (the vendor's id for the customer, e.g. a Stripe customer; a caller's number; a
# WhatsApp sender; an invitee's email): the dbt identities match people on them.
OPTIONAL_COLUMNS = ("vendor_sentiment", "author_id", "author_email", "author_phone")


@dataclass(frozen=True)
class FeedbackSource:
    """How one system's tables become feedback rows; ``tables`` must all exist for it to be read."""

    source: str
    tables: tuple[str, ...]
    sql: str  # selects FEEDBACK_COLUMNS but language (OPTIONAL_COLUMNS may be left out); $start/$end bound the window


def existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        f"{schema}.{name}"
        for schema, name in con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()
    }


def feedback_rows(
    con: duckdb.DuckDBPyConnection, sources: Iterable[FeedbackSource], start: datetime, end: datetime
) -> tuple[pa.Table, list[str]]:
    """Every source whose tables are present in the warehouse, unioned for the window; returns the rows
    and the sources read."""
    present = existing_tables(con)
    parts, read = [], []
    for source in sources:
        if not set(source.tables) <= present:
            continue
        parts.append(_complete(con.sql(source.sql, params={"start": start, "end": end}).to_arrow_table()))
        read.append(source.source)
    if not parts:
        return empty_feedback(), read
    return pa.concat_tables([p.cast(parts[0].schema) for p in parts]), read


def _complete(rows: pa.Table) -> pa.Table:
    """``rows`` with every optional column it lacks added as nulls, in FEEDBACK_COLUMNS order."""
    for name in OPTIONAL_COLUMNS:
        if name not in rows.column_names:
            rows = rows.append_column(name, pa.nulls(rows.num_rows, pa.string()))
    missing = [name for name in FEEDBACK_COLUMNS if name not in rows.column_names]
    if missing:
        raise ValueError(f"a feedback query did not select {', '.join(missing)}")
    return rows.select(list(FEEDBACK_COLUMNS))


def empty_feedback() -> pa.Table:
    return pa.table(
        {
            name: pa.array(
                [],
                type=pa.timestamp("us", tz="UTC")
                if name.endswith("_at")
                else pa.bool_()
                if name == "is_deleted"
                else pa.string(),
            )
            for name in FEEDBACK_COLUMNS
        }
    )
