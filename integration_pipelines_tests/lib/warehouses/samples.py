"""Ticket versions every exporter test loads, so all warehouses are held to the same cases."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pyarrow as pa

from integration_pipelines.lib.records import TIMESTAMP
from integration_pipelines.lib.warehouses.base import TableSpec

TICKETS = TableSpec("zendesk", "tickets", ("id",))
T0 = datetime(2026, 10, 1, tzinfo=UTC)
EXTRACTED = datetime(2026, 10, 5, tzinfo=UTC)
# Arabic with tashkeel, shadda before fatha (not NFC order, so any normalisation would show), tatweel,
# Arabic-Indic digits, a right-to-left mark and a ZWJ emoji family.
ARABIC = "السَّلامُ عليكم \u0633\u0651\u064e ـــتم ٣٤٥ ريال \u200f👨\u200d👩\u200d👧 🙏🏽"


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def row(
    id: int | None,
    version: float,
    subject: str = "",
    *,
    deleted: bool = False,
    extracted: datetime = EXTRACTED,
    raw: str | None = None,
    **extra: object,
) -> dict:
    """One ticket version; ``version`` is updated_at in hours after T0."""
    raw = raw if raw is not None else json.dumps({"id": id, "v": version, "subject": subject}, ensure_ascii=False)
    return {
        "id": id,
        "updated_at": at(version),
        "is_deleted": deleted,
        "subject": subject,
        "_extracted_at": extracted,
        "_raw": raw,
        **extra,
    }


BASE_FIELDS = [
    pa.field("id", pa.int64()),
    pa.field("updated_at", TIMESTAMP),
    pa.field("is_deleted", pa.bool_()),
    pa.field("subject", pa.string()),
    pa.field("_extracted_at", TIMESTAMP),
    pa.field("_raw", pa.string()),
]


def table(rows: list[dict], *extra_fields: pa.Field) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=pa.schema([*BASE_FIELDS, *extra_fields]))
