"""The exporter contract, part 1: upsert semantics, the same on every engine.

Every test runs once per engine (``engine`` fixture: duckdb, snowflake, bigquery, redshift; see
engines.py) on a fresh, empty warehouse, loads Arrow tables shaped like the raw layer's (samples.py)
and reads the table back through the engine-neutral reader. Schema changes, text fidelity and
rejected loads are in test_exporter_contract_schema.py; what only one engine does stays in its own
test module.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import duckdb
import pyarrow as pa
import pytest

from integration_pipelines.lib.warehouses import bigquery as bq
from integration_pipelines.lib.warehouses.base import LOADED_AT_COLUMN, LoadResult, TableSpec, newer_or_equal
from integration_pipelines_tests.lib.warehouses.engines import BASE_TYPES, Engine, sort_rows
from integration_pipelines_tests.lib.warehouses.samples import BASE_FIELDS, EXTRACTED, TICKETS, at, row, table

# A 5xx from the BigQuery emulator makes google-api-core retry for 10 minutes; fail sooner than that.
pytestmark = pytest.mark.timeout(180)

COLUMNS = [f.name for f in BASE_FIELDS]


def expected(rows: list[dict], columns: list[str] = COLUMNS) -> list[tuple]:
    return sort_rows([[r[c] for c in columns] for r in rows])


def test_first_load_creates_the_table(engine: Engine) -> None:
    """3 tickets into an empty warehouse: zendesk.tickets is created with the 6 incoming columns in
    the engine's types for INTEGER, TIMESTAMP_TZ, BOOLEAN, STRING, then _loaded_at (TIMESTAMP_TZ),
    only the key (id) NOT NULL; it holds the 3 rows exactly as sent, _loaded_at set on all 3, and no
    staging table (or staged S3 object) is left."""
    rows = [row(1, 1, "one"), row(2, 2, "two"), row(3, 3, "three")]
    result = engine.exporter.upsert(TICKETS, table(rows))
    assert result == LoadResult(rows_in=3, keys_in=3, inserted=3, matched=0, table_rows=3, deleted_rows=0)
    assert list(engine.column_types(TICKETS).items()) == engine.native(BASE_TYPES)
    assert engine.not_null_columns(TICKETS) == ["id"]
    assert engine.rows(TICKETS, COLUMNS) == expected(rows)
    assert [v is not None for (v,) in engine.rows(TICKETS, [LOADED_AT_COLUMN])] == [True] * 3
    assert engine.leftovers() == []


def test_an_empty_first_load_creates_an_empty_table(engine: Engine) -> None:
    """A first load of 0 rows creates the table with all 7 columns and reports all-zero counts."""
    result = engine.exporter.upsert(TICKETS, table([]))
    assert result == LoadResult(rows_in=0, keys_in=0, inserted=0, matched=0, table_rows=0, deleted_rows=0)
    assert list(engine.column_types(TICKETS).items()) == engine.native(BASE_TYPES)
    assert engine.rows(TICKETS) == [] and engine.leftovers() == []


def test_duplicates_in_one_load_keep_the_newest_version(engine: Engine) -> None:
    """Five rows for two ids in one load, newest not first: 2 rows, each the highest updated_at."""
    rows = [row(1, 1, "old"), row(2, 5, "two newest"), row(1, 3, "newest"), row(2, 4, "two old"), row(1, 2, "mid")]
    result = engine.exporter.upsert(TICKETS, table(rows))
    assert result == LoadResult(rows_in=5, keys_in=2, inserted=2, matched=0, table_rows=2, deleted_rows=0)
    assert engine.rows(TICKETS, ["id", "subject", "updated_at"]) == [(1, "newest", at(3)), (2, "two newest", at(5))]


def test_older_versions_never_overwrite_newer_rows(engine: Engine) -> None:
    """A later load with an older version of id 1, a newer one of id 2 and a new id 3: id 1 keeps its
    newer row (though matched), id 2 is updated, id 3 inserted; 2 matched, 1 inserted, 3 rows."""
    engine.exporter.upsert(TICKETS, table([row(1, 10, "new one"), row(2, 10, "old two")]))
    result = engine.exporter.upsert(TICKETS, table([row(1, 5, "stale one"), row(2, 11, "new two"), row(3, 1, "three")]))
    assert result == LoadResult(rows_in=3, keys_in=3, inserted=1, matched=2, table_rows=3, deleted_rows=0)
    assert engine.rows(TICKETS, ["id", "subject", "updated_at"]) == [
        (1, "new one", at(10)),
        (2, "new two", at(11)),
        (3, "three", at(1)),
    ]


def test_ties_are_broken_the_same_whatever_the_order(engine: Engine) -> None:
    """Three versions of id 7 with equal updated_at: the latest _extracted_at wins, and between the two
    with equal extraction the greater _raw. Fed in all 6 orders within one load (6 tables) and in all 6
    orders as 3 separate loads (6 more tables): every table holds exactly the same 1 row; no staging
    left."""
    later = EXTRACTED + timedelta(hours=1)
    versions = [
        row(7, 4, "first pull", raw='{"a":1}'),
        row(7, 4, "second pull b", extracted=later, raw='{"b":1}'),
        row(7, 4, "second pull c", extracted=later, raw='{"c":1}'),
    ]
    for n, order in enumerate(itertools.permutations(versions)):
        spec = TableSpec("zendesk", f"tickets_{n}", ("id",))
        engine.exporter.upsert(spec, table(list(order)))
        assert engine.rows(spec, COLUMNS) == expected([versions[2]]), order
    for n, order in enumerate(itertools.permutations(versions)):
        spec = TableSpec("zendesk", f"tickets_seq_{n}", ("id",))
        for version in order:
            engine.exporter.upsert(spec, table([version]))
        assert engine.rows(spec, COLUMNS) == expected([versions[2]]), order
    assert engine.leftovers() == []


def test_ties_across_loads_are_broken_by_the_latest_extraction(engine: Engine) -> None:
    """base.py: ties on updated_at go to the latest extraction. The newer extraction loaded first, then
    an older pull with the same updated_at (a backfill, a retried run): matched 1, inserted 0, and the
    1 row stays the newer extraction."""
    newer = row(1, 4, "newer extraction", extracted=EXTRACTED + timedelta(hours=1))
    older = row(1, 4, "older extraction", extracted=EXTRACTED)
    engine.exporter.upsert(TICKETS, table([newer]))
    result = engine.exporter.upsert(TICKETS, table([older]))
    assert result == LoadResult(rows_in=1, keys_in=1, inserted=0, matched=1, table_rows=1, deleted_rows=0)
    assert engine.rows(TICKETS, COLUMNS) == expected([newer])


def _version(id: int, subject: str, updated: float | None, extracted: float | None, raw: str | None) -> dict:
    """A ticket version; ``updated``/``extracted`` in hours after T0/EXTRACTED, None for NULL."""
    return {
        **row(id, 0, subject),
        "updated_at": None if updated is None else at(updated),
        "_extracted_at": None if extracted is None else EXTRACTED + timedelta(hours=extracted),
        "_raw": raw,
    }


# id, what is NULL, (updated_at, _extracted_at, _raw) stored first and sent later, which one must win
NULL_CASES = [
    (1, "stored _extracted_at NULL", (4, None, "r"), (4, 0, "r"), "sent"),
    (2, "sent _extracted_at NULL", (4, 0, "r"), (4, None, "r"), "stored"),
    (3, "sent updated_at NULL (with a later extraction)", (4, 0, "r"), (None, 9, "r"), "stored"),
    (4, "stored updated_at NULL (with a later extraction)", (None, 9, "r"), (4, 0, "r"), "sent"),
    (5, "stored _raw NULL", (4, 0, None), (4, 0, "r"), "sent"),
    (6, "sent _raw NULL", (4, 0, "r"), (4, 0, None), "stored"),
    (7, "all ordering columns NULL on both (equal: the later load wins)", (None,) * 3, (None,) * 3, "sent"),
]


def test_nulls_rank_lowest_across_loads(engine: Engine) -> None:
    """NULL ranks below every value in updated_at, _extracted_at and _raw across loads too (as the
    within-load DESC NULLS LAST), and equal rows (two NULLs are equal) go to the later load. 7 ids
    stored, then a second version of each (NULL_CASES): matched 7, inserted 0, and ids 1, 4, 5 and 7
    now hold the sent version, ids 2, 3 and 6 the stored one."""
    engine.exporter.upsert(TICKETS, table([_version(i, "stored", *stored) for i, _, stored, _, _ in NULL_CASES]))
    result = engine.exporter.upsert(TICKETS, table([_version(i, "sent", *sent) for i, _, _, sent, _ in NULL_CASES]))
    assert result == LoadResult(rows_in=7, keys_in=7, inserted=0, matched=7, table_rows=7, deleted_rows=0)
    assert engine.rows(TICKETS, ["id", "subject"]) == [(i, winner) for i, _, _, _, winner in NULL_CASES]


def test_nulls_rank_the_same_within_one_load(engine: Engine) -> None:
    """The same pairs as NULL_CASES (but id 7, a full tie, which no order can break) sent together in
    one load, stored version first (one table) or last (another): 12 rows in, 6 keys, and both tables
    keep the same winner per id as across loads (ids 1, 4, 5 sent; 2, 3, 6 stored)."""
    cases = [c for c in NULL_CASES if c[0] != 7]
    pairs = [(_version(i, "stored", *stored), _version(i, "sent", *sent)) for i, _, stored, sent, _ in cases]
    for n, flip in enumerate((False, True)):
        spec = TableSpec("zendesk", f"tickets_{n}", ("id",))
        result = engine.exporter.upsert(spec, table([v for pair in pairs for v in (pair[::-1] if flip else pair)]))
        assert result == LoadResult(rows_in=12, keys_in=6, inserted=6, matched=0, table_rows=6, deleted_rows=0)
        assert engine.rows(spec, ["id", "subject"]) == [(i, winner) for i, _, _, _, winner in cases]


def test_newer_or_equal_is_lexicographic_with_null_lowest_and_never_null() -> None:
    """base.newer_or_equal over two columns, evaluated (in DuckDB) for all 81 pairs of rows drawn from
    {NULL, 1, 2} x {NULL, 1, 2}: TRUE exactly when the source row >= the target row lexicographically
    with NULL below every value and NULL = NULL, FALSE otherwise, never NULL; with BigQuery's quoting
    the one-column form is exactly the expected backtick-quoted SQL; no ordering column is a ValueError."""
    values = [None, 1, 2]
    rows = list(itertools.product(values, values))
    sql = (
        f"SELECT s.a, s.b, t.a, t.b, {newer_or_equal(['a', 'b'], 's', 't')} FROM "
        f"(VALUES {', '.join('(?::INT, ?::INT)' for _ in rows)}) s(a, b), "
        f"(VALUES {', '.join('(?::INT, ?::INT)' for _ in rows)}) t(a, b)"
    )
    results = duckdb.connect().execute(sql, [v for r in rows for v in r] * 2).fetchall()
    assert len(results) == 81

    def rank(r: tuple) -> tuple:
        return tuple((0, 0) if v is None else (1, v) for v in r)

    for sa, sb, ta, tb, got in results:
        assert got is (rank((sa, sb)) >= rank((ta, tb))), (sa, sb, ta, tb)
    assert newer_or_equal(["a"], "s", "t", bq.quote_ident) == (
        "((s.`a` IS NOT NULL AND (t.`a` IS NULL OR s.`a` > t.`a`)) "
        "OR COALESCE(s.`a` = t.`a`, s.`a` IS NULL AND t.`a` IS NULL))"
    )
    with pytest.raises(ValueError, match="at least one ordering column"):
        newer_or_equal([], "s", "t")


def test_incremental_upsert_updates_inserts_and_deletes_exactly(engine: Engine) -> None:
    """Five rows, then one load with 2 updates, 1 stale version, 1 delete, 2 new keys and an older
    duplicate of a new key: exactly 7 rows in, 6 keys, 2 inserted, 4 matched, 7 rows, 1 deleted, and
    exactly the expected table."""
    engine.exporter.upsert(TICKETS, table([row(i, 1, f"v1 {i}") for i in range(1, 6)]))
    load = [
        row(1, 2, "v2 1"),
        row(2, 2, "v2 2"),
        row(3, 0.5, "stale 3"),
        row(4, 2, "v1 4", deleted=True),
        row(6, 2, "new 6"),
        row(7, 2, "new 7"),
        row(6, 1, "older new 6"),
    ]
    result = engine.exporter.upsert(TICKETS, table(load))
    assert result == LoadResult(rows_in=7, keys_in=6, inserted=2, matched=4, table_rows=7, deleted_rows=1)
    assert engine.rows(TICKETS, COLUMNS) == expected(
        [
            row(1, 2, "v2 1"),
            row(2, 2, "v2 2"),
            row(3, 1, "v1 3"),
            row(4, 2, "v1 4", deleted=True),
            row(5, 1, "v1 5"),
            row(6, 2, "new 6"),
            row(7, 2, "new 7"),
        ]
    )


def test_rerunning_a_load_is_idempotent(engine: Engine) -> None:
    """Load A (3 rows), load B (2 updates, a delete, an insert, a stale duplicate), then B again: B
    inserts 1 and matches 2, the re-run inserts 0 and matches 3 (4 rows, 1 deleted both times), and the
    table after the re-run is exactly the table after B apart from _loaded_at."""
    engine.exporter.upsert(TICKETS, table([row(1, 1, "a1"), row(2, 1, "a2"), row(3, 1, "a3")]))
    load_b = table([row(1, 2, "b1"), row(3, 2, "b3", deleted=True), row(4, 2, "b4"), row(1, 1, "a1 again")])
    first = engine.exporter.upsert(TICKETS, load_b)
    assert first == LoadResult(rows_in=4, keys_in=3, inserted=1, matched=2, table_rows=4, deleted_rows=1)
    after_b = engine.rows(TICKETS, COLUMNS)
    assert after_b == expected([row(1, 2, "b1"), row(2, 1, "a2"), row(3, 2, "b3", deleted=True), row(4, 2, "b4")])
    rerun = engine.exporter.upsert(TICKETS, load_b)
    assert rerun == LoadResult(rows_in=4, keys_in=3, inserted=0, matched=3, table_rows=4, deleted_rows=1)
    assert engine.rows(TICKETS, COLUMNS) == after_b


def test_loaded_at_is_set_on_written_rows_only(engine: Engine) -> None:
    """Ids 1 (version 5), 2 and 3 loaded; then a stale id 1, a newer id 3 and a new id 4: _loaded_at
    stays for id 1 (kept) and id 2 (untouched) and moves forward for id 3 (updated) and id 4 (inserted)."""
    engine.exporter.upsert(TICKETS, table([row(1, 5, "one"), row(2, 1, "two"), row(3, 1, "three")]))
    before = dict(engine.rows(TICKETS, ["id", LOADED_AT_COLUMN]))
    engine.exporter.upsert(TICKETS, table([row(1, 1, "stale"), row(3, 2, "three v2"), row(4, 1, "four")]))
    after = dict(engine.rows(TICKETS, ["id", LOADED_AT_COLUMN]))
    assert after[1] == before[1] and after[2] == before[2]
    assert after[3] > before[3] and after[4] > max(before.values())


def test_deletes_are_kept_as_flagged_rows(engine: Engine) -> None:
    """A newer version with is_deleted = true replaces the row without removing it: 1 matched, 0
    inserted, still 2 rows, id 2 flagged, 1 deleted row reported."""
    engine.exporter.upsert(TICKETS, table([row(1, 1, "keep"), row(2, 1, "to delete")]))
    result = engine.exporter.upsert(TICKETS, table([row(2, 2, "to delete", deleted=True)]))
    assert result == LoadResult(rows_in=1, keys_in=1, inserted=0, matched=1, table_rows=2, deleted_rows=1)
    assert engine.rows(TICKETS, ["id", "is_deleted", "updated_at"]) == [(1, False, at(1)), (2, True, at(2))]


def test_compound_keys(engine: Engine) -> None:
    """A two-column key (org, id), both NOT NULL: (x, 1) and (y, 1) are two rows; a load of a newer
    (x, 1) and a new (x, 2) matches 1 and inserts 1, leaving 3 rows with only (x, 1) changed."""
    spec = TableSpec("zendesk", "memberships", ("org", "id"))
    org = pa.field("org", pa.string())
    engine.exporter.upsert(spec, table([row(1, 1, "a", org="x"), row(1, 1, "b", org="y")], org))
    result = engine.exporter.upsert(spec, table([row(1, 2, "a2", org="x"), row(2, 1, "c", org="x")], org))
    assert result == LoadResult(rows_in=2, keys_in=2, inserted=1, matched=1, table_rows=3, deleted_rows=0)
    assert engine.not_null_columns(spec) == ["id", "org"]
    assert engine.rows(spec, ["org", "id", "subject"]) == [("x", 1, "a2"), ("x", 2, "c"), ("y", 1, "b")]
