"""Retell's exportable object as data: the list-calls endpoint and the typed columns we keep.

Retell stamps calls in epoch *milliseconds*; the columns turn them into UTC timestamps here (the
shared ``Column`` reads bare numbers as seconds). A call is windowed, versioned and partitioned by
``start_timestamp``: it is the only time ``list-calls`` filters on, and a call never moves to another
start. Its later changes (ended, analyzed) keep that version, so a re-pull wins on ``_extracted_at``.

Deletes: ``DELETE /v2/delete-call/{id}`` removes a call from ``list-calls`` and ``get-call`` (404) and
no webhook announces it, so Retell shows a delete nowhere. ``is_deleted`` reads a ``deleted`` flag no
Retell payload carries today; it is false on every row and a deleted call stays as last seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from integration_pipelines.lib.records import Column


def ms_time(value: Any) -> datetime | str:
    """A Retell epoch-millisecond time, or why it is none ("null" or "malformed")."""
    if value is None or value == "":
        return "null"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "malformed"
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return "malformed"


def _ms(field: str):
    def read(record: Mapping[str, Any]) -> datetime | None:
        value = ms_time(record.get(field))
        if isinstance(value, datetime):
            return value
        if value == "null":
            return None
        raise ValueError(f"{field} is not an epoch-millisecond time")

    return read


def _is_deleted(record: Mapping[str, Any]) -> bool:
    return record.get("deleted") is True


@dataclass(frozen=True)
class RetellObject:
    name: str
    path: str
    records_key: str
    columns: tuple[Column, ...]
    primary_key: str = "call_id"
    version_column: str = "start_timestamp"  # the list's only time filter; also the partitioning day


CALLS = RetellObject(
    name="calls",
    path="/v3/list-calls",
    records_key="items",
    columns=(
        Column("call_id", "string"),
        Column("agent_id", "string"),
        Column("agent_version", "int"),
        Column("call_type", "string"),
        Column("call_status", "string"),
        Column("direction", "string"),
        Column("from_number", "string"),
        Column("to_number", "string"),
        Column("start_timestamp", "timestamp", derive=_ms("start_timestamp")),
        Column("end_timestamp", "timestamp", derive=_ms("end_timestamp")),
        Column("duration_ms", "int"),
        Column("transcript", "string"),
        Column("transcript_object", "json"),
        Column("disconnection_reason", "string"),
        Column("combined_cost", "float", source="call_cost.combined_cost"),
        Column("user_sentiment", "string", source="call_analysis.user_sentiment"),
        Column("call_successful", "bool", source="call_analysis.call_successful"),
        Column("call_summary", "string", source="call_analysis.call_summary"),
        Column("in_voicemail", "bool", source="call_analysis.in_voicemail"),
        Column("metadata", "json"),
        Column("is_deleted", "bool", derive=_is_deleted),
    ),
)

OBJECTS: dict[str, RetellObject] = {o.name: o for o in (CALLS,)}
