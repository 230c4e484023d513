"""Redshift exporter: Arrow → Parquet on S3 → ``COPY`` into a temp staging table → dedup → ``MERGE``.

Same semantics as the other exporters (base.py): one current row per key, the highest version wins (ties:
latest ``_extracted_at``, then greatest ``_raw``; NULL lowest) within and across loads, deleted rows kept
with ``is_deleted = true``, ``_loaded_at`` set on every written row, re-runs give the same table.

Only one statement is Redshift-specific: ``COPY ... FROM 's3://...' IAM_ROLE ... FORMAT AS PARQUET``
(Redshift has no ``COPY FROM STDIN``). It lives behind the loader seam (``RedshiftCopyLoader``);
everything else is the SQL subset Redshift and PostgreSQL >= 15 share, which is what the tests run on
PostgreSQL with ``PostgresTestLoader`` (a test stand-in, see its docstring). Redshift-driven choices:

* Redshift's MERGE takes a *table* as source (no subquery) and has no ``WHEN MATCHED AND <cond>``,
  so the deduplicated rows go into a second temp table, rows ranking below the stored ones
  (``base.newer_or_equal``, NULL lowest) are deleted from it, and the MERGE itself is unconditional.
* Type changes follow ``schema.py`` (``widened_type``): stored types are read from
  ``information_schema.columns`` and mapped to the engine-neutral names, the change is planned first,
  and a change the rule refuses raises :class:`SchemaChangeError` before any DDL. Redshift can only
  ``ALTER COLUMN TYPE`` to resize a VARCHAR, and not inside a transaction block, so a widening is
  add-new-column / UPDATE cast / DROP old / RENAME (the column moves to the end). Redshift has no
  BOOLEAN -> VARCHAR cast, so booleans are converted with ``CASE`` (to ``'true'``/``'false'``).
  An all-NULL incoming column (Arrow null type) is no type change: it stays out of the Parquet file
  and becomes a NULL of the stored column's type in the dedup table (a new one has no type: refused).

Each load runs in one transaction: a failed or killed load leaves the previous table as it was.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from integration_pipelines.lib.warehouses.base import (
    LOADED_AT_COLUMN,
    LoadResult,
    TableSpec,
    newer_or_equal,
    quote_ident,
    require_columns,
)
from integration_pipelines.lib.warehouses.redshift_loading import Dialect, Loader
from integration_pipelines.lib.warehouses.schema import (
    BOOLEAN,
    DATE,
    FLOAT,
    INTEGER,
    STRING,
    TIMESTAMP_NTZ,
    TIMESTAMP_TZ,
    logical_type,
    plan_changes,
)
from integration_pipelines.lib.warehouses.schema import (
    SchemaChangeError as SchemaChangeError,  # re-exported: the error this exporter raises lives in schema.py
)

# information_schema.columns.data_type (PostgreSQL and Redshift spell them alike) -> neutral name. Only types
# holding every value of it exactly are mapped (REAL rounds doubles, CHAR pads); others only match themselves.
_FROM_INFORMATION_SCHEMA = {
    "bigint": INTEGER,
    "integer": INTEGER,
    "smallint": INTEGER,
    "double precision": FLOAT,
    "boolean": BOOLEAN,
    "text": STRING,
    "character varying": STRING,
    "date": DATE,
    "timestamp with time zone": TIMESTAMP_TZ,
    "timestamp without time zone": TIMESTAMP_NTZ,
}


def column_type(arrow_type: pa.DataType) -> str:
    """The engine-neutral type of an incoming Arrow column (``schema.logical_type``), refusing the
    Arrow null type (an all-NULL column), which has no Redshift column type of its own."""
    if pa.types.is_null(arrow_type):
        raise TypeError(f"no Redshift column type for Arrow {arrow_type}")
    return logical_type(arrow_type)


def sql_type(kind: str, dialect: Dialect) -> str:
    """The SQL type of an engine-neutral type name."""
    return {
        INTEGER: "BIGINT",
        FLOAT: "DOUBLE PRECISION",
        BOOLEAN: "BOOLEAN",
        STRING: dialect.text_type,
        TIMESTAMP_TZ: "TIMESTAMPTZ",
        TIMESTAMP_NTZ: "TIMESTAMP",
        DATE: "DATE",
    }[kind]


def _logical_from_information_schema(data_type: str) -> str:
    return _FROM_INFORMATION_SCHEMA.get(data_type.lower(), data_type)


MAX_VARCHAR_BYTES = 65535  # Redshift's VARCHAR(MAX): a limit in bytes (an Arabic letter takes two)


def reject_oversized_text(table: TableSpec, data: pa.Table) -> None:
    """A string longer than Redshift can hold would fail the whole COPY with a generic error; say which
    table and column instead, before anything is staged (the same rule on the PostgreSQL rehearsal)."""
    for field in data.schema:
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            longest = pc.max(pc.binary_length(data.column(field.name))).as_py() or 0
            if longest > MAX_VARCHAR_BYTES:
                raise ValueError(
                    f"{table.qualified}: column {field.name!r} has a value of {longest} bytes; "
                    f"Redshift VARCHAR holds at most {MAX_VARCHAR_BYTES}. Nothing was loaded"
                )


class RedshiftExporter:
    """Upserts Arrow tables into Redshift (or, in tests, PostgreSQL >= 15 via ``PostgresTestLoader``)."""

    name = "redshift"

    def __init__(
        self,
        connect: Callable[[], AbstractContextManager[Any]],
        s3_client: Any,
        bucket: str,
        prefix: str,
        loader: Loader,
    ) -> None:
        self.connect = connect
        self.s3_client = s3_client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.loader = loader

    @property
    def dialect(self) -> Dialect:
        return self.loader.dialect

    def staging_key(self, table: TableSpec, token: str) -> str:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{table.schema}.{table.name}")
        return "/".join(p for p in (self.prefix, safe, f"{token}.parquet") if p)

    def upsert(self, table: TableSpec, data: pa.Table) -> LoadResult:
        require_columns(table, data)
        # fail on unsupported types before any I/O; all-NULL columns (Arrow null type) stay out of the
        # Parquet file and go in as NULLs of the stored column's type (key columns may not be all-NULL)
        kinds = {
            f.name: column_type(f.type)
            for f in data.schema
            if not pa.types.is_null(f.type) or f.name in table.primary_key
        }
        reject_oversized_text(table, data)
        token = uuid.uuid4().hex
        key = self.staging_key(table, token)
        staging, dedup = f"stg_{token}", f"stg_{token}_dedup"
        buffer = io.BytesIO()
        pq.write_table(data.select(list(kinds)), buffer, coerce_timestamps="us", allow_truncated_timestamps=True)
        self.s3_client.put_object(Bucket=self.bucket, Key=key, Body=buffer.getvalue())
        failed = True
        try:
            with self.connect() as con:
                autocommit = getattr(con, "autocommit", False)
                if autocommit:
                    con.autocommit = False
                try:
                    cur = con.cursor()
                    try:
                        result = self._load(cur, table, data, kinds, f"s3://{self.bucket}/{key}", staging, dedup)
                        cur.execute(f"DROP TABLE {quote_ident(dedup)}")
                        cur.execute(f"DROP TABLE {quote_ident(staging)}")
                    finally:
                        cur.close()
                    con.commit()
                except BaseException:
                    self._abort(con, staging, dedup)
                    raise
                finally:
                    if autocommit:
                        con.autocommit = True
            failed = False
            return result
        finally:
            try:
                self.s3_client.delete_object(Bucket=self.bucket, Key=key)
            except Exception:
                if not failed:  # a failed load's own error matters more than a leftover object
                    raise

    def _abort(self, con: Any, staging: str, dedup: str) -> None:
        """Roll back (the temp tables go with the transaction), then make sure they are gone; never
        masks the original error, e.g. when the connection itself died."""
        try:
            con.rollback()
            with con.cursor() as cur:
                cur.execute(f"DROP TABLE IF EXISTS {quote_ident(dedup)}")
                cur.execute(f"DROP TABLE IF EXISTS {quote_ident(staging)}")
            con.commit()
        except Exception:  # noqa: BLE001 - best effort; the original exception propagates
            pass

    def _load(
        self, cur: Any, table: TableSpec, data: pa.Table, kinds: dict[str, str], s3_uri: str, staging: str, dedup: str
    ) -> LoadResult:
        d = self.dialect
        target = f"{quote_ident(table.schema)}.{quote_ident(table.name)}"
        names, staged = data.column_names, list(kinds)
        cur.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(table.schema)}")
        stored = self._ensure_table(cur, table, target, kinds, names)

        columns_ddl = ", ".join(f"{quote_ident(c)} {sql_type(kinds[c], d)}" for c in staged)
        cur.execute(f"CREATE TEMP TABLE {quote_ident(staging)} ({columns_ddl})")
        self.loader.load(cur, staging, s3_uri, staged)

        cols = ", ".join(quote_ident(c) for c in names)
        keys = [quote_ident(k) for k in table.primary_key]
        ordering = [c for c in (table.version_column, *table.tie_breakers) if c in names]
        # an all-NULL column orders nothing within the load; it becomes a typed NULL in the dedup table
        order = ", ".join(f"{quote_ident(c)} DESC NULLS LAST" for c in ordering if c in kinds)
        picked = ", ".join(
            quote_ident(c) if c in kinds else f"CAST(NULL AS {sql_type(stored[c], d)}) AS {quote_ident(c)}"
            for c in names
        )
        cur.execute(
            f"CREATE TEMP TABLE {quote_ident(dedup)} AS SELECT {picked} FROM ("
            f"SELECT {', '.join(quote_ident(c) for c in staged)}, row_number() OVER (PARTITION BY {', '.join(keys)}"
            f"{f' ORDER BY {order}' if order else ''}) AS __merge_rn FROM {quote_ident(staging)}) ranked "
            "WHERE __merge_rn = 1"
        )

        s, t = quote_ident(dedup), target
        on = " AND ".join(f"{s}.{k} = {t}.{k}" for k in keys)
        keys_in = self._scalar(cur, f"SELECT count(*) FROM {s}")
        before = self._scalar(cur, f"SELECT count(*) FROM {t}")
        matched = self._scalar(cur, f"SELECT count(*) FROM {s} JOIN {t} ON {on}")
        # drop incoming rows that rank below the stored ones (base.newer_or_equal: NULL lowest)
        cur.execute(f"DELETE FROM {s} USING {t} WHERE {on} AND NOT {newer_or_equal(ordering, s, t)}")

        def value(c: str) -> str:
            expr = f"{s}.{quote_ident(c)}"
            return expr if stored[c] == kinds.get(c, stored[c]) else f"CAST({expr} AS {sql_type(stored[c], d)})"

        loaded = quote_ident(LOADED_AT_COLUMN)
        updates = ", ".join(
            [f"{quote_ident(c)} = {value(c)}" for c in names if c not in table.primary_key] + [f"{loaded} = {d.now}"]
        )
        cur.execute(
            f"MERGE INTO {t} USING {s} ON {on} "
            f"WHEN MATCHED THEN UPDATE SET {updates} "
            f"WHEN NOT MATCHED THEN INSERT ({cols}, {loaded}) VALUES ({', '.join(value(c) for c in names)}, {d.now})"
        )

        after = self._scalar(cur, f"SELECT count(*) FROM {t}")
        deleted = self._scalar(cur, f"SELECT count(*) FROM {t} WHERE is_deleted") if "is_deleted" in names else 0
        return LoadResult(
            rows_in=data.num_rows,
            keys_in=keys_in,
            inserted=after - before,
            matched=matched,
            table_rows=after,
            deleted_rows=deleted,
        )

    @staticmethod
    def _scalar(cur: Any, sql: str, params: Sequence[Any] | None = None) -> Any:
        cur.execute(sql, params)
        return cur.fetchone()[0]

    def _ensure_table(
        self, cur: Any, table: TableSpec, target: str, kinds: dict[str, str], names: Sequence[str]
    ) -> dict[str, str]:
        """Create the table, or add / widen columns; returns the type of every column afterwards.
        Everything is planned first: a refused change raises before any DDL runs. ``names`` are all
        incoming columns, ``kinds`` the types of those that are not all-NULL."""
        cur.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
            (table.schema, table.name),
        )
        existing = {name: _logical_from_information_schema(data_type) for name, data_type in cur.fetchall()}
        d = self.dialect
        untyped = [c for c in names if c not in kinds and c not in existing]
        if untyped:
            raise TypeError(f"{table.qualified}: no Redshift column type for all-NULL new column(s) {untyped}")
        if not existing:
            columns = [
                f"{quote_ident(c)} {sql_type(k, d)}{' NOT NULL' if c in table.primary_key else ''}"
                for c, k in kinds.items()
            ]
            columns.append(f"{quote_ident(LOADED_AT_COLUMN)} TIMESTAMPTZ")
            key = ", ".join(quote_ident(k) for k in table.primary_key)
            cur.execute(f"CREATE TABLE {target} ({', '.join(columns)}, PRIMARY KEY ({key}))")
            return dict(kinds)
        new_columns, widenings = plan_changes(table.qualified, existing, kinds, table.primary_key)
        for name in new_columns:
            cur.execute(f"ALTER TABLE {target} ADD COLUMN {quote_ident(name)} {sql_type(kinds[name], d)}")
        for name, wider in widenings.items():
            self._widen(cur, target, name, existing[name], wider)
        return {**existing, **{name: kinds[name] for name in new_columns}, **widenings}

    def _widen(self, cur: Any, target: str, column: str, old: str, new: str) -> None:
        """Redshift-safe type change inside the transaction: new column, copy with a cast, swap."""
        temp = quote_ident(f"{column}__widen_{uuid.uuid4().hex[:8]}")
        new_type = sql_type(new, self.dialect)
        source = quote_ident(column)
        if old == BOOLEAN:  # Redshift cannot CAST a BOOLEAN to VARCHAR
            converted = f"CASE WHEN {source} THEN 'true' WHEN NOT {source} THEN 'false' END"
        else:
            converted = f"CAST({source} AS {new_type})"
        cur.execute(f"ALTER TABLE {target} ADD COLUMN {temp} {new_type}")
        cur.execute(f"UPDATE {target} SET {temp} = {converted}")
        cur.execute(f"ALTER TABLE {target} DROP COLUMN {source}")
        cur.execute(f"ALTER TABLE {target} RENAME COLUMN {temp} TO {source}")
