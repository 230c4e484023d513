"""The Snowflake exporter against fakesnow (in-process ``fakesnow.patch()``): the same cases as the
DuckDB exporter's tests, plus type widening and a MERGE that really fails half-way.

Names are quoted as given, so SQL here quotes lower-case identifiers (``"zendesk"."tickets"``).
"""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import duckdb
import fakesnow
import pyarrow as pa
import pytest
import snowflake.connector
from snowflake.connector import DictCursor

from integration_pipelines.lib.warehouses.base import LoadResult, TableSpec
from integration_pipelines.lib.warehouses.schema import SchemaChangeError
from integration_pipelines.lib.warehouses.snowflake import STAGING_PREFIX, SnowflakeExporter
from integration_pipelines_tests.lib.warehouses.samples import (
    ARABIC,
    BASE_FIELDS,
    EXTRACTED,
    TICKETS,
    at,
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


def columns(connect: Connect, spec: TableSpec = TICKETS) -> dict[str, str]:
    return dict(fetch(connect, "SELECT column_name, data_type FROM information_schema.columns "
                               "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
                      [spec.schema, spec.name]))


def staging_tables(connect: Connect) -> list[tuple]:
    return fetch(connect, "SELECT table_schema, table_name FROM information_schema.tables "
                          "WHERE table_name LIKE %s", [STAGING_PREFIX + "%"])


BASE_COLUMNS = {"id": "NUMBER", "updated_at": "TIMESTAMP_TZ", "is_deleted": "BOOLEAN", "subject": "TEXT",
                "_extracted_at": "TIMESTAMP_TZ", "_raw": "TEXT", "_loaded_at": "TIMESTAMP_TZ"}


def test_first_load_creates_the_table(exporter: SnowflakeExporter, connect: Connect) -> None:
    rows = [row(1, 1, "one"), row(2, 2, "two"), row(3, 3, "three")]
    result = exporter.upsert(TICKETS, table(rows))
    assert result == LoadResult(rows_in=3, keys_in=3, inserted=3, matched=0, table_rows=3, deleted_rows=0)
    assert columns(connect) == BASE_COLUMNS
    assert current(connect) == rows
    assert fetch(connect, 'SELECT count(*) FROM "zendesk"."tickets" WHERE "_loaded_at" IS NULL') == [(0,)]
    assert staging_tables(connect) == []


def test_duplicates_in_one_load_keep_the_newest_version(exporter: SnowflakeExporter, connect: Connect) -> None:
    rows = [row(1, 1, "old"), row(2, 5, "two newest"), row(1, 3, "newest"), row(2, 4, "two old"), row(1, 2, "mid")]
    result = exporter.upsert(TICKETS, table(rows))
    assert (result.rows_in, result.keys_in, result.inserted, result.table_rows) == (5, 2, 2, 2)
    assert [(r["id"], r["subject"], r["updated_at"]) for r in current(connect)] == [
        (1, "newest", at(3)), (2, "two newest", at(5))]


def test_older_versions_never_overwrite_newer_rows(exporter: SnowflakeExporter, connect: Connect) -> None:
    exporter.upsert(TICKETS, table([row(1, 10, "new one"), row(2, 10, "old two")]))
    result = exporter.upsert(TICKETS, table([row(1, 5, "stale one"), row(2, 11, "new two"), row(3, 1, "three")]))
    assert result == LoadResult(rows_in=3, keys_in=3, inserted=1, matched=2, table_rows=3, deleted_rows=0)
    assert [(r["id"], r["subject"]) for r in current(connect)] == [(1, "new one"), (2, "new two"), (3, "three")]


def test_ties_on_updated_at_are_broken_the_same_whatever_the_order(exporter: SnowflakeExporter,
                                                                   connect: Connect) -> None:
    later = EXTRACTED + timedelta(hours=1)
    versions = [row(7, 4, "first pull", raw='{"a":1}'), row(7, 4, "second pull b", extracted=later, raw='{"b":1}'),
                row(7, 4, "second pull c", extracted=later, raw='{"c":1}')]
    results = []
    for n, order in enumerate(itertools.permutations(versions)):
        spec = TableSpec("zendesk", f"tickets_{n}", ("id",))
        exporter.upsert(spec, table(list(order)))
        results.append(current(connect, spec))
    assert len(results) == 6
    assert all(r == [versions[2]] for r in results)
    # and across loads: each version loaded separately, in every order, ends on the same row
    for n, order in enumerate(itertools.permutations(versions)):
        spec = TableSpec("zendesk", f"tickets_seq_{n}", ("id",))
        for version in order:
            exporter.upsert(spec, table([version]))
        assert current(connect, spec) == [versions[2]]


def test_ties_across_loads_are_broken_by_the_latest_extraction(exporter: SnowflakeExporter,
                                                               connect: Connect) -> None:
    newer = row(1, 4, "newer extraction", extracted=EXTRACTED + timedelta(hours=1))
    older = row(1, 4, "older extraction", extracted=EXTRACTED)
    exporter.upsert(TICKETS, table([newer]))
    exporter.upsert(TICKETS, table([older]))
    assert current(connect) == [newer]


def test_rerunning_a_load_is_idempotent(exporter: SnowflakeExporter, connect: Connect) -> None:
    exporter.upsert(TICKETS, table([row(1, 1, "a1"), row(2, 1, "a2"), row(3, 1, "a3")]))
    load_b = table([row(1, 2, "b1"), row(3, 2, "b3", deleted=True), row(4, 2, "b4"), row(1, 1, "a1 again")])
    first = exporter.upsert(TICKETS, load_b)
    assert first == LoadResult(rows_in=4, keys_in=3, inserted=1, matched=2, table_rows=4, deleted_rows=1)
    after_b = current(connect)
    rerun = exporter.upsert(TICKETS, load_b)
    assert rerun == LoadResult(rows_in=4, keys_in=3, inserted=0, matched=3, table_rows=4, deleted_rows=1)
    assert current(connect) == after_b
    assert after_b == [row(1, 2, "b1"), row(2, 1, "a2"), row(3, 2, "b3", deleted=True), row(4, 2, "b4")]


def test_deletes_are_kept_as_flagged_rows(exporter: SnowflakeExporter, connect: Connect) -> None:
    exporter.upsert(TICKETS, table([row(1, 1, "keep"), row(2, 1, "to delete")]))
    result = exporter.upsert(TICKETS, table([row(2, 2, "to delete", deleted=True)]))
    assert result.table_rows == 2 and result.deleted_rows == 1 and result.inserted == 0
    assert [(r["id"], r["is_deleted"], r["updated_at"]) for r in current(connect)] == [
        (1, False, at(1)), (2, True, at(2))]


def test_new_columns_are_added_and_old_rows_get_null(exporter: SnowflakeExporter, connect: Connect) -> None:
    exporter.upsert(TICKETS, table([row(1, 1, "one"), row(2, 1, "two")]))
    extra = (pa.field("priority", pa.string()), pa.field("satisfaction", pa.int64()))
    result = exporter.upsert(TICKETS, table([row(2, 2, "two", priority="high", satisfaction=5),
                                             row(3, 2, "three", priority="low", satisfaction=None)], *extra))
    assert result.table_rows == 3
    assert columns(connect) == {**BASE_COLUMNS, "priority": "TEXT", "satisfaction": "NUMBER"}
    assert fetch(connect, 'SELECT "id", "priority", "satisfaction" FROM "zendesk"."tickets" ORDER BY "id"') == [
        (1, None, None), (2, "high", 5), (3, "low", None)]


def test_an_all_null_column_is_no_type_change(exporter: SnowflakeExporter, connect: Connect) -> None:
    """A load whose score column is all NULL (Arrow null type) into a NUMBER column: the column keeps
    its type, ticket 2 gets NULL and ticket 1 keeps 3 (2 rows)."""
    exporter.upsert(TICKETS, table([row(1, 1, "one", score=3), row(2, 1, "two", score=4)],
                                   pa.field("score", pa.int64())))
    exporter.upsert(TICKETS, table([row(2, 2, "two", score=None)], pa.field("score", pa.null())))
    assert columns(connect)["score"] == "NUMBER"
    assert fetch(connect, 'SELECT "id", "score" FROM "zendesk"."tickets" ORDER BY "id"') == [(1, 3), (2, None)]


def test_safe_type_changes_are_widened(exporter: SnowflakeExporter, connect: Connect) -> None:
    """score BIGINT → FLOAT and code BIGINT → VARCHAR, flag BOOLEAN → VARCHAR: columns widened, old
    values converted, new ones stored; a BIGINT arriving into the now-FLOAT column needs nothing."""
    ints = (pa.field("score", pa.int64()), pa.field("code", pa.int64()), pa.field("flag", pa.bool_()))
    exporter.upsert(TICKETS, table([row(1, 1, "one", score=3, code=42, flag=True)], *ints))
    wide = (pa.field("score", pa.float64()), pa.field("code", pa.string()), pa.field("flag", pa.string()))
    exporter.upsert(TICKETS, table([row(2, 1, "two", score=2.5, code="A-7", flag="maybe")], *wide))
    assert {k: v for k, v in columns(connect).items() if k in ("score", "code", "flag")} == {
        "score": "FLOAT", "code": "TEXT", "flag": "TEXT"}
    exporter.upsert(TICKETS, table([row(3, 1, "three", score=4, code="B", flag="no")],
                                   pa.field("score", pa.int64()), *wide[1:]))
    assert fetch(connect, 'SELECT "id", "score", "code", "flag" FROM "zendesk"."tickets" ORDER BY "id"') == [
        (1, 3.0, "42", "true"), (2, 2.5, "A-7", "maybe"), (3, 4.0, "B", "no")]


def test_incompatible_type_change_is_rejected_by_name(exporter: SnowflakeExporter, connect: Connect) -> None:
    """subject VARCHAR → BIGINT cannot be applied: SchemaChangeError naming table and column, and the
    table (rows and columns) is untouched, no staging table left."""
    exporter.upsert(TICKETS, table([row(1, 1, "one")]))
    before, described = current(connect), columns(connect)
    fields = [f if f.name != "subject" else pa.field("subject", pa.int64()) for f in BASE_FIELDS]
    bad = pa.Table.from_pylist([{**row(1, 2), "subject": 5, "priority": "p"}],
                               schema=pa.schema([*fields, pa.field("priority", pa.string())]))
    with pytest.raises(SchemaChangeError, match=r"zendesk\.tickets: column 'subject' is STRING .* INTEGER"):
        exporter.upsert(TICKETS, bad)
    assert current(connect) == before and columns(connect) == described
    assert staging_tables(connect) == []


def test_arabic_text_round_trips_byte_for_byte(exporter: SnowflakeExporter, connect: Connect) -> None:
    assert unicodedata.normalize("NFC", ARABIC) != ARABIC, "the sample must be one NFC would change"
    raw = json.dumps({"id": 1, "subject": ARABIC}, ensure_ascii=False)
    exporter.upsert(TICKETS, table([row(1, 1, ARABIC, raw=raw)]))
    ((subject, stored_raw),) = fetch(connect, 'SELECT "subject", "_raw" FROM "zendesk"."tickets"')
    assert subject.encode("utf-8") == ARABIC.encode("utf-8")
    assert stored_raw.encode("utf-8") == raw.encode("utf-8") and json.loads(stored_raw)["subject"] == ARABIC


def test_odd_identifiers_are_quoted(exporter: SnowflakeExporter, connect: Connect) -> None:
    spec = TableSpec("odd schema", "ticket table", ("id",))
    odd = (pa.field("select", pa.string()), pa.field("first name", pa.string()), pa.field('say "hi"', pa.int64()))
    exporter.upsert(spec, table([row(1, 1, "x", **{"select": "s1", "first name": "Ali", 'say "hi"': 1})], *odd))
    result = exporter.upsert(spec, table(
        [row(1, 2, "y", **{"select": "s2", "first name": "علي", 'say "hi"': 2, "group by": "g"}),
         row(2, 2, "z", **{"select": None, "first name": "Mona", 'say "hi"': 3, "group by": "h"})],
        *odd, pa.field("group by", pa.string())))
    assert result.table_rows == 2 and result.inserted == 1
    assert [(r["id"], r["select"], r["first name"], r['say "hi"'], r["group by"]) for r in current(connect, spec)] \
        == [(1, "s2", "علي", 2, "g"), (2, None, "Mona", 3, "h")]
    assert staging_tables(connect) == []


def test_data_without_key_or_version_column_is_rejected(exporter: SnowflakeExporter, connect: Connect) -> None:
    with pytest.raises(ValueError, match="updated_at"):
        exporter.upsert(TICKETS, pa.table({"id": [1], "subject": ["x"]}))
    assert fetch(connect, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'tickets'") == [(0,)]


def test_null_key_is_rejected_before_the_table_is_touched(exporter: SnowflakeExporter, connect: Connect) -> None:
    """A load adding a column, updating id 1 and carrying a NULL id is refused before any DDL: same
    rows (_loaded_at included), same columns, no staging table; a later good load works."""
    exporter.upsert(TICKETS, table([row(1, 1, "one"), row(2, 1, "two")]))
    snapshot = fetch(connect, 'SELECT * FROM "zendesk"."tickets" ORDER BY "id"')
    described = columns(connect)
    bad = table([row(1, 2, "updated one", priority="high"), row(None, 2, "no id", priority="low")],
                pa.field("priority", pa.string()))
    with pytest.raises(ValueError, match=r"zendesk\.tickets: 1 incoming row\(s\) have a NULL primary key"):
        exporter.upsert(TICKETS, bad)
    assert fetch(connect, 'SELECT * FROM "zendesk"."tickets" ORDER BY "id"') == snapshot
    assert columns(connect) == described
    assert staging_tables(connect) == []
    result = exporter.upsert(TICKETS, table([row(1, 3, "fixed one")]))
    assert result.matched == 1 and result.table_rows == 2


def test_failed_first_load_creates_no_table(exporter: SnowflakeExporter, connect: Connect) -> None:
    with pytest.raises(ValueError, match="NULL primary key"):
        exporter.upsert(TICKETS, table([row(None, 1, "no id")]))
    assert fetch(connect, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'tickets'") == [(0,)]
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
    table keeps its exact rows including _loaded_at, no staging table remains, the next load works."""
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
