"""The quarantine: where records that break the contract go, so that the rest of their page goes on.

Why: one ticket with a null id used to fail the warehouse load of its day on every later run (the
load re-reads every lake file of the day), and one ticket with a lone surrogate failed the whole
sync. Now the pull sets such records aside (``records.convert_records``) and writes them to the lake
under ``quarantine/{system}/{object}/day=YYYY-MM-DD/``; the warehouse load copies them, with any row
of an older lake file that would break the table (null key or version), into the DuckDB table
``quarantine.records``, which the ``quarantine_empty`` asset checks read.

Each quarantined row is keyed by a hash of what it is (source, object, day, reason, payload), not of
when it was seen, so re-running a pull or a load never duplicates it: the row only records the
latest run that saw it. Payloads are kept for diagnosis, so they are bounded and PII-redacted
(e-mails, phones, cards, IBANs, secrets in ``key=value`` text, values under credential-like names).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from integration_pipelines.lib.http.redact import MASK, Redactor, is_sensitive_name
from integration_pipelines.lib.records import RAW_COLUMN, TIMESTAMP, Reject
from integration_pipelines.lib.text.pii import redact

LAYER = "quarantine"
TABLE = "quarantine.records"
MAX_STRING_CHARS = 1_000  # per string value inside a stored payload
MAX_PAYLOAD_CHARS = 16_384  # per stored payload; beyond it only the head is kept (as a JSON string)

SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("source", pa.string()),
        ("object", pa.string()),
        ("day", pa.date32()),  # the partition the record belongs to (or was seen in)
        ("key", pa.string()),
        ("reason", pa.string()),
        ("detail", pa.string()),
        ("payload", pa.string()),  # redacted, bounded JSON
        ("payload_bytes", pa.int64()),  # size of the original record as JSON
        ("stage", pa.string()),  # pull | load
        ("run_id", pa.string()),
        ("seen_at", TIMESTAMP),
    ]
)
_REDACTOR = Redactor()


def lake_path(system: str, obj: str) -> tuple[str, str, str]:
    return (LAYER, system, obj)


def redact_payload(value: Any) -> Any:
    """``value`` with PII and secrets masked and long strings cut, at any depth."""
    if isinstance(value, str):
        text = value if len(value) <= MAX_STRING_CHARS else f"{value[:MAX_STRING_CHARS]}…[{len(value)} chars]"
        return _REDACTOR.text(redact(text).text)
    if isinstance(value, Mapping):
        return {str(k): MASK if is_sensitive_name(str(k)) else redact_payload(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_payload(v) for v in value]
    return value


def _payload(record: Mapping[str, Any]) -> tuple[str, str, int]:
    """(canonical JSON for the id, stored JSON, original size in bytes)."""
    canonical = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    canonical = canonical.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    stored = json.dumps(redact_payload(json.loads(canonical)), ensure_ascii=False, separators=(",", ":"))
    if len(stored) > MAX_PAYLOAD_CHARS:
        stored = json.dumps(stored[:MAX_PAYLOAD_CHARS] + "…", ensure_ascii=False)
    return canonical, stored, len(canonical.encode())


def to_batch(
    rejects: Iterable[Reject],
    *,
    source: str,
    obj: str,
    day_of: Callable[[Reject], date],
    stage: str,
    run_id: str,
    seen_at: datetime,
) -> pa.RecordBatch:
    """Quarantine rows for ``rejects``; ``day_of`` says which partition each belongs to."""
    rows: dict[str, list[Any]] = {name: [] for name in SCHEMA.names}
    for reject in rejects:
        canonical, stored, size = _payload(reject.record)
        day = day_of(reject)
        digest = hashlib.sha256(f"{source}\0{obj}\0{day}\0{reject.reason}\0{canonical}".encode()).hexdigest()
        values = (digest, source, obj, day, reject.key, reject.reason, reject.detail, stored, size, stage, run_id)
        for name, value in zip(SCHEMA.names, (*values, seen_at), strict=True):
            rows[name].append(value)
    return pa.RecordBatch.from_pydict(rows, schema=SCHEMA)


def split_table(data: pa.Table, primary_key: Sequence[str], version_column: str) -> tuple[pa.Table, list[Reject]]:
    """(rows the warehouse table accepts, rejects for the rest): a row whose key or version is null
    can never be loaded, and must not fail the load of every good row beside it."""
    checks = [(c, "null_key") for c in primary_key] + [(version_column, "null_version")]
    bad = None
    for column, _ in checks:
        if column in data.column_names:
            nulls = pc.is_null(data.column(column))
            bad = nulls if bad is None else pc.or_(bad, nulls)
    if bad is None or not pc.any(bad).as_py():
        return data, []
    rejects = []
    for row in data.filter(bad).to_pylist():
        reason = next(r for c, r in checks if c in row and row[c] is None)
        try:
            record = json.loads(row[RAW_COLUMN]) if row.get(RAW_COLUMN) else None
        except ValueError:
            record = None
        if not isinstance(record, dict):
            record = {k: v for k, v in row.items() if not k.startswith("_")}
        key = row.get(primary_key[0]) if len(primary_key) == 1 else None
        detail = "a lake file holds a row the warehouse table refuses"
        rejects.append(Reject(record, reason, detail, None if key is None else str(key)))
    return data.filter(pc.invert(bad)), rejects


def store(connect: Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]], data: pa.Table) -> int:
    """Upsert quarantine rows into ``quarantine.records`` by id; returns how many ids were new."""
    if data.num_rows == 0:
        return 0
    with connect() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            _create(con)
            con.register("incoming_quarantine", data.select(SCHEMA.names).cast(SCHEMA))
            before = con.execute(f"SELECT count(*) FROM {TABLE}").fetchall()[0][0]
            con.execute(
                f"INSERT INTO {TABLE} SELECT * FROM incoming_quarantine "
                "QUALIFY row_number() OVER (PARTITION BY id ORDER BY seen_at DESC) = 1 "
                "ON CONFLICT (id) DO UPDATE SET run_id = excluded.run_id, seen_at = excluded.seen_at"
            )
            after = con.execute(f"SELECT count(*) FROM {TABLE}").fetchall()[0][0]
            con.unregister("incoming_quarantine")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return after - before


def _create(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {LAYER}")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} (id VARCHAR PRIMARY KEY, source VARCHAR NOT NULL, "
        "object VARCHAR NOT NULL, day DATE NOT NULL, key VARCHAR, reason VARCHAR NOT NULL, detail VARCHAR, "
        "payload VARCHAR, payload_bytes BIGINT, stage VARCHAR, run_id VARCHAR, seen_at TIMESTAMPTZ)"
    )


def counts(con: duckdb.DuckDBPyConnection, source: str, obj: str, days: Sequence[date] | None = None) -> dict[str, int]:
    """Quarantined rows per reason for one object, over ``days`` (every day if None)."""
    _create(con)
    sql = f"SELECT reason, count(*) FROM {TABLE} WHERE source = ? AND object = ?"
    params: list[Any] = [source, obj]
    if days is not None:
        if not days:
            return {}
        sql += " AND day BETWEEN ? AND ?"
        params += [min(days), max(days)]
    return dict(con.execute(sql + " GROUP BY reason ORDER BY reason", params).fetchall())


def keys(con: duckdb.DuckDBPyConnection, source: str, obj: str, days: Sequence[date] | None = None) -> set[str]:
    """The keys of the records set aside for one object over ``days`` (every day if None)."""
    _create(con)
    sql = f"SELECT DISTINCT key FROM {TABLE} WHERE source = ? AND object = ? AND key IS NOT NULL"
    params: list[Any] = [source, obj]
    if days is not None:
        if not days:
            return set()
        sql += " AND day BETWEEN ? AND ?"
        params += [min(days), max(days)]
    return {row[0] for row in con.execute(sql, params).fetchall()}
