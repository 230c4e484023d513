"""The Snowflake exporter against fakesnow (in-process ``fakesnow.patch()``): what only Snowflake does.

The semantics every engine shares are in test_exporter_contract*.py, which runs them on fakesnow too.
Here: identifiers quoted as given through the ``IP_STG_`` staging table, and a MERGE that really fails
half-way inside its transaction. SQL here quotes lower-case identifiers (``"zendesk"."tickets"``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import fakesnow
import pyarrow as pa
import pytest
import snowflake.connector
from snowflake.connector import DictCursor

from integration_pipelines.lib.warehouses.base import TableSpec
from integration_pipelines.lib.warehouses.snowflake import STAGING_PREFIX, SnowflakeExporter
from integration_pipelines_tests.lib.warehouses.samples import (
    TICKETS,
    row,
    table,
)

Connect = Callable[[], Any]


@pytest.fixture
def connect() -> Iterator[Connect]:
    """A fresh fake Snowflake per test; each call opens a new connection (like SnowflakeResource)."""
    with fakesnow.patch():

        @contextmanager
        def factory() -> Iterator[Any]:
            con = snowflake.connector.connect(database="ANALYTICS", schema="PUBLIC")
            try:
                yield con
            finally:
                con.close()

        yield factory


@pytest.fixture
def exporter(connect: Connect) -> SnowflakeExporter:
    return SnowflakeExporter(connect)


def fetch(connect: Connect, sql: str, params: list | None = None) -> list[tuple]:
    with connect() as con:
        return con.cursor().execute(sql, params).fetchall()


def current(connect: Connect, spec: TableSpec = TICKETS) -> list[dict]:
    """The table without ``_loaded_at``, ordered by id."""
    with connect() as con:
        rows = con.cursor(DictCursor).execute(f'SELECT * FROM "{spec.schema}"."{spec.name}" ORDER BY "id"').fetchall()
    return [{k: v for k, v in r.items() if k != "_loaded_at"} for r in rows]


def staging_tables(connect: Connect) -> list[tuple]:
    return fetch(
        connect,
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_name LIKE %s",
        [STAGING_PREFIX + "%"],
    )


def test_odd_identifiers_are_quoted(exporter: SnowflakeExporter, connect: Connect) -> None:
    """Columns named select, "first name" and 'say "hi"', in a schema and table whose names have
    spaces, load and update (a second load changes the values, adds "group by", inserts 1 of 2 rows):
    Snowflake would upper-case them unquoted, so every name is quoted as given, through write_pandas's
    staging names (C0, C1, ...) and back; no IP_STG_ table remains."""
    spec = TableSpec("odd schema", "ticket table", ("id",))
    odd = (pa.field("select", pa.string()), pa.field("first name", pa.string()), pa.field('say "hi"', pa.int64()))
    exporter.upsert(spec, table([row(1, 1, "x", **{"select": "s1", "first name": "Ali", 'say "hi"': 1})], *odd))
    result = exporter.upsert(
        spec,
        table(
            [
                row(1, 2, "y", **{"select": "s2", "first name": "علي", 'say "hi"': 2, "group by": "g"}),
                row(2, 2, "z", **{"select": None, "first name": "Mona", 'say "hi"': 3, "group by": "h"}),
            ],
            *odd,
            pa.field("group by", pa.string()),
        ),
    )
    assert result.table_rows == 2 and result.inserted == 1
    assert [(r["id"], r["select"], r["first name"], r['say "hi"'], r["group by"]) for r in current(connect, spec)] == [
        (1, "s2", "علي", 2, "g"),
        (2, None, "Mona", 3, "h"),
    ]
    assert staging_tables(connect) == []


class _Recording:
    """Delegates to a real (fake-Snowflake) connection and records every statement run through it."""

    def __init__(self, con: Any, statements: list[str]) -> None:
        self._con, self.statements = con, statements

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)

    def cursor(self, *args: Any) -> Any:
        cursor = self._con.cursor(*args)
        execute = cursor.execute

        def recorded(sql: str, *params: Any, **kwargs: Any) -> Any:
            self.statements.append(sql)
            return execute(sql, *params, **kwargs)

        cursor.execute = recorded
        return cursor


def test_staging_table_is_transient_with_safe_names_and_the_session_schema_is_restored(connect: Connect) -> None:
    """A first load of 2 rows (6 columns) through a recording connection: exactly 1 staging table,
    created TRANSIENT as "zendesk"."IP_STG_<32 upper-case hex>" with columns "C0".."C5" in the incoming
    order and Snowflake types; the session schema goes back to PUBLIC after CREATE SCHEMA (which makes
    "zendesk" current), is switched to "zendesk" for write_pandas and back to PUBLIC after it (3 USE
    SCHEMA statements; still PUBLIC when the load is done); that same table is dropped last."""
    statements: list[str] = []
    after: list[str] = []

    @contextmanager
    def recording() -> Iterator[Any]:
        with connect() as con:
            yield _Recording(con, statements)
            after.append(con.cursor().execute("SELECT current_schema()").fetchone()[0])

    SnowflakeExporter(recording).upsert(TICKETS, table([row(1, 1, "one"), row(2, 1, "two")]))
    (create,) = [s for s in statements if s.startswith("CREATE TRANSIENT TABLE")]
    staging = re.fullmatch(r'CREATE TRANSIENT TABLE ("zendesk"\."IP_STG_[0-9A-F]{32}") \((.*)\)', create)
    assert staging, create
    assert staging.group(2) == (
        '"C0" NUMBER(38,0), "C1" TIMESTAMP_TZ, "C2" BOOLEAN, "C3" VARCHAR, "C4" TIMESTAMP_TZ, "C5" VARCHAR'
    )
    assert [s for s in statements if s.startswith("USE SCHEMA")] == [
        'USE SCHEMA "PUBLIC"',
        'USE SCHEMA "zendesk"',
        'USE SCHEMA "PUBLIC"',
    ]
    assert after == ["PUBLIC"]
    assert statements[-1] == f"DROP TABLE IF EXISTS {staging.group(1)}"
    assert staging_tables(connect) == []


class _SabotagedConnection:
    """Delegates to a real (fake-Snowflake) connection, but just before the MERGE runs it nulls the key
    of one staged row, so the MERGE itself fails for real (NOT NULL on the target's key) after it
    has already updated other rows in the same statement."""

    def __init__(self, con: Any) -> None:
        self._con = con

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)

    def cursor(self, *args: Any) -> Any:
        cursor = self._con.cursor(*args)
        execute = cursor.execute

        def sabotaged(sql: str, *params: Any, **kwargs: Any) -> Any:
            if sql.startswith("MERGE INTO"):
                staging = re.search(r'FROM ("[^"]+"\."IP_STG_[0-9A-F]+")', sql).group(1)
                self._con.cursor().execute(f'UPDATE {staging} SET "C0" = NULL WHERE "C0" = 3')
            return execute(sql, *params, **kwargs)

        cursor.execute = sabotaged
        return cursor


def test_merge_failing_half_way_leaves_previous_table_untouched(connect: Connect) -> None:
    """The MERGE (update id 1, insert id 3 whose key became NULL) fails inside its transaction: the
    table keeps its exact 2 rows including _loaded_at, no staging table remains, and the next load
    matches 1, inserts 1 and leaves 3 rows."""
    SnowflakeExporter(connect).upsert(TICKETS, table([row(1, 1, "one"), row(2, 1, "two")]))
    snapshot = fetch(connect, 'SELECT * FROM "zendesk"."tickets" ORDER BY "id"')

    @contextmanager
    def sabotaged() -> Iterator[Any]:
        with connect() as con:
            yield _SabotagedConnection(con)

    # real Snowflake raises snowflake.connector's IntegrityError; fakesnow lets DuckDB's error through
    with pytest.raises((snowflake.connector.errors.Error, duckdb.Error), match="NOT NULL"):
        SnowflakeExporter(sabotaged).upsert(TICKETS, table([row(1, 2, "updated one"), row(3, 2, "three")]))
    assert fetch(connect, 'SELECT * FROM "zendesk"."tickets" ORDER BY "id"') == snapshot
    assert staging_tables(connect) == []
    result = SnowflakeExporter(connect).upsert(TICKETS, table([row(1, 3, "fixed one"), row(3, 3, "three")]))
    assert (result.matched, result.inserted, result.table_rows) == (1, 1, 3)


class _DiesAfterRebuild(_SabotagedConnection):
    """Runs every statement for real until the widening's table rebuild has run, then dies on the next
    one, as a process killed at that moment would (Snowflake DDL has already committed)."""

    def cursor(self, *args: Any) -> Any:
        cursor = self._con.cursor(*args)
        execute = cursor.execute

        def dying(sql: str, *params: Any, **kwargs: Any) -> Any:
            if getattr(self, "rebuilt", False):
                raise KeyboardInterrupt("killed after the rebuild")
            result = execute(sql, *params, **kwargs)
            self.rebuilt = sql.startswith("CREATE OR REPLACE TABLE")
            return result

        cursor.execute = dying
        return cursor


def test_a_load_dying_right_after_a_widening_loses_no_value(connect: Connect) -> None:
    """code holds 42 and 7 as NUMBER; a load sending code as text dies right after the table rebuild
    that widens it: code is VARCHAR holding '42' and '7' (nothing lost, no helper column), the table
    still has its 2 rows, and the rerun of that load matches 1 and inserts 1 (3 rows)."""
    ints = (pa.field("code", pa.int64()),)
    SnowflakeExporter(connect).upsert(TICKETS, table([row(1, 1, "one", code=42), row(2, 1, "two", code=7)], *ints))
    load = table([row(1, 2, "one", code="A1"), row(3, 2, "three", code="B2")], pa.field("code", pa.string()))

    @contextmanager
    def dying() -> Iterator[Any]:
        with connect() as con:
            yield _DiesAfterRebuild(con)

    with pytest.raises(KeyboardInterrupt):
        SnowflakeExporter(dying).upsert(TICKETS, load)
    types = dict(
        fetch(
            connect,
            "SELECT column_name, data_type FROM information_schema.columns WHERE "
            "table_schema = 'zendesk' AND table_name = 'tickets' ORDER BY ordinal_position",
        )
    )
    assert types["code"] == "TEXT" and not [c for c in types if c.startswith("_ip_")]
    assert fetch(connect, 'SELECT "id", "code" FROM "zendesk"."tickets" ORDER BY "id"') == [(1, "42"), (2, "7")]
    result = SnowflakeExporter(connect).upsert(TICKETS, load)
    assert (result.matched, result.inserted, result.table_rows) == (1, 1, 3)
    assert fetch(connect, 'SELECT "id", "code" FROM "zendesk"."tickets" ORDER BY "id"') == [
        (1, "A1"),
        (2, "7"),
        (3, "B2"),
    ]


def test_an_empty_day_creates_the_table_without_a_merge_even_with_no_session_schema() -> None:
    """Tried: connections with no current schema (a resource configured without one; each load opens its
    own), a load into a schema that then exists, and a first load of no rows into a new table of that
    schema. Must hold: the empty load creates the table and changes nothing (no MERGE is sent: there is
    nothing to merge), and the next load of that table lands both rows."""
    with fakesnow.patch():

        @contextmanager
        def no_schema() -> Iterator[Any]:
            con = snowflake.connector.connect(database="ANALYTICS")
            try:
                yield con
            finally:
                con.close()

        exporter = SnowflakeExporter(no_schema)
        assert exporter.upsert(TICKETS, table([row(1, 1)])).table_rows == 1
        later = TableSpec("zendesk", "later_tickets", ("id",))
        empty = exporter.upsert(later, table([]))
        assert (empty.rows_in, empty.inserted, empty.table_rows) == (0, 0, 0)
        loaded = exporter.upsert(later, table([row(1, 1), row(2, 1)]))
        assert (loaded.rows_in, loaded.inserted, loaded.table_rows) == (2, 2, 2)
        assert [r["id"] for r in current(no_schema, later)] == [1, 2]
