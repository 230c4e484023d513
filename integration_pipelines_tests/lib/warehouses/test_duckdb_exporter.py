"""The DuckDB exporter on a real DuckDB file: upsert semantics, schema drift, text fidelity, atomicity.

Every test loads Arrow tables shaped like the raw layer's (typed columns plus ``_extracted_at`` and
``_raw``) through dagster-duckdb's connection factory and reads the table back with SQL.
"""

from __future__ import annotations

import itertools
import json
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from dagster_duckdb import DuckDBResource

from integration_pipelines.lib.records import TIMESTAMP
from integration_pipelines.lib.warehouses.base import LoadResult, TableSpec
from integration_pipelines.lib.warehouses.duckdb import DuckDBExporter
from integration_pipelines.lib.warehouses.schema import SchemaChangeError
from integration_pipelines_tests.lib.warehouses.samples import (
    ARABIC,
    BASE_FIELDS,
    EXTRACTED,
    TICKETS,
    at,
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


def columns(warehouse: DuckDBResource, spec: TableSpec = TICKETS) -> dict[str, str]:
    return dict(fetch(warehouse, "SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                      [spec.schema, spec.name]))


def test_first_load_creates_the_table(exporter: DuckDBExporter, warehouse: DuckDBResource) -> None:
    """Loading 3 tickets into a new file creates zendesk.tickets with the incoming columns (DuckDB
    types) plus _loaded_at and a primary key on id, holding one row per id exactly as sent."""
    rows = [row(1, 1, "one"), row(2, 2, "two"), row(3, 3, "three")]
    result = exporter.upsert(TICKETS, table(rows))
    assert result == LoadResult(rows_in=3, keys_in=3, inserted=3, matched=0, table_rows=3, deleted_rows=0)
    assert columns(warehouse) == {
        "id": "BIGINT", "updated_at": "TIMESTAMP WITH TIME ZONE", "is_deleted": "BOOLEAN", "subject": "VARCHAR",
        "_extracted_at": "TIMESTAMP WITH TIME ZONE", "_raw": "VARCHAR", "_loaded_at": "TIMESTAMP WITH TIME ZONE"}
    assert current(warehouse) == rows
    assert fetch(warehouse, "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'tickets' "
                            "AND constraint_type = 'PRIMARY KEY'") == [(1,)]
    assert fetch(warehouse, "SELECT count(*) FROM zendesk.tickets WHERE _loaded_at IS NULL") == [(0,)]


def test_duplicates_in_one_load_keep_the_newest_version(exporter: DuckDBExporter,
                                                        warehouse: DuckDBResource) -> None:
    """Five rows for two ids in one load, newest not first: one row per id, the highest updated_at."""
    rows = [row(1, 1, "old"), row(2, 5, "two newest"), row(1, 3, "newest"), row(2, 4, "two old"), row(1, 2, "mid")]
    result = exporter.upsert(TICKETS, table(rows))
    assert (result.rows_in, result.keys_in, result.inserted, result.table_rows) == (5, 2, 2, 2)
    assert [(r["id"], r["subject"], r["updated_at"]) for r in current(warehouse)] == [
        (1, "newest", at(3)), (2, "two newest", at(5))]


def test_older_versions_never_overwrite_newer_rows(exporter: DuckDBExporter, warehouse: DuckDBResource) -> None:
    """A later load carrying an older version of id 1, a newer version of id 2 and a new id 3: id 1
    keeps its newer row, id 2 is updated, id 3 inserted; both 1 and 2 count as matched."""
    exporter.upsert(TICKETS, table([row(1, 10, "new one"), row(2, 10, "old two")]))
    result = exporter.upsert(TICKETS, table([row(1, 5, "stale one"), row(2, 11, "new two"), row(3, 1, "three")]))
    assert result == LoadResult(rows_in=3, keys_in=3, inserted=1, matched=2, table_rows=3, deleted_rows=0)
    assert [(r["id"], r["subject"]) for r in current(warehouse)] == [(1, "new one"), (2, "new two"), (3, "three")]


def test_ties_on_updated_at_are_broken_the_same_whatever_the_order(exporter: DuckDBExporter,
                                                                   warehouse: DuckDBResource) -> None:
    """Three versions of id 7 with equal updated_at: the latest _extracted_at wins, and between the
    two with equal extraction the greater _raw. Fed in all 6 orders (each into its own table), the
    stored row must be the same every time."""
    later = EXTRACTED + timedelta(hours=1)
    versions = [row(7, 4, "first pull", raw='{"a":1}'), row(7, 4, "second pull b", extracted=later, raw='{"b":1}'),
                row(7, 4, "second pull c", extracted=later, raw='{"c":1}')]
    results = []
    for n, order in enumerate(itertools.permutations(versions)):
        spec = TableSpec("zendesk", f"tickets_{n}", ("id",))
        exporter.upsert(spec, table(list(order)))
        results.append(current(warehouse, spec))
    assert len(results) == 6
    assert all(r == [versions[2]] for r in results)


def test_ties_across_loads_are_broken_by_the_latest_extraction(exporter: DuckDBExporter,
                                                               warehouse: DuckDBResource) -> None:
    """base.py: "the highest version_column wins, ties broken by the latest extraction". Loading the
    newer extraction first and then re-running an older pull with the same updated_at (a backfill,
    a retried run) must keep the newer extraction."""
    newer = row(1, 4, "newer extraction", extracted=EXTRACTED + timedelta(hours=1))
    older = row(1, 4, "older extraction", extracted=EXTRACTED)
    exporter.upsert(TICKETS, table([newer]))
    exporter.upsert(TICKETS, table([older]))
    assert current(warehouse) == [newer]


def test_rerunning_a_load_is_idempotent(exporter: DuckDBExporter, warehouse: DuckDBResource) -> None:
    """Load A, load B (updates, a delete and an insert), then B again: the table must be identical
    to after the first B apart from _loaded_at, and the re-run inserts nothing."""
    exporter.upsert(TICKETS, table([row(1, 1, "a1"), row(2, 1, "a2"), row(3, 1, "a3")]))
    load_b = table([row(1, 2, "b1"), row(3, 2, "b3", deleted=True), row(4, 2, "b4"), row(1, 1, "a1 again")])
    exporter.upsert(TICKETS, load_b)
    after_b = current(warehouse)
    rerun = exporter.upsert(TICKETS, load_b)
    assert rerun == LoadResult(rows_in=4, keys_in=3, inserted=0, matched=3, table_rows=4, deleted_rows=1)
    assert current(warehouse) == after_b
    assert [(r["id"], r["subject"]) for r in after_b] == [(1, "b1"), (2, "a2"), (3, "b3"), (4, "b4")]


def test_deletes_are_kept_as_flagged_rows(exporter: DuckDBExporter, warehouse: DuckDBResource) -> None:
    """A newer version with is_deleted = true replaces the row but does not remove it: the table still
    has both ids, id 2 flagged, and the load reports 1 deleted row."""
    exporter.upsert(TICKETS, table([row(1, 1, "keep"), row(2, 1, "to delete")]))
    result = exporter.upsert(TICKETS, table([row(2, 2, "to delete", deleted=True)]))
    assert result.table_rows == 2 and result.deleted_rows == 1 and result.inserted == 0
    assert [(r["id"], r["is_deleted"], r["updated_at"]) for r in current(warehouse)] == [
        (1, False, at(1)), (2, True, at(2))]


def test_new_columns_are_added_and_old_rows_get_null(exporter: DuckDBExporter, warehouse: DuckDBResource) -> None:
    """When the source starts sending "priority" (string) and "satisfaction" (int), the table gains
    both columns with matching types; ids loaded before have NULL in them, new values are stored."""
    exporter.upsert(TICKETS, table([row(1, 1, "one"), row(2, 1, "two")]))
    extra = (pa.field("priority", pa.string()), pa.field("satisfaction", pa.int64()))
    result = exporter.upsert(TICKETS, table([row(2, 2, "two", priority="high", satisfaction=5),
                                             row(3, 2, "three", priority="low", satisfaction=None)], *extra))
    assert result.table_rows == 3
    assert columns(warehouse) == {
        "id": "BIGINT", "updated_at": "TIMESTAMP WITH TIME ZONE", "is_deleted": "BOOLEAN", "subject": "VARCHAR",
        "_extracted_at": "TIMESTAMP WITH TIME ZONE", "_raw": "VARCHAR", "_loaded_at": "TIMESTAMP WITH TIME ZONE",
        "priority": "VARCHAR", "satisfaction": "BIGINT"}
    assert fetch(warehouse, "SELECT id, priority, satisfaction FROM zendesk.tickets ORDER BY id") == [
        (1, None, None), (2, "high", 5), (3, "low", None)]


def test_safe_type_changes_are_widened(exporter: DuckDBExporter, warehouse: DuckDBResource) -> None:
    """schema.py's widenings: after 2 rows with score BIGINT, code BIGINT and flag BOOLEAN, a load
    sending score as a float, code and flag as strings widens them in place (DOUBLE, VARCHAR,
    VARCHAR; column order kept) and converts the 2 old rows exactly (3 → 3.0, 42 → '42', -7 → '-7',
    true → 'true', false → 'false'). A third load sending score as BIGINT again into the DOUBLE column
    changes no type. 4 rows at the end, each load inserting 1 (then 1) new id."""
    ints = (pa.field("score", pa.int64()), pa.field("code", pa.int64()), pa.field("flag", pa.bool_()))
    exporter.upsert(TICKETS, table([row(1, 1, "one", score=3, code=42, flag=True),
                                    row(2, 1, "two", score=None, code=-7, flag=False)], *ints))
    before = list(columns(warehouse))
    wide = (pa.field("score", pa.float64()), pa.field("code", pa.string()), pa.field("flag", pa.string()))
    result = exporter.upsert(TICKETS, table([row(3, 1, "three", score=2.5, code="A-7", flag="maybe")], *wide))
    assert (result.inserted, result.matched, result.table_rows) == (1, 0, 3)
    assert list(columns(warehouse)) == before
    assert {k: v for k, v in columns(warehouse).items() if k in ("score", "code", "flag")} == {
        "score": "DOUBLE", "code": "VARCHAR", "flag": "VARCHAR"}
    result = exporter.upsert(TICKETS, table([row(4, 1, "four", score=7, code="B", flag="no")],
                                            pa.field("score", pa.int64()), *wide[1:]))
    assert (result.inserted, result.table_rows) == (1, 4)
    assert columns(warehouse)["score"] == "DOUBLE"
    assert fetch(warehouse, "SELECT id, score, code, flag FROM zendesk.tickets ORDER BY id") == [
        (1, 3.0, "42", "true"), (2, None, "-7", "false"), (3, 2.5, "A-7", "maybe"), (4, 7.0, "B", "no")]


def _with_column(rows: list[dict], column: str, arrow_type: pa.DataType, *before: pa.Field) -> pa.Table:
    """The sample rows with ``column`` typed ``arrow_type`` (replacing the base field or appended),
    after the ``before`` fields."""
    fields = [f for f in BASE_FIELDS if f.name != column and f.name not in {b.name for b in before}]
    return pa.Table.from_pylist(rows, schema=pa.schema([*fields, *before, pa.field(column, arrow_type)]))


# (column, type the table holds, its value, type the source now sends, its value, message fragment)
INCOMPATIBLE = [
    pytest.param("subject", pa.string(), "one", pa.int64(), 5, "is STRING .* INTEGER", id="string-gets-integer"),
    pytest.param("subject", pa.string(), "one", pa.bool_(), True, "is STRING .* BOOLEAN", id="string-gets-boolean"),
    pytest.param("score", pa.float64(), 2.5, pa.string(), "2.5", "is FLOAT .* STRING", id="float-to-string"),
    pytest.param("score", pa.float64(), 2.5, pa.bool_(), True, "is FLOAT .* BOOLEAN", id="float-to-boolean"),
    pytest.param("seen", TIMESTAMP, at(1), pa.string(), "x", "is TIMESTAMP_TZ .* STRING", id="timestamp-to-string"),
    pytest.param("note", pa.string(), "x", TIMESTAMP, at(1), "is STRING .* TIMESTAMP_TZ", id="string-to-timestamp"),
    pytest.param("seen", TIMESTAMP, at(1), pa.timestamp("us"), at(1).replace(tzinfo=None),
                 "is TIMESTAMP_TZ .* TIMESTAMP_NTZ", id="tz-to-naive"),
    pytest.param("due", pa.date32(), at(1).date(), TIMESTAMP, at(1), "is DATE .* TIMESTAMP_TZ", id="date-to-timestamp"),
    pytest.param("is_deleted", pa.bool_(), False, pa.int64(), 0, "is BOOLEAN .* INTEGER", id="boolean-gets-integer"),
]


@pytest.mark.parametrize(("column", "stored_type", "stored_value", "new_type", "new_value", "message"),
                         INCOMPATIBLE)
def test_incompatible_type_change_is_rejected_by_name(exporter: DuckDBExporter, warehouse: DuckDBResource,
                                                      column: str, stored_type: pa.DataType, stored_value: object,
                                                      new_type: pa.DataType, new_value: object, message: str) -> None:
    """A change schema.py refuses (a STRING column receiving numbers or booleans, FLOAT → STRING or
    BOOLEAN, timestamps ↔ strings, tz-aware → naive, DATE → timestamp, BOOLEAN receiving integers),
    sent in a load that also brings a new column "priority", a safe widening (score INTEGER → FLOAT
    where score is not the column under test) and an update of id 1: SchemaChangeError naming
    zendesk.tickets and the column, and the table unchanged — the same 2 rows (_loaded_at included),
    the same columns with the same types, no "priority"."""
    widenable = column != "score"  # score INTEGER -> FLOAT, planned before the refused column is reached
    first = [{**row(i, 1, f"row {i}", score=i), column: stored_value} for i in (1, 2)]
    exporter.upsert(TICKETS, _with_column(first, column, stored_type,
                                          *([pa.field("score", pa.int64())] if widenable else [])))
    snapshot = fetch(warehouse, "SELECT * FROM zendesk.tickets ORDER BY id")
    described = fetch(warehouse, "DESCRIBE zendesk.tickets")
    assert len(snapshot) == 2

    bad = _with_column([{**row(1, 2, "updated", score=1.5), column: new_value}], column, new_type,
                       *([pa.field("score", pa.float64())] if widenable else []))
    bad = bad.append_column("priority", pa.array(["high"]))
    assert not widenable or bad.column_names.index("score") < bad.column_names.index(column)
    with pytest.raises(SchemaChangeError, match=rf"zendesk\.tickets: column '{column}' {message}"):
        exporter.upsert(TICKETS, bad)
    assert fetch(warehouse, "SELECT * FROM zendesk.tickets ORDER BY id") == snapshot
    assert fetch(warehouse, "DESCRIBE zendesk.tickets") == described


@pytest.mark.parametrize(("new_type", "new_id"), [(pa.float64(), 3.0), (pa.string(), "3")],
                         ids=["to-float", "to-string"])
def test_primary_key_columns_are_never_widened(exporter: DuckDBExporter, warehouse: DuckDBResource,
                                               new_type: pa.DataType, new_id: object) -> None:
    """id BIGINT (the primary key) receiving a double or a string — widenings schema.py allows for
    other columns — is refused: SchemaChangeError naming the column and saying primary-key columns are
    never widened; the 2 rows, the columns and the primary key are unchanged."""
    exporter.upsert(TICKETS, table([row(1, 1, "one"), row(2, 1, "two")]))
    snapshot = fetch(warehouse, "SELECT * FROM zendesk.tickets ORDER BY id")
    described = fetch(warehouse, "DESCRIBE zendesk.tickets")
    bad = _with_column([{**row(3, 2, "three"), "id": new_id}], "id", new_type)
    with pytest.raises(SchemaChangeError, match=r"zendesk\.tickets: column 'id' .*primary-key columns are never"):
        exporter.upsert(TICKETS, bad)
    assert fetch(warehouse, "SELECT * FROM zendesk.tickets ORDER BY id") == snapshot and len(snapshot) == 2
    assert fetch(warehouse, "DESCRIBE zendesk.tickets") == described
    assert fetch(warehouse, "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'tickets' "
                            "AND constraint_type = 'PRIMARY KEY'") == [(1,)]


def test_arabic_text_round_trips_byte_for_byte(exporter: DuckDBExporter, warehouse: DuckDBResource) -> None:
    """Arabic with tashkeel in non-canonical order, tatweel, Arabic-Indic digits, an RLM and ZWJ emoji
    must come back with exactly the same UTF-8 bytes, in the text column and inside _raw."""
    assert unicodedata.normalize("NFC", ARABIC) != ARABIC, "the sample must be one NFC would change"
    raw = json.dumps({"id": 1, "subject": ARABIC}, ensure_ascii=False)
    exporter.upsert(TICKETS, table([row(1, 1, ARABIC, raw=raw)]))
    ((subject, subject_bytes, stored_raw),) = fetch(warehouse,
                                                    "SELECT subject, encode(subject), _raw FROM zendesk.tickets")
    assert subject == ARABIC
    assert subject_bytes == ARABIC.encode("utf-8")
    assert stored_raw == raw and json.loads(stored_raw)["subject"] == ARABIC


def test_odd_identifiers_are_quoted(exporter: DuckDBExporter, warehouse: DuckDBResource) -> None:
    """Columns named select, "first name" and 'say "hi"', in a schema and table whose names have
    spaces, load and update correctly (a second load changes the values and adds "group by")."""
    spec = TableSpec("odd schema", "ticket table", ("id",))
    odd = (pa.field("select", pa.string()), pa.field("first name", pa.string()), pa.field('say "hi"', pa.int64()))
    exporter.upsert(spec, table([row(1, 1, "x", **{"select": "s1", "first name": "Ali", 'say "hi"': 1})], *odd))
    result = exporter.upsert(spec, table(
        [row(1, 2, "y", **{"select": "s2", "first name": "علي", 'say "hi"': 2, "group by": "g"}),
         row(2, 2, "z", **{"select": None, "first name": "Mona", 'say "hi"': 3, "group by": "h"})],
        *odd, pa.field("group by", pa.string())))
    assert result.table_rows == 2 and result.inserted == 1
    assert [(r["id"], r["select"], r["first name"], r['say "hi"'], r["group by"]) for r in current(warehouse, spec)] \
        == [(1, "s2", "علي", 2, "g"), (2, None, "Mona", 3, "h")]


def test_data_without_key_or_version_column_is_rejected(exporter: DuckDBExporter, warehouse: DuckDBResource) -> None:
    """Incoming data lacking updated_at cannot be merged: ValueError naming it, and no table created."""
    with pytest.raises(ValueError, match="updated_at"):
        exporter.upsert(TICKETS, pa.table({"id": [1], "subject": ["x"]}))
    assert fetch(warehouse, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'tickets'") == [(0,)]


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
    transaction (NOT NULL on the key): the table must keep its exact previous rows (_loaded_at
    included) and columns, no staging temp table may remain, and a later good load must work."""
    exporter = DuckDBExporter(shared_connection)
    exporter.upsert(TICKETS, table([row(1, 1, "one"), row(2, 1, "two")]))
    with shared_connection() as con:
        snapshot = con.execute("SELECT * FROM zendesk.tickets ORDER BY id").fetchall()
        described = con.execute("DESCRIBE zendesk.tickets").fetchall()

    bad = table([row(1, 2, "updated one", priority="high"), row(None, 2, "no id", priority="low")],
                pa.field("priority", pa.string()))
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
            (1, "fixed one"), (2, "two")]


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


def test_failed_first_load_creates_nothing(exporter: DuckDBExporter, warehouse: DuckDBResource) -> None:
    """If the very first load fails, neither the schema nor the table may exist afterwards."""
    with pytest.raises(duckdb.ConstraintException):
        exporter.upsert(TICKETS, table([row(None, 1, "no id")]))
    assert fetch(warehouse, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'tickets'") == [(0,)]
    assert fetch(warehouse, "SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'zendesk'") == [(0,)]
