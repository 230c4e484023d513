"""Typed columns for vendor records: a declared Arrow schema plus the untouched JSON.

Each object's columns are data (a tuple of ``Column``), so a connector states *what* it extracts and
this module does the converting. The full record is also kept as ``_raw`` JSON, so a field the
vendor adds tomorrow is never lost, only not yet typed.

``convert_records`` is the one place every connector's pages pass through, so it is where the
record contract is enforced: a record without a usable primary key or version, with a value its
column cannot hold, or with a field over ``MAX_FIELD_BYTES`` is set aside as a ``Reject`` (for the
quarantine) and the rest of the page goes on. One bad record must not fail a sync, let alone every
later sync of the same day. Text that is not valid Unicode (lone surrogates from ``\\ud800``
escapes, or undecodable bytes the HTTP client let through as surrogate escapes) is repaired to
U+FFFD and counted, because Parquet and every warehouse refuse it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import pyarrow as pa

TIMESTAMP = pa.timestamp("us", tz="UTC")
MAX_FIELD_BYTES = 1 << 20  # 1 MiB: larger values are quarantined (the whole record as _raw included)
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
_SURROGATE = re.compile("[\ud800-\udfff]")  # in a decoded str these are always lone (pairs are joined)
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
    if type(value) is str and value:  # the usual case first: connectors call this once per record
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def timestamp_or_reason(value: Any) -> datetime | str:
    """A record's change time, or why it has none ("null" or "malformed"): what a connector needs to
    place a record in a window, or to quarantine it when no window can claim it."""
    try:
        ts = parse_timestamp(value)
    except (TypeError, ValueError, OverflowError):
        return "malformed"
    return "null" if ts is None else ts


def _dig(record: Mapping[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


@dataclass(frozen=True)
class Column:
    """One typed column: ``source`` is a dotted path into the record, or ``derive`` computes it.
    ``blank_is_null``: "" reads as NULL (HubSpot sends unset properties so; "" must not break an int)."""

    name: str
    kind: str  # int | float | string | bool | timestamp | json
    source: str | None = None
    derive: Callable[[Mapping[str, Any]], Any] | None = None
    blank_is_null: bool = False

    @property
    def arrow_type(self) -> pa.DataType:
        return _ARROW_TYPES[self.kind]

    def value(self, record: Mapping[str, Any]) -> Any:
        raw = self.derive(record) if self.derive else _dig(record, self.source or self.name)
        if raw is None or (self.blank_is_null and raw == ""):
            return None
        if self.kind == "timestamp":
            return parse_timestamp(raw)
        if self.kind == "json":
            return json.dumps(raw, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        if self.kind == "int":
            number = int(raw)
            if not _INT64_MIN <= number <= _INT64_MAX:
                raise ValueError(f"{number} does not fit in 64 bits")
            return number
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


def _dumps(record: Mapping[str, Any]) -> str:
    """The record as compact JSON, byte for byte what ``json.dumps(ensure_ascii=False,
    separators=(",", ":"))`` writes (so ``_raw`` and the warehouses' ``_raw`` tie-breaker do not change),
    made by orjson where the two agree (see ``_orjson_text``). One difference is left: a NaN or
    infinite float (only from a non-standard ``NaN`` literal in a body) is written ``null``."""
    text = _orjson_text(record, 0)
    return text if text is not None else json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def _orjson_text(value: Any, option: int) -> str | None:
    """orjson's text, or None where it may differ from ``json.dumps``: orjson refuses lone surrogates,
    ints over 64 bits, non-string keys and deep nesting, and writes small floats its own way
    (``1e-7``, ``0.00001`` for repr's ``1e-07``, ``1e-05``). Such text is looked for with substring
    tests first (C speed); a match inside a string only costs a ``json.dumps``."""
    try:
        text = orjson.dumps(value, option=option).decode()
    except (TypeError, orjson.JSONEncodeError):
        return None
    if "0.0000" in text or ("e-" in text and _SHORT_NEGATIVE_EXPONENT.search(text)):
        return None
    return text


_SHORT_NEGATIVE_EXPONENT = re.compile(r"[0-9]e-[0-9](?![0-9])")


def _raws(records: Sequence[Mapping[str, Any]]) -> tuple[list[str], bool]:
    """Each record's ``_raw`` and whether any holds a lone surrogate (orjson's text never does)."""
    raws, suspect = [], False
    for record in records:
        text = _orjson_text(record, 0)
        if text is None:
            text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
            suspect = suspect or _SURROGATE.search(text) is not None
        raws.append(text)
    return raws, suspect


def to_record_batch(
    records: Iterable[Mapping[str, Any]], columns: Sequence[Column], extracted_at: datetime
) -> pa.RecordBatch:
    """Convert one page of records; raises ValueError naming the column on a value it cannot type.

    Strict: for records we made ourselves (e.g. webhook tombstones). Vendor pages go through
    ``convert_records``, which sets bad records aside instead."""
    records = list(records)
    return _batch(records, columns, _raws(records)[0], extracted_at)


def _batch(
    records: Sequence[Mapping[str, Any]], columns: Sequence[Column], raws: list[str], extracted_at: datetime
) -> pa.RecordBatch:
    """Column by column (the fast way); raises ValueError naming the first column that fails."""
    parents: dict[str, list[Any]] = {}
    arrays = [_column_array(column, records, parents) for column in columns]
    arrays.append(pa.array(raws, type=pa.string()))
    arrays.append(pa.repeat(pa.scalar(extracted_at, type=TIMESTAMP), len(records)))
    return pa.RecordBatch.from_arrays(arrays, schema=arrow_schema(columns))


def _column_array(column: Column, records: Sequence[Mapping[str, Any]], parents: dict[str, list[Any]]) -> pa.Array:
    """One column of a page in one pass per step (read, convert, to Arrow) instead of ``Column.value``
    per cell. Any value off the common path (not the plain type, a timestamp not in the usual ISO
    shape, a record that is not a dict) makes the column go cell by cell through ``Column.value``,
    so values and errors are exactly the per-cell ones."""
    try:
        return _fast_column(column, records, parents)
    except Exception:  # noqa: BLE001 - whatever it was, the per-cell path decides (and raises as before)
        pass
    try:
        values = [column.value(r) for r in records]
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"column {column.name!r}: cannot convert value ({exc})") from None
    return pa.array(values, type=column.arrow_type)


def _fast_column(column: Column, records: Sequence[Mapping[str, Any]], parents: dict[str, list[Any]]) -> pa.Array:
    """``parents`` keeps each dotted path's parent objects (e.g. every record's ``properties``) for the
    page's other columns under the same parent."""
    path = column.source or column.name
    head, _, leaf = path.rpartition(".")
    if column.derive is not None:
        raw = [column.derive(r) for r in records]
    elif not head:
        raw = [r.get(path) if type(r) is dict else _dig(r, path) for r in records]
    else:
        if head not in parents:
            parents[head] = [_dig(r, head) for r in records]
        raw = [p.get(leaf) if type(p) is dict or isinstance(p, Mapping) else None for p in parents[head]]
    if column.blank_is_null:
        raw = [None if v == "" else v for v in raw]
    kind = column.kind
    if kind == "timestamp":
        if all(v is None or type(v) is str for v in raw):  # ISO text: the per-cell parse, inlined
            parse = datetime.fromisoformat  # naive results are UTC, as pa.array reads them for this type
            return pa.array([parse(v.replace("Z", "+00:00")) if v else None for v in raw], type=TIMESTAMP)
        values = [parse_timestamp(v) for v in raw]
    elif kind == "string":
        values = [v if type(v) is str else None if v is None else str(v) for v in raw]
    elif kind == "int":  # pa.array refuses what does not fit in 64 bits, and the per-cell path says so
        values = [v if type(v) is int else None if v is None else int(v) for v in raw]
    elif kind == "float":
        values = [v if type(v) is float else None if v is None else float(v) for v in raw]
    elif kind == "bool":
        values = [v if type(v) is bool else None if v is None else bool(v) for v in raw]
    else:
        values = [None if v is None else _dumps_sorted(v) for v in raw]
    return pa.array(values, type=column.arrow_type)


def _dumps_sorted(value: Any) -> str:
    """``Column.value``'s JSON text (keys sorted, compact), by orjson where the two agree (see ``_dumps``)."""
    text = _orjson_text(value, orjson.OPT_SORT_KEYS)
    return text if text is not None else json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


@dataclass(frozen=True)
class Reject:
    """A record that breaks the contract, with why. ``reason`` is one of null_key, malformed_key,
    null_version, malformed_version, malformed_field, oversized_field."""

    record: Mapping[str, Any]
    reason: str
    detail: str
    key: str | None = None
    version: datetime | None = None  # when known: the quarantine files it under that UTC day


@dataclass(frozen=True)
class ConvertedPage:
    batch: pa.RecordBatch  # the good records, typed
    rejects: tuple[Reject, ...]
    repaired: int  # good records whose text was repaired to U+FFFD


def repair_text(value: Any) -> Any:
    """``value`` with every lone surrogate (in strings and keys, at any depth) replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, Mapping):
        return {repair_text(k): repair_text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [repair_text(v) for v in value]
    return value


def _largest_field(record: Mapping[str, Any]) -> tuple[str, int]:
    sizes = {k: len(_dumps({"v": v}).encode()) - 6 for k, v in record.items()}
    name = max(sizes, key=sizes.__getitem__, default="_raw")
    return name, sizes.get(name, 0)


def _contract_breach(
    record: Mapping[str, Any], raw: str, values: list[Any], key_at: int | None, version_at: int | None, limit: int
) -> tuple[str, str] | None:
    if key_at is not None and values[key_at] is None:
        return "null_key", "the primary key is null or missing"
    if version_at is not None and values[version_at] is None:
        return "null_version", "the version column is null or missing"
    if len(raw) * 4 > limit and len(raw.encode()) > limit:  # a char is at most 4 bytes: usually no encode
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
    """Convert one page, setting aside the records that break the contract (see the module doc).

    Pages are almost always clean, so the page is first converted column by column (as fast as
    the strict ``to_record_batch``) and checked as a whole; only a page with a problem is redone
    record by record to find which records to set aside."""
    records = list(records)
    names = [c.name for c in columns]
    key_at = names.index(primary_key) if primary_key in names else None
    version_at = names.index(version_column) if version_column in names else None
    raws, suspect = _raws(records)
    if not suspect and not any(len(raw) * 4 > max_field_bytes for raw in raws):
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
            raw = _dumps(record)
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
