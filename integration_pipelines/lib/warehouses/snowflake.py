"""Snowflake exporter: Arrow → transient staging table (``write_pandas``) → deduplicated ``MERGE INTO``.

Same semantics as the DuckDB exporter (see ``base.py``): one current row per primary key, the
highest ``version_column`` wins, ties broken by ``_extracted_at`` then ``_raw`` (all descending,
NULL lowest), deleted rows kept with ``is_deleted = true``, ``_loaded_at = current_timestamp()`` on
every row written, and re-running a load leaves the same table apart from ``_loaded_at``.

Decisions:

* **Identifiers are quoted exactly as given.** Snowflake upper-cases unquoted names; we do not, so
  the table is ``"zendesk"."tickets"`` with lower-case columns like ``"updated_at"``, the same names
  as in DuckDB and the lake. Queries on Snowflake must quote them (``SELECT "id" FROM
  "zendesk"."tickets"``).
* **Staging goes through ``write_pandas``** (called through its module so ``fakesnow.patch()`` can
  replace it), not a hand-rolled PUT + COPY: the connector already handles Parquet chunking, the
  temporary stage, compression and ``USE_LOGICAL_TYPE`` for timestamps. Two of its rough edges are
  avoided rather than worked around: the staging table and its columns get safe upper-case names
  (``IP_STG_<hex>``, ``C0``, ``C1``, ...; write_pandas does not escape ``"`` in column names) and the
  session is switched to the target schema for the call (fakesnow's write_pandas does not quote the
  schema). The real column names are restored in the MERGE source. Data is converted with
  ``pd.ArrowDtype`` so nullable integers stay integers and strings stay byte-exact.
* **Values never travel in SQL text**: rows go through write_pandas, lookups use bind parameters.
* **Atomicity.** Snowflake DDL auto-commits, so everything that can reject a load (schema changes
  that cannot be widened, NULL primary keys) is checked *before* the target is touched; the counts
  and the MERGE then run in one transaction (autocommit off for that phase) and are rolled back on
  any error. The staging table is dropped in ``finally``. A process killed outright (SIGKILL) can
  leave an ``IP_STG_*`` transient table behind; it is harmless and can be swept by name.
* **Type widening** follows ``schema.py``. Snowflake cannot ``ALTER COLUMN ... SET DATA TYPE``
  from NUMBER to FLOAT/VARCHAR, so the table is rebuilt in one statement, ``CREATE OR REPLACE TABLE
  ... COPY GRANTS AS SELECT`` with the widened columns cast in place (grants kept; the informational
  PRIMARY KEY is not re-declared; NOT NULL is set again on the key). A single statement cannot be
  killed half-way, unlike add column → UPDATE → drop → rename, which lost the column's values when
  a load died between the drop and the rename. The rebuild rewrites the table; type changes are rare.
* PRIMARY KEY is declared (informational in Snowflake, enforced by fakesnow) and the key columns
  are NOT NULL, which Snowflake does enforce; correctness relies on neither (the MERGE source is
  deduplicated by key).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

import pandas as pd
import pyarrow as pa
import snowflake.connector.pandas_tools

from integration_pipelines.lib.warehouses.base import (
    LOADED_AT_COLUMN,
    LoadResult,
    TableSpec,
    newer_or_equal,
    quote_ident,
    require_columns,
)
from integration_pipelines.lib.warehouses.schema import (
    BOOLEAN,
    DATE,
    FLOAT,
    INTEGER,
    STRING,
    TIMESTAMP_NTZ,
    TIMESTAMP_TZ,
    incoming_types,
    logical_type,
    plan_changes,
)

STAGING_PREFIX = "IP_STG_"

_SNOWFLAKE_TYPES = {
    INTEGER: "NUMBER(38,0)",
    FLOAT: "FLOAT",
    BOOLEAN: "BOOLEAN",
    STRING: "VARCHAR",
    DATE: "DATE",
    TIMESTAMP_TZ: "TIMESTAMP_TZ",
    TIMESTAMP_NTZ: "TIMESTAMP_NTZ",
}


def snowflake_type(arrow_type: pa.DataType) -> str:
    return _SNOWFLAKE_TYPES[logical_type(arrow_type)]


def _logical_from_information_schema(data_type: str, scale: int | None) -> str:
    """Map ``information_schema.columns.data_type`` back to the engine-neutral names of schema.py."""
    data_type = data_type.upper()
    if data_type in ("NUMBER", "DECIMAL", "NUMERIC", "INT", "INTEGER", "BIGINT"):
        return INTEGER if not scale else f"NUMBER(scale {scale})"
    if data_type in ("FLOAT", "DOUBLE", "REAL", "DOUBLE PRECISION"):
        return FLOAT
    if data_type in ("TEXT", "VARCHAR", "STRING"):
        return STRING
    if data_type in (BOOLEAN, DATE, TIMESTAMP_TZ, TIMESTAMP_NTZ):
        return data_type
    return data_type  # anything else (TIMESTAMP_LTZ, VARIANT, ...) only matches itself


class SnowflakeExporter:
    """Upserts into Snowflake through a connection factory, e.g. dagster-snowflake's
    ``SnowflakeResource.get_connection`` (or ``snowflake.connector.connect`` under ``fakesnow.patch()``)."""

    name = "snowflake"

    def __init__(self, connect: Callable[[], AbstractContextManager[Any]]) -> None:
        self.connect = connect

    def upsert(self, table: TableSpec, data: pa.Table) -> LoadResult:
        require_columns(table, data)
        target = f"{quote_ident(table.schema)}.{quote_ident(table.name)}"
        names = data.column_names
        if len(set(names)) != len(names):
            raise ValueError(f"{table.qualified}: incoming data has duplicate column names")
        with self.connect() as con:
            stored = self._stored_columns(con, table)
            new_columns, widenings = plan_changes(
                table.qualified, stored, incoming_types(data.schema), table.primary_key
            )
            staging_name = f"{STAGING_PREFIX}{uuid.uuid4().hex.upper()}"
            staging = f"{quote_ident(table.schema)}.{quote_ident(staging_name)}"
            # staging column i holds data column i under a name write_pandas cannot mangle
            pos = {name: quote_ident(f"C{i}") for i, name in enumerate(names)}
            if not stored:
                self._ensure_schema(con, table.schema)
            try:
                self._stage(con, table, staging, staging_name, data)
                self._reject_null_keys(con, table, staging, pos)
                self._evolve(con, table, target, data.schema, stored, new_columns, widenings)
                return self._merge(con, table, target, staging, data, pos)
            finally:
                _execute(con, f"DROP TABLE IF EXISTS {staging}")

    # -- schema ------------------------------------------------------------------------------------

    @staticmethod
    def _stored_columns(con: Any, table: TableSpec) -> dict[str, str]:
        rows = _execute(
            con,
            "SELECT column_name, data_type, numeric_scale FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
            [table.schema, table.name],
        )
        return {name: _logical_from_information_schema(data_type, scale) for name, data_type, scale in rows}

    @staticmethod
    def _ensure_schema(con: Any, schema: str) -> None:
        exists = _execute(con, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = %s", [schema])
        if not exists[0][0]:
            previous = _execute(con, "SELECT current_schema()")[0][0]
            _execute(con, f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
            if previous:  # CREATE SCHEMA makes the new schema the session's current one: switch back
                _execute(con, f"USE SCHEMA {quote_ident(previous)}")

    def _evolve(
        self,
        con: Any,
        table: TableSpec,
        target: str,
        schema: pa.Schema,
        stored: dict[str, str],
        new_columns: Sequence[str],
        widenings: dict[str, str],
    ) -> None:
        if not stored:
            columns = [
                f"{quote_ident(f.name)} {snowflake_type(f.type)}{' NOT NULL' if f.name in table.primary_key else ''}"
                for f in schema
            ]
            columns.append(f"{quote_ident(LOADED_AT_COLUMN)} TIMESTAMP_TZ")
            key = ", ".join(quote_ident(k) for k in table.primary_key)
            _execute(con, f"CREATE TABLE IF NOT EXISTS {target} ({', '.join(columns)}, PRIMARY KEY ({key}))")
            return
        for column in new_columns:
            _execute(
                con,
                f"ALTER TABLE {target} ADD COLUMN {quote_ident(column)} {snowflake_type(schema.field(column).type)}",
            )
        if widenings:  # one statement: a kill cannot leave a column half-copied
            columns = [*stored, *(c for c in new_columns if c not in stored)]
            select = ", ".join(
                f"CAST({quote_ident(c)} AS {_SNOWFLAKE_TYPES[widenings[c]]}) AS {quote_ident(c)}"
                if c in widenings
                else quote_ident(c)
                for c in columns
            )
            _execute(con, f"CREATE OR REPLACE TABLE {target} COPY GRANTS AS SELECT {select} FROM {target}")
            for key in table.primary_key:  # CTAS need not carry NOT NULL over; keep the key enforced
                _execute(con, f"ALTER TABLE {target} ALTER COLUMN {quote_ident(key)} SET NOT NULL")

    # -- staging -----------------------------------------------------------------------------------

    @staticmethod
    def _stage(con: Any, table: TableSpec, staging: str, staging_name: str, data: pa.Table) -> None:
        columns = ", ".join(f"{quote_ident(f'C{i}')} {snowflake_type(f.type)}" for i, f in enumerate(data.schema))
        _execute(con, f"CREATE TRANSIENT TABLE {staging} ({columns})")
        if not data.num_rows:
            return
        frame = data.rename_columns([f"C{i}" for i in range(data.num_columns)]).to_pandas(types_mapper=pd.ArrowDtype)
        previous = _execute(con, "SELECT current_schema()")[0][0]
        _execute(con, f"USE SCHEMA {quote_ident(table.schema)}")
        try:
            snowflake.connector.pandas_tools.write_pandas(
                con, frame, staging_name, quote_identifiers=True, use_logical_type=True
            )
        finally:
            if previous:
                _execute(con, f"USE SCHEMA {quote_ident(previous)}")

    @staticmethod
    def _reject_null_keys(con: Any, table: TableSpec, staging: str, pos: dict[str, str]) -> None:
        condition = " OR ".join(f"{pos[k]} IS NULL" for k in table.primary_key)
        nulls = _execute(con, f"SELECT count(*) FROM {staging} WHERE {condition}")[0][0]
        if nulls:
            raise ValueError(
                f"{table.qualified}: {nulls} incoming row(s) have a NULL primary key "
                f"{list(table.primary_key)}; nothing was loaded"
            )

    # -- merge -------------------------------------------------------------------------------------

    @staticmethod
    def _merge(
        con: Any, table: TableSpec, target: str, staging: str, data: pa.Table, pos: dict[str, str]
    ) -> LoadResult:
        names = data.column_names
        if not data.num_rows:  # a day with nothing to load: the table exists now, and a MERGE would change nothing
            rows, deleted = SnowflakeExporter._counts(con, target, names)
            return LoadResult(rows_in=0, keys_in=0, inserted=0, matched=0, table_rows=rows, deleted_rows=deleted)
        ordering = [c for c in (table.version_column, *table.tie_breakers) if c in names]
        keys = ", ".join(pos[k] for k in table.primary_key)
        order = ", ".join(f"{pos[c]} DESC NULLS LAST" for c in ordering)
        source = (
            f"SELECT {', '.join(f'{pos[c]} AS {quote_ident(c)}' for c in names)} FROM {staging} "
            f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY {order}) = 1"
        )
        on = " AND ".join(f"t.{quote_ident(k)} = s.{quote_ident(k)}" for k in table.primary_key)
        loaded_at = quote_ident(LOADED_AT_COLUMN)
        updates = [f"{quote_ident(c)} = s.{quote_ident(c)}" for c in names if c not in table.primary_key]
        updates.append(f"{loaded_at} = current_timestamp()")
        merge = (
            f"MERGE INTO {target} AS t USING ({source}) AS s ON {on} "
            f"WHEN MATCHED AND {newer_or_equal(ordering, 's', 't')} THEN UPDATE SET {', '.join(updates)} "
            f"WHEN NOT MATCHED THEN INSERT ({', '.join(quote_ident(c) for c in names)}, {loaded_at}) "
            f"VALUES ({', '.join(f's.{quote_ident(c)}' for c in names)}, current_timestamp())"
        )
        con.autocommit(False)
        try:
            before = _execute(con, f"SELECT count(*) FROM {target}")[0][0]
            keys_in = _execute(con, f"SELECT count(*) FROM ({source})")[0][0]
            matched = _execute(con, f"SELECT count(*) FROM ({source}) AS s JOIN {target} AS t ON {on}")[0][0]
            _execute(con, merge)
            after, deleted = SnowflakeExporter._counts(con, target, names)
            con.commit()
        except BaseException:
            con.rollback()
            raise
        finally:
            con.autocommit(True)
        return LoadResult(
            rows_in=data.num_rows,
            keys_in=keys_in,
            inserted=after - before,
            matched=matched,
            table_rows=after,
            deleted_rows=deleted,
        )

    @staticmethod
    def _counts(con: Any, target: str, names: Sequence[str]) -> tuple[int, int]:
        """The table's rows, and those flagged deleted (0 when the table has no ``is_deleted``)."""
        rows = _execute(con, f"SELECT count(*) FROM {target}")[0][0]
        deleted = (
            _execute(con, f"SELECT count(*) FROM {target} WHERE {quote_ident('is_deleted')}")[0][0]
            if "is_deleted" in names
            else 0
        )
        return rows, deleted


def _execute(con: Any, sql: str, params: Sequence[object] | None = None) -> list[tuple]:
    cursor = con.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()
