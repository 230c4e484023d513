"""Typed columns for vendor records: a declared Arrow schema plus the untouched JSON.

Each object's columns are data (a tuple of ``Column``), so a connector states *what* it extracts and
this module does the converting. The full record is also kept as ``_raw`` JSON, so a field the
vendor adds tomorrow is never lost, only not yet typed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

TIMESTAMP = pa.timestamp("us", tz="UTC")
_ARROW_TYPES: dict[str, pa.DataType] = {
    "int": pa.int64(),
    "float": pa.float64(),
    "string": pa.string(),
    "bool": pa.bool_(),
    "timestamp": TIMESTAMP,
    "json": pa.string(),
}


def parse_timestamp(value: Any) -> datetime | None:
    """ISO-8601 strings (with ``Z``), Unix seconds or datetimes → aware UTC datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _dig(record: Mapping[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


@dataclass(frozen=True)
class Column:
    """One typed column: ``source`` is a dotted path into the record, or ``derive`` computes it."""

    name: str
    kind: str  # int | float | string | bool | timestamp | json
    source: str | None = None
    derive: Callable[[Mapping[str, Any]], Any] | None = None

    @property
    def arrow_type(self) -> pa.DataType:
        return _ARROW_TYPES[self.kind]

    def value(self, record: Mapping[str, Any]) -> Any:
        raw = self.derive(record) if self.derive else _dig(record, self.source or self.name)
        if raw is None:
            return None
        if self.kind == "timestamp":
            return parse_timestamp(raw)
        if self.kind == "json":
            return json.dumps(raw, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        if self.kind == "int":
            return int(raw)
        if self.kind == "bool":
            return bool(raw)
        if self.kind == "float":
            return float(raw)
        return str(raw)


RAW_COLUMN = "_raw"
EXTRACTED_AT_COLUMN = "_extracted_at"


def arrow_schema(columns: Sequence[Column]) -> pa.Schema:
    fields = [pa.field(c.name, c.arrow_type) for c in columns]
    fields += [pa.field(RAW_COLUMN, pa.string()), pa.field(EXTRACTED_AT_COLUMN, TIMESTAMP)]
    return pa.schema(fields)


def to_record_batch(
    records: Iterable[Mapping[str, Any]], columns: Sequence[Column], extracted_at: datetime
) -> pa.RecordBatch:
    """Convert one page of records; raises ValueError naming the column on a value it cannot type."""
    records = list(records)
    arrays = []
    for column in columns:
        try:
            values = [column.value(r) for r in records]
        except (TypeError, ValueError) as exc:
            raise ValueError(f"column {column.name!r}: cannot convert value ({exc})") from None
        arrays.append(pa.array(values, type=column.arrow_type))
    arrays.append(
        pa.array([json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in records], type=pa.string())
    )
    arrays.append(pa.array([extracted_at] * len(records), type=TIMESTAMP))
    return pa.RecordBatch.from_arrays(arrays, schema=arrow_schema(columns))
