"""Record conversion as it was before the columnar rewrite of ``lib/records.py``, kept as the reference.

``test_records_columnar`` compares the product's ``convert_records`` / ``to_record_batch`` with these
on the sandbox world and on edge cases, and ``benchmarks.record_decode`` runs them as its baseline:
one copy of the old behaviour, so "identical output" has something fixed to be identical to. Only
the conversion is copied; ``Column``, ``parse_timestamp`` and friends are the product's (their
per-cell behaviour did not change).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa

from integration_pipelines.lib.records import (
    _SURROGATE,
    MAX_FIELD_BYTES,
    TIMESTAMP,
    Column,
    ConvertedPage,
    Reject,
    arrow_schema,
    repair_text,
)


def old_columns(columns: Sequence[Column]) -> tuple[Column, ...]:
    """``columns`` as they were declared before ``blank_is_null``: a HubSpot property column read its
    property through a function that turned "" into None."""
    return tuple(
        Column(c.name, c.kind, source=c.source, derive=_blank_reader(c.source or c.name)) if c.blank_is_null else c
        for c in columns
    )


def _blank_reader(path: str) -> Callable[[Mapping[str, Any]], Any]:
    parent, _, name = path.rpartition(".")

    def read(record: Mapping[str, Any]) -> Any:
        properties = record.get(parent)
        value = properties.get(name) if isinstance(properties, Mapping) else None
        return None if value == "" else value

    return read


def dumps(record: Mapping[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def to_record_batch(
    records: Iterable[Mapping[str, Any]], columns: Sequence[Column], extracted_at: datetime
) -> pa.RecordBatch:
    records = list(records)
    return _batch(records, old_columns(columns), [dumps(r) for r in records], extracted_at)


def _batch(
    records: Sequence[Mapping[str, Any]], columns: Sequence[Column], raws: list[str], extracted_at: datetime
) -> pa.RecordBatch:
    arrays = []
    for column in columns:
        try:
            values = [column.value(r) for r in records]
        except (TypeError, ValueError, OverflowError) as exc:
            raise ValueError(f"column {column.name!r}: cannot convert value ({exc})") from None
        arrays.append(pa.array(values, type=column.arrow_type))
    arrays.append(pa.array(raws, type=pa.string()))
    arrays.append(pa.array([extracted_at] * len(records), type=TIMESTAMP))
    return pa.RecordBatch.from_arrays(arrays, schema=arrow_schema(columns))


def _largest_field(record: Mapping[str, Any]) -> tuple[str, int]:
    sizes = {k: len(dumps({"v": v}).encode()) - 6 for k, v in record.items()}
    name = max(sizes, key=sizes.__getitem__, default="_raw")
    return name, sizes.get(name, 0)


def _contract_breach(
    record: Mapping[str, Any], raw: str, values: list[Any], key_at: int | None, version_at: int | None, limit: int
) -> tuple[str, str] | None:
    if key_at is not None and values[key_at] is None:
        return "null_key", "the primary key is null or missing"
    if version_at is not None and values[version_at] is None:
        return "null_version", "the version column is null or missing"
    if len(raw) * 4 > limit and len(raw.encode()) > limit:
        name, size = _largest_field(record)
        return (
            "oversized_field",
            f"the record is {len(raw.encode())} bytes (largest field {name!r}: {size}); limit {limit}",
        )
    return None


def convert_records(
    records: Iterable[Mapping[str, Any]],
    columns: Sequence[Column],
    extracted_at: datetime,
    *,
    primary_key: str,
    version_column: str,
    max_field_bytes: int = MAX_FIELD_BYTES,
) -> ConvertedPage:
    records = list(records)
    columns = old_columns(columns)
    names = [c.name for c in columns]
    key_at = names.index(primary_key) if primary_key in names else None
    version_at = names.index(version_column) if version_column in names else None
    raws = [dumps(r) for r in records]
    if not any(len(raw) * 4 > max_field_bytes or _SURROGATE.search(raw) for raw in raws):
        try:
            batch = _batch(records, columns, raws, extracted_at)
        except (ValueError, pa.ArrowException):
            batch = None
        if batch is not None and all(batch.column(at).null_count == 0 for at in (key_at, version_at) if at is not None):
            return ConvertedPage(batch, (), 0)
    rows: list[list[Any]] = []
    kept: list[str] = []
    rejects: list[Reject] = []
    repaired = 0
    for record, raw in zip(records, raws, strict=True):
        fixed = bool(_SURROGATE.search(raw))
        if fixed:
            record = repair_text(record)
            raw = dumps(record)
        values: list[Any] = []
        for at, column in enumerate(columns):
            try:
                values.append(column.value(record))
            except (TypeError, ValueError, OverflowError) as exc:
                what = "key" if at == key_at else "version" if at == version_at else "field"
                reason, detail = f"malformed_{what}", f"column {column.name!r}: {exc}"
                break
        else:
            breach = _contract_breach(record, raw, values, key_at, version_at, max_field_bytes)
            if breach is None:
                rows.append(values)
                kept.append(raw)
                repaired += fixed
                continue
            reason, detail = breach
        key = record.get(primary_key)
        version = values[version_at] if version_at is not None and len(values) > version_at else None
        rejects.append(Reject(record, reason, detail, None if key is None else str(key), version))
    arrays = [pa.array([row[at] for row in rows], type=c.arrow_type) for at, c in enumerate(columns)]
    arrays.append(pa.array(kept, type=pa.string()))
    arrays.append(pa.array([extracted_at] * len(rows), type=TIMESTAMP))
    return ConvertedPage(pa.RecordBatch.from_arrays(arrays, schema=arrow_schema(columns)), tuple(rejects), repaired)
