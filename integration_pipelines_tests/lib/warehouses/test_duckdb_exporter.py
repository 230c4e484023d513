"""The DuckDB exporter on a real DuckDB file: what only DuckDB does.

The semantics every engine shares (upserts, ordering, schema changes, text, rejected loads) are in
test_exporter_contract*.py, which runs them on DuckDB too. Here: the PRIMARY KEY behind ``ON CONFLICT``,
odd identifiers, and the load's single transaction rolling back (temp staging table, added and widened
columns) when it fails half-way. Tables are read back with SQL through dagster-duckdb's factory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from dagster_duckdb import DuckDBResource

from integration_pipelines.lib.warehouses.base import TableSpec
from integration_pipelines.lib.warehouses.duckdb import DuckDBExporter
from integration_pipelines.lib.warehouses.schema import SchemaChangeError
from integration_pipelines_tests.lib.warehouses.samples import (
    BASE_FIELDS,
    TICKETS,
    row,
    table,
)


@pytest.fixture
def warehouse(tmp_path: Path) -> DuckDBResource:
    return DuckDBResource(database=str(tmp_path / "w.duckdb"))


@pytest.fixture
def exporter(warehouse: DuckDBResource) -> DuckDBExporter:
    return DuckDBExporter(warehouse.get_connection)


def fetch(warehouse: DuckDBResource, sql: str, params: list | None = None) -> list[tuple]:
    with warehouse.get_connection() as con:
        return con.execute(sql, params or []).fetchall()


def as_dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def current(warehouse: DuckDBResource, spec: TableSpec = TICKETS) -> list[dict]:
    """The table without ``_loaded_at``, ordered by id."""
    with warehouse.get_connection() as con:
        return as_dicts(con.execute(f'SELECT * EXCLUDE (_loaded_at) FROM "{spec.schema}"."{spec.name}" ORDER BY id'))


def test_the_key_is_a_primary_key_and_stays_one(exporter: DuckDBExporter, warehouse: DuckDBResource) -> None:
    """The first load declares id as the table's PRIMARY KEY (1 constraint, the ON CONFLICT target);
    a later load sending id as a string (refused: key columns are never widened) leaves that 1
    constraint and the 2 rows as they were."""
    exporter.upsert(TICKETS, table([row(1, 1, "one"), row(2, 1, "two")]))
    constraints = (
        "SELECT constraint_column_names FROM duckdb_constraints() WHERE table_name = 'tickets' "
        "AND constraint_type = 'PRIMARY KEY'"
    )
    assert fetch(warehouse, constraints) == [(["id"],)]
    fields = [f if f.name != "id" else pa.field("id", pa.string()) for f in BASE_FIELDS]
    bad = pa.Table.from_pylist([{**row(3, 2, "three"), "id": "3"}], schema=pa.schema(fields))
    with pytest.raises(SchemaChangeError, match="primary-key columns are never widened"):
        exporter.upsert(TICKETS, bad)
    assert fetch(warehouse, constraints) == [(["id"],)]
    assert fetch(warehouse, "SELECT id, subject FROM zendesk.tickets ORDER BY id") == [(1, "one"), (2, "two")]


def test_odd_identifiers_are_quoted(exporter: DuckDBExporter, warehouse: DuckDBResource) -> None:
    """Columns named select, "first name" and 'say "hi"', in a schema and table whose names have
    spaces, load and update correctly (a second load changes the values and adds "group by")."""
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
    assert [
        (r["id"], r["select"], r["first name"], r['say "hi"'], r["group by"]) for r in current(warehouse, spec)
    ] == [(1, "s2", "علي", 2, "g"), (2, None, "Mona", 3, "h")]


@pytest.fixture
def shared_connection(tmp_path: Path) -> Iterator[Callable[[], object]]:
    """A connection factory that hands out one long-lived connection, so whatever a failed load leaves
    in that session (temp tables) is still there to be seen."""
    con = duckdb.connect(str(tmp_path / "shared.duckdb"))

    @contextmanager
    def connect() -> Iterator[duckdb.DuckDBPyConnection]:
        yield con

    yield connect
    con.close()


def test_failed_load_leaves_previous_table_untouched(shared_connection: Callable, tmp_path: Path) -> None:
    """A load that adds a column, updates id 1 and inserts a row with a NULL id fails inside the
    transaction (NOT NULL on the key), on one long-lived connection: the table must keep its exact 2
    previous rows (_loaded_at included) and columns (DESCRIBE), no "staging" temp table may remain in
    that session, a later good load matches 1 (2 rows), and the file reopened holds exactly that."""
    exporter = DuckDBExporter(shared_connection)
    exporter.upsert(TICKETS, table([row(1, 1, "one"), row(2, 1, "two")]))
    with shared_connection() as con:
        snapshot = con.execute("SELECT * FROM zendesk.tickets ORDER BY id").fetchall()
        described = con.execute("DESCRIBE zendesk.tickets").fetchall()

    bad = table(
        [row(1, 2, "updated one", priority="high"), row(None, 2, "no id", priority="low")],
        pa.field("priority", pa.string()),
    )
    with pytest.raises(duckdb.ConstraintException):
        exporter.upsert(TICKETS, bad)

    with shared_connection() as con:
        assert con.execute("SELECT * FROM zendesk.tickets ORDER BY id").fetchall() == snapshot
        assert con.execute("DESCRIBE zendesk.tickets").fetchall() == described
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'staging'").fetchone() == (0,)
    result = exporter.upsert(TICKETS, table([row(1, 3, "fixed one")]))
    assert result.matched == 1 and result.table_rows == 2

    with shared_connection() as con:
        con.close()
    with duckdb.connect(str(tmp_path / "shared.duckdb")) as reopened:
        assert reopened.execute("SELECT id, subject FROM zendesk.tickets ORDER BY id").fetchall() == [
            (1, "fixed one"),
            (2, "two"),
        ]


def test_failed_load_rolls_back_its_widenings(shared_connection: Callable) -> None:
    """A load that widens score BIGINT → DOUBLE and code BIGINT → VARCHAR, updates id 1 and carries a
    NULL id fails inside the transaction (NOT NULL on the key): the widenings are rolled back with
    it — the same 2 rows (_loaded_at included), score and code still BIGINT, no staging table."""
    exporter = DuckDBExporter(shared_connection)
    ints = (pa.field("score", pa.int64()), pa.field("code", pa.int64()))
    exporter.upsert(TICKETS, table([row(1, 1, "one", score=1, code=42), row(2, 1, "two", score=2, code=7)], *ints))
    with shared_connection() as con:
        snapshot = con.execute("SELECT * FROM zendesk.tickets ORDER BY id").fetchall()
        described = con.execute("DESCRIBE zendesk.tickets").fetchall()

    wide = (pa.field("score", pa.float64()), pa.field("code", pa.string()))
    bad = table([row(1, 2, "updated one", score=1.5, code="A"), row(None, 2, "no id", score=0.5, code="B")], *wide)
    with pytest.raises(duckdb.ConstraintException):
        exporter.upsert(TICKETS, bad)

    with shared_connection() as con:
        assert con.execute("SELECT * FROM zendesk.tickets ORDER BY id").fetchall() == snapshot
        assert con.execute("DESCRIBE zendesk.tickets").fetchall() == described
        assert [r[1] for r in described if r[0] in ("score", "code")] == ["BIGINT", "BIGINT"]
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'staging'").fetchone() == (0,)
