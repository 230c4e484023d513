"""One DuckDB load for a whole window of lake files: Parquet in, newest row per key upserted.

Why: loading day by day through Arrow cost a connection, a transaction and five count queries (two
of them full-table scans) per day, and held each day in Python memory. Here DuckDB reads the
window's Parquet files itself (``read_parquet(..., union_by_name=true)``: files may carry extra
discovered columns), ranks the rows per key in SQL and runs one ``INSERT ... ON CONFLICT DO UPDATE
... WHERE newer`` in one transaction, so the data never passes through Python.

The table ends exactly as the day-by-day upserts left it (``DuckDBExporter.upsert`` per day, oldest
day first):

* the schema evolves day by day, from each day's file footers, through ``DuckDBExporter._plan`` /
  ``_evolve``, so new columns, widenings and refusals are the same (and a refusal raises before
  anything is written);
* the newest row per key wins with the same ordering (version, then tie-breakers, ``DESC NULLS
  LAST``) and, on a full tie, the later day, as the later day's upsert would have replaced it;
* an upsert only sets the columns its data has, so a row of a day whose files lack a column keeps
  the stored value. Consecutive days with the same column names are therefore loaded by one
  statement each (normally the whole window is one group);
* per-day numbers are counted by ``GROUP BY`` over each row's day (the day folder of its file):
  rows, distinct keys, and keys new to the table, counted on the day a key first appears.
Rows with a null key or version are counted per day (``refused``) and left out; the caller diverts
them to the quarantine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date

import duckdb
import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.implementations.local import LocalFileSystem

from integration_pipelines.lib.warehouses.base import LOADED_AT_COLUMN, TableSpec, newer_or_equal, quote_ident
from integration_pipelines.lib.warehouses.duckdb import DuckDBExporter

# Measured (benchmarks/warehouse_load.py, 31 days, 2 cores): unlimited, the load's peak RSS grows
# with the window (+0.3 GB at 100k tickets, +1.3 GB at 1M); at 256 MB DuckDB spills the ranking and
# the peak stays near +0.3 GB at both sizes, at 1.5-2.5x the time of the unlimited load at 1M (still
# faster than the day-by-day load). 128 MB was too little for the single INSERT ... ON CONFLICT upsert
# of 1M keys. Since the upsert is split (ranked table, UPDATE, INSERT), 192 MB keeps the whole step
# within 300 MB of the import baseline (benchmarks/step_memory.py: +280 MB first load, +284 MB reload
# at 1M; +344 / +353 MB at 256 MB) for about 3 % more time.
MEMORY_LIMIT = "192MB"
Connect = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]


@dataclass(frozen=True)
class DayCounts:
    """One day's load: good rows read, distinct keys among them, keys new to the table (counted on the
    first day of the window a key appears), keys already present, rows refused (null key/version)."""

    rows_in: int = 0
    keys_in: int = 0
    inserted: int = 0
    matched: int = 0
    refused: int = 0


@dataclass(frozen=True)
class WindowResult:
    days: dict[date, DayCounts] = field(default_factory=dict)
    table_rows: int = 0
    deleted_rows: int = 0


def day_schemas(files_by_day: Mapping[date, Sequence[str]], fs: fsspec.AbstractFileSystem) -> dict[date, pa.Schema]:
    """Each day's schema as reading its files together gives it (footers only)."""
    return {
        day: pa.unify_schemas([pq.read_schema(p, filesystem=fs) for p in files], promote_options="permissive")
        for day, files in sorted(files_by_day.items())
        if files
    }


def column_groups(schemas: Mapping[date, pa.Schema]) -> list[list[date]]:
    """Runs of consecutive days whose files have the same column names: one upsert statement each."""
    groups: list[list[date]] = []
    for day, schema in sorted(schemas.items()):
        if groups and set(schemas[groups[-1][0]].names) == set(schema.names):
            groups[-1].append(day)
        else:
            groups.append([day])
    return groups


def load_window(
    connect: Connect,
    table: TableSpec,
    files_by_day: Mapping[date, Sequence[str]],
    fs: fsspec.AbstractFileSystem | None = None,
    memory_limit: str | None = MEMORY_LIMIT,
) -> WindowResult | None:
    """Upsert every row of ``files_by_day`` into ``table`` in one transaction; None if there are no files.

    ``memory_limit`` caps DuckDB's memory during the load (it spills the ranking to its temporary
    directory beyond it); should the load still not fit, it is run again under the database's own
    limit rather than fail. None keeps the database's limit throughout."""
    fs = fs or LocalFileSystem()
    files_by_day = {day: list(files) for day, files in sorted(files_by_day.items()) if files}
    if not files_by_day:
        return None
    schemas = day_schemas(files_by_day, fs)
    for schema in schemas.values():
        _require_columns(table, schema)
    with connect() as con:
        paths = _duckdb_paths(con, fs, files_by_day)
        if memory_limit is not None:
            try:
                with _memory_limit(con, memory_limit):
                    return _load(con, table, schemas, paths)
            except duckdb.OutOfMemoryException:
                pass  # rolled back; the table is as it was
        return _load(con, table, schemas, paths)


@contextmanager
def _memory_limit(con: duckdb.DuckDBPyConnection, limit: str) -> Iterator[None]:
    """DuckDB's memory limit is the database's, not the connection's: set for the load, then restored."""
    previous = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    con.execute(f"SET memory_limit = '{limit}'")
    try:
        yield
    finally:
        con.execute(f"SET memory_limit = '{previous}'")


def _load(
    con: duckdb.DuckDBPyConnection,
    table: TableSpec,
    schemas: Mapping[date, pa.Schema],
    paths: Mapping[date, list[str]],
) -> WindowResult:
    con.execute("BEGIN TRANSACTION")
    try:
        evolved: pa.Schema | None = None
        for schema in schemas.values():  # the same DDL, in the same order, as the day-by-day upserts
            if evolved is not None and schema.equals(evolved):  # same as the day before: no change to plan
                continue
            evolved = schema
            stored = DuckDBExporter._stored_columns(con, table)
            new_columns, widenings = DuckDBExporter._plan(table, stored, schema)
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(table.schema)}")
            DuckDBExporter._evolve(con, table, _target(table), schema, stored, new_columns, widenings)
        days = _count_days(con, table, paths)
        for group in column_groups(schemas):
            _upsert_group(con, table, [p for day in group for p in paths[day]], _union_names(schemas, group))
        deleted = "count(*) FILTER (WHERE is_deleted)" if "is_deleted" in schemas[max(schemas)].names else "0"
        table_rows, deleted_rows = con.execute(f"SELECT count(*), {deleted} FROM {_target(table)}").fetchone()
        con.execute("DROP TABLE IF EXISTS window_keys")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return WindowResult(days=days, table_rows=table_rows, deleted_rows=deleted_rows)


def _target(table: TableSpec) -> str:
    return f"{quote_ident(table.schema)}.{quote_ident(table.name)}"


def _require_columns(table: TableSpec, schema: pa.Schema) -> None:
    missing = [c for c in (*table.primary_key, table.version_column) if c not in schema.names]
    if missing:
        raise ValueError(f"{table.qualified}: incoming data lacks key column(s) {missing}")


def _union_names(schemas: Mapping[date, pa.Schema], group: Sequence[date]) -> list[str]:
    return list(dict.fromkeys(name for day in group for name in schemas[day].names))


def _duckdb_paths(
    con: duckdb.DuckDBPyConnection, fs: fsspec.AbstractFileSystem, files_by_day: Mapping[date, list[str]]
) -> dict[date, list[str]]:
    """Local paths as they are; any other filesystem is registered with DuckDB under its protocol."""
    if isinstance(fs, LocalFileSystem):
        return dict(files_by_day)
    try:
        con.register_filesystem(fs)
    except duckdb.InvalidInputException as error:  # once per database, not per connection
        if "already been registered" not in str(error):
            raise
    return {day: [fs.unstrip_protocol(p) for p in files] for day, files in files_by_day.items()}


def _parquet(paths: Sequence[str]) -> str:
    listed = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
    return f"read_parquet([{listed}], union_by_name = true)"


def _refused(table: TableSpec) -> str:
    return " OR ".join(f"{quote_ident(c)} IS NULL" for c in (*table.primary_key, table.version_column))


def _count_days(
    con: duckdb.DuckDBPyConnection, table: TableSpec, paths: Mapping[date, list[str]]
) -> dict[date, DayCounts]:
    """Per day: rows, distinct keys, refused rows, and keys not in the table before this load, counted
    on their first day (a later day of the window finds them present, as its own upsert would)."""
    keys = ", ".join(quote_ident(k) for k in table.primary_key)
    ordered = [day for day in sorted(paths) for _ in paths[day]]
    day_of_file = "[" + ", ".join(f"DATE '{day.isoformat()}'" for day in ordered) + "]"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE window_keys AS SELECT {keys}, "
        f"{day_of_file}[CAST(file_index AS BIGINT) + 1] AS _day, ({_refused(table)}) AS _refused, count(*) AS _rows "
        f"FROM {_parquet([p for day in sorted(paths) for p in paths[day]])} GROUP BY ALL"
    )
    per_day = con.execute(
        "SELECT _day, sum(_rows) FILTER (WHERE NOT _refused), count(*) FILTER (WHERE NOT _refused), "
        "sum(_rows) FILTER (WHERE _refused) FROM window_keys GROUP BY _day"
    ).fetchall()
    new_keys = dict(
        con.execute(
            f"SELECT first_day, count(*) FROM (SELECT {keys}, min(_day) AS first_day FROM window_keys "
            f"WHERE NOT _refused GROUP BY {keys}) AS f ANTI JOIN {_target(table)} AS t USING ({keys}) "
            "GROUP BY first_day"
        ).fetchall()
    )
    days = {}
    for day, rows, distinct, refused in per_day:
        inserted = new_keys.get(day, 0)
        days[day] = DayCounts(
            rows_in=int(rows or 0),
            keys_in=distinct,
            inserted=inserted,
            matched=distinct - inserted,
            refused=int(refused or 0),
        )
    return days


def _upsert_group(con: duckdb.DuckDBPyConnection, table: TableSpec, paths: Sequence[str], names: list[str]) -> None:
    """Newest row per key of these files, upserted: replaces a stored row only when it ranks at or
    above it (``newer_or_equal``), as ``DuckDBExporter.upsert`` does.

    Three statements rather than one ``INSERT ... ON CONFLICT DO UPDATE``: with every column in its
    ``SET``, DuckDB ran out of ``memory_limit`` on windows of realistic Zendesk tickets (at 256 MB from
    100k tickets on, even into an empty table), and the load then ran again without a limit: +1 GB of
    RSS at 100k tickets, +5 GB at 1M (``benchmarks/step_memory.py``). Here the newest rows go to a
    temporary table (which spills), then an ``UPDATE`` of the stored keys they outrank and an
    ``INSERT`` of the keys not stored: at 1M tickets under 256 MB, first load or a full reload.
    ``now()`` is the transaction's start, so both statements stamp the same ``_loaded_at``."""
    target = _target(table)
    keys = [quote_ident(k) for k in table.primary_key]
    ordering = [c for c in (table.version_column, *table.tie_breakers) if c in names]
    rank = ", ".join(f"{quote_ident(c)} DESC NULLS LAST" for c in ordering)
    columns = [quote_ident(c) for c in names]
    updates = ", ".join(
        f"{c} = incoming.{c}" for c, name in zip(columns, names, strict=True) if name not in table.primary_key
    )
    loaded = quote_ident(LOADED_AT_COLUMN)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE window_incoming AS SELECT {', '.join(columns)} FROM {_parquet(paths)} "
        f"WHERE NOT ({_refused(table)}) "
        f"QUALIFY row_number() OVER (PARTITION BY {', '.join(keys)} ORDER BY {rank}, file_index DESC) = 1"
    )
    same_key = " AND ".join(f"{target}.{k} = incoming.{k}" for k in keys)
    con.execute(
        f"UPDATE {target} SET {updates}, {loaded} = now() FROM window_incoming AS incoming "
        f"WHERE {same_key} AND {newer_or_equal(ordering, 'incoming', target)}"
    )
    con.execute(
        f"INSERT INTO {target} ({', '.join(columns)}, {loaded}) "
        f"SELECT {', '.join(f'incoming.{c}' for c in columns)}, now() FROM window_incoming AS incoming "
        f"ANTI JOIN {target} USING ({', '.join(keys)})"
    )
    con.execute("DROP TABLE window_incoming")
