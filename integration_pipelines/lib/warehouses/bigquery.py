"""BigQuery exporter: Arrow → Parquet load job into a staging table → one deduplicated ``MERGE``.

Same semantics as the other exporters (see ``base.py``): one current row per primary key, the
highest ``version_column`` wins, ties broken by ``_extracted_at`` then ``_raw`` (all descending,
NULL lowest) within a load and across loads, deleted rows kept with ``is_deleted = true``,
``_loaded_at = CURRENT_TIMESTAMP()`` on every row written, and re-running a load leaves the same
table apart from ``_loaded_at``. ``TableSpec.schema`` is the dataset (created when missing).

Decisions:

* **Rows travel by load job, never in SQL text.** The Arrow table is written as Parquet and loaded
  with ``load_table_from_file`` (free on BigQuery, byte-exact strings, no streaming buffer to block
  the DML that follows) into ``ip_stg_<hex>``, created first with an explicit schema and a one-day
  expiration, so a process killed outright leaves nothing behind for good; a normal failure drops
  it in ``finally``. Staging columns get safe names (``c0``, ``c1``, ...) so flexible column names
  never meet the Parquet path; the real names come back in the MERGE source. The SQL itself holds
  no values at all, only backtick-quoted identifiers (GoogleSQL escapes: ``\\`` and ``\\```).
* **One MERGE** from a ``QUALIFY row_number() ... = 1`` subquery. "Incoming is newer or equal" is
  ``base.newer_or_equal`` (an OR/AND chain, NULL lowest; GoogleSQL cannot order STRUCTs), and the
  INSERT has an explicit column list (the emulator has no ``INSERT ROW``). A MERGE is atomic on
  BigQuery, so a failed one changes nothing. The counts take one query before it and one after
  (outside any transaction: a concurrent load of the same table can skew the counts, never the rows).
* **Schema changes are one ``CREATE OR REPLACE TABLE ... AS SELECT`` with casts** (new columns as
  typed NULLs at the end, widened columns cast in place). ``ALTER COLUMN SET DATA TYPE`` cannot do
  INT64/BOOL → STRING on BigQuery; on the emulator (bqemulator 1.4) ``ALTER TABLE`` changes the
  storage but not the catalog and ``tables.patch`` the reverse, while CTAS keeps both in step; and
  one statement is all-or-nothing, unlike add/update/drop/rename. The price: the table is rewritten
  (billed as a scan of it) and options we never set (descriptions, labels, clustering) would be lost,
  so don't add them by hand to these tables (on a partitioned one BigQuery refuses the replace).
  Schema changes are rare. A schema change is not undone if the MERGE after it fails.
* **Everything that can reject a load runs before anything is changed**: missing key or version
  column, NULL keys (checked in Arrow, before any request), and type changes that
  ``schema.widened_type`` refuses (``SchemaChangeError``). Key columns are created ``NOT NULL``
  (REQUIRED, enforced by BigQuery); no PRIMARY KEY is declared: correctness rests on the deduplicated
  MERGE source, not on constraints.
"""

from __future__ import annotations

import functools
import io
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from google.api_core.exceptions import NotFound
from google.cloud import bigquery

from integration_pipelines.lib.warehouses.base import (
    LOADED_AT_COLUMN,
    LoadResult,
    TableSpec,
    newer_or_equal,
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
    logical_type,
    widened_type,
)

STAGING_PREFIX = "ip_stg_"
STAGING_EXPIRATION = timedelta(days=1)

_BIGQUERY_TYPES = {
    INTEGER: "INT64",
    FLOAT: "FLOAT64",
    BOOLEAN: "BOOL",
    STRING: "STRING",
    DATE: "DATE",
    TIMESTAMP_TZ: "TIMESTAMP",
    TIMESTAMP_NTZ: "DATETIME",
}
# tables.get reports legacy names (INTEGER, FLOAT, BOOLEAN) or standard ones, depending on how the
# column was created; anything else (NUMERIC, BYTES, ...) only matches itself
_STANDARD_NAMES = {"INTEGER": "INT64", "FLOAT": "FLOAT64", "BOOLEAN": "BOOL"}
_LOGICAL_TYPES = {sql: logical for logical, sql in _BIGQUERY_TYPES.items()}
_ARROW_TYPES = {INTEGER: pa.int64(), FLOAT: pa.float64(), BOOLEAN: pa.bool_(), STRING: pa.string(), DATE: pa.date32()}

Connect = Callable[[], AbstractContextManager[bigquery.Client]]


def quote_ident(name: str) -> str:
    """A GoogleSQL quoted identifier: backticks, with the escapes of string literals."""
    escaped = name.replace("\\", "\\\\").replace("`", "\\`").replace("\n", "\\n").replace("\r", "\\r")
    return f"`{escaped}`"


def bigquery_type(arrow_type: pa.DataType) -> str:
    return _BIGQUERY_TYPES[logical_type(arrow_type)]


def _standard_type(field: bigquery.SchemaField) -> str:
    return _STANDARD_NAMES.get(field.field_type, field.field_type)


class BigQueryExporter:
    """Upserts into BigQuery through a client factory, e.g. dagster-gcp's ``BigQueryResource.get_client``;
    ``location`` is used for new datasets and for every job."""

    name = "bigquery"

    def __init__(self, connect: Connect, location: str | None = None) -> None:
        self.connect = connect
        self.location = location

    def upsert(self, table: TableSpec, data: pa.Table) -> LoadResult:
        require_columns(table, data)
        names = data.column_names
        if len({n.lower() for n in names}) != len(names):
            raise ValueError(f"{table.qualified}: incoming column names repeat (BigQuery ignores case): {names}")
        incoming = {f.name: logical_type(f.type) for f in data.schema}
        null_keys = functools.reduce(pc.or_, [pc.is_null(data[k]) for k in table.primary_key])
        nulls = pc.sum(null_keys).as_py() or 0
        if nulls:
            raise ValueError(
                f"{table.qualified}: {nulls} incoming row(s) have a NULL primary key "
                f"{list(table.primary_key)}; nothing was loaded"
            )
        staged = _staging_arrow(data, incoming)
        with self.connect() as client:
            dataset = bigquery.DatasetReference(client.project, table.schema)
            target_ref = dataset.table(table.name)
            target = ".".join(quote_ident(p) for p in (client.project, table.schema, table.name))
            stored = self._stored_columns(client, target_ref)
            all_null = {f.name for f in data.schema if pa.types.is_null(f.type)}
            new_columns, types = self._plan(table, stored, incoming, all_null)
            if stored is None:
                self._ensure_dataset(client, dataset)
            staging_ref = dataset.table(f"{STAGING_PREFIX}{uuid.uuid4().hex}")
            failed = True
            try:
                self._stage(client, staging_ref, staged, incoming)
                if stored is None:
                    self._create(client, table, target, incoming)
                elif new_columns or any(types[c] != _standard_type(stored[c]) for c in stored):
                    self._rebuild(client, target, stored, types, new_columns)
                staging = ".".join(quote_ident(p) for p in (client.project, table.schema, staging_ref.table_id))
                result = self._merge(client, table, target, staging, data, types)
                failed = False
                return result
            finally:
                try:
                    client.delete_table(staging_ref, not_found_ok=True)
                except Exception:  # noqa: BLE001 - on failure the load's own error matters more; it expires
                    if not failed:
                        raise

    # -- schema ------------------------------------------------------------------------------------

    @staticmethod
    def _stored_columns(
        client: bigquery.Client, ref: bigquery.TableReference
    ) -> dict[str, bigquery.SchemaField] | None:
        try:
            return {f.name: f for f in client.get_table(ref).schema}
        except NotFound:
            return None

    @staticmethod
    def _plan(
        table: TableSpec, stored: dict[str, bigquery.SchemaField] | None, incoming: dict[str, str], all_null: set[str]
    ) -> tuple[list[str], dict[str, str]]:
        """New columns, and the BigQuery type every column must have (stored and incoming, by stored
        name); raises SchemaChangeError before anything is written. An all-NULL column (Arrow null
        type) fits any stored type as it is: never a type change (a new one becomes STRING)."""
        if stored is None:
            return [], {c: _BIGQUERY_TYPES[k] for c, k in incoming.items()}
        types = {c: _standard_type(f) for c, f in stored.items()}
        by_lower = {c.lower(): c for c in stored}
        new_columns = []
        for column, kind in incoming.items():
            existing = by_lower.get(column.lower())
            if existing is None:
                new_columns.append(column)
                types[column] = _BIGQUERY_TYPES[kind]
                continue
            stored_kind = _LOGICAL_TYPES.get(types[existing], types[existing])
            if column in all_null:
                types.setdefault(column, types[existing])
                continue
            wide = widened_type(table.qualified, column, stored_kind, kind, is_key=column in table.primary_key)
            types[existing] = _BIGQUERY_TYPES.get(wide, types[existing])
            types.setdefault(column, types[existing])  # same column, as the source spells it
        return new_columns, types

    def _ensure_dataset(self, client: bigquery.Client, ref: bigquery.DatasetReference) -> None:
        try:
            client.get_dataset(ref)
        except NotFound:
            dataset = bigquery.Dataset(ref)
            if self.location:  # an explicit null location is a bad request
                dataset.location = self.location
            client.create_dataset(dataset, exists_ok=True)

    def _create(self, client: bigquery.Client, table: TableSpec, target: str, incoming: dict[str, str]) -> None:
        columns = [
            f"{quote_ident(c)} {_BIGQUERY_TYPES[k]}{' NOT NULL' if c in table.primary_key else ''}"
            for c, k in incoming.items()
        ]
        columns.append(f"{quote_ident(LOADED_AT_COLUMN)} TIMESTAMP")
        self._query(client, f"CREATE TABLE IF NOT EXISTS {target} ({', '.join(columns)})")

    def _rebuild(
        self,
        client: bigquery.Client,
        target: str,
        stored: dict[str, bigquery.SchemaField],
        types: dict[str, str],
        new_columns: Sequence[str],
    ) -> None:
        """Widen and add columns in one CREATE OR REPLACE ... AS SELECT (see the module docstring)."""
        definitions, selects = [], []
        for column, field in stored.items():
            q, sql_type = quote_ident(column), types[column]
            definitions.append(f"{q} {sql_type}{' NOT NULL' if field.mode == 'REQUIRED' else ''}")
            selects.append(q if sql_type == _standard_type(field) else f"CAST({q} AS {sql_type}) AS {q}")
        for column in new_columns:
            definitions.append(f"{quote_ident(column)} {types[column]}")
            selects.append(f"CAST(NULL AS {types[column]}) AS {quote_ident(column)}")
        # a column list keeps REQUIRED keys, but can only spell scalar types
        nested = any(f.field_type in ("RECORD", "STRUCT") or f.mode == "REPEATED" for f in stored.values())
        column_list = "" if nested else f" ({', '.join(definitions)})"
        self._query(
            client, f"CREATE OR REPLACE TABLE {target}{column_list} AS SELECT {', '.join(selects)} FROM {target}"
        )

    # -- staging -----------------------------------------------------------------------------------

    def _stage(
        self, client: bigquery.Client, ref: bigquery.TableReference, staged: pa.Table, incoming: dict[str, str]
    ) -> None:
        schema = [bigquery.SchemaField(f"c{i}", _BIGQUERY_TYPES[k]) for i, k in enumerate(incoming.values())]
        staging = bigquery.Table(ref, schema=schema)
        staging.expires = datetime.now(UTC) + STAGING_EXPIRATION
        client.create_table(staging)
        if not staged.num_rows:
            return
        buffer = io.BytesIO()
        pq.write_table(staged, buffer, coerce_timestamps="us", allow_truncated_timestamps=True)
        config = bigquery.LoadJobConfig(
            source_format=bigquery.SourceFormat.PARQUET,
            write_disposition=bigquery.WriteDisposition.WRITE_APPEND,
            create_disposition=bigquery.CreateDisposition.CREATE_NEVER,
        )
        client.load_table_from_file(buffer, ref, job_config=config, location=self.location, rewind=True).result()

    # -- merge -------------------------------------------------------------------------------------

    def _merge(
        self,
        client: bigquery.Client,
        table: TableSpec,
        target: str,
        staging: str,
        data: pa.Table,
        types: dict[str, str],
    ) -> LoadResult:
        names = data.column_names
        pos = {name: quote_ident(f"c{i}") for i, name in enumerate(names)}
        incoming = {f.name: bigquery_type(f.type) for f in data.schema}

        def value(c: str) -> str:  # cast only where the column is wider than what the source sent
            return pos[c] if types[c] == incoming[c] else f"CAST({pos[c]} AS {types[c]})"

        ordering = [c for c in (table.version_column, *table.tie_breakers) if c in names]
        source = (
            f"SELECT {', '.join(f'{value(c)} AS {quote_ident(c)}' for c in names)} FROM {staging} WHERE TRUE "
            f"QUALIFY row_number() OVER (PARTITION BY {', '.join(pos[k] for k in table.primary_key)} "
            f"ORDER BY {', '.join(f'{pos[c]} DESC NULLS LAST' for c in ordering)}) = 1"
        )
        on = " AND ".join(f"t.{quote_ident(k)} = s.{quote_ident(k)}" for k in table.primary_key)
        loaded_at = quote_ident(LOADED_AT_COLUMN)
        updates = [f"{quote_ident(c)} = s.{quote_ident(c)}" for c in names if c not in table.primary_key]
        updates.append(f"{loaded_at} = CURRENT_TIMESTAMP()")
        newer = newer_or_equal(ordering, "s", "t", quote_ident)
        before, keys_in, matched = self._query(
            client,
            f"SELECT (SELECT count(*) FROM {target}), (SELECT count(*) FROM ({source})), "
            f"(SELECT count(*) FROM ({source}) AS s JOIN {target} AS t ON {on})",
        )[0]
        self._query(
            client,
            f"MERGE INTO {target} AS t USING ({source}) AS s ON {on} "
            f"WHEN MATCHED AND {newer} THEN UPDATE SET {', '.join(updates)} "
            f"WHEN NOT MATCHED THEN INSERT ({', '.join(quote_ident(c) for c in names)}, {loaded_at}) "
            f"VALUES ({', '.join(f's.{quote_ident(c)}' for c in names)}, CURRENT_TIMESTAMP())",
        )
        deleted = f"countif({quote_ident('is_deleted')})" if "is_deleted" in names else "0"
        after, deleted_rows = self._query(client, f"SELECT count(*), {deleted} FROM {target}")[0]
        return LoadResult(
            rows_in=data.num_rows,
            keys_in=keys_in,
            inserted=after - before,
            matched=matched,
            table_rows=after,
            deleted_rows=deleted_rows,
        )

    def _query(self, client: bigquery.Client, sql: str) -> list[tuple]:
        return [tuple(row.values()) for row in client.query(sql, location=self.location).result()]


def _staging_arrow(data: pa.Table, incoming: dict[str, str]) -> pa.Table:
    """``data`` under the staging names ``c0, c1, ...``, each column in the one Arrow type its BigQuery
    type loads from (timestamps keep their unit; Parquet writing coerces them to microseconds)."""
    columns = []
    for column, kind in zip(data.columns, incoming.values(), strict=True):
        target = _ARROW_TYPES.get(kind)
        columns.append(column if target is None or column.type == target else column.cast(target))
    return pa.Table.from_arrays(columns, names=[f"c{i}" for i in range(data.num_columns)])
