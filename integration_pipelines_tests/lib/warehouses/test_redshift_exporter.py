"""The Redshift exporter on a real PostgreSQL 15 server and a real moto S3 server process.

Everything but Redshift's ``COPY ... FROM 's3://...' FORMAT AS PARQUET`` runs for real: the Arrow
table is written as Parquet to the moto server over HTTP, a temp staging table is created, the
``PostgresTestLoader`` stand-in (PostgreSQL cannot read S3) downloads the object and inserts its rows,
then the exporter's own dedup + MERGE + schema-change SQL runs on PostgreSQL. The COPY statement itself
is checked with a recording cursor, since no Redshift exists here. Mirrors test_duckdb_exporter.py.
"""

from __future__ import annotations

import io
import itertools
import json
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import psycopg2
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from integration_pipelines.lib.records import TIMESTAMP
from integration_pipelines.lib.warehouses.base import LoadResult, TableSpec
from integration_pipelines.lib.warehouses.redshift import (
    PostgresTestLoader,
    RedshiftCopyLoader,
    RedshiftExporter,
)
from integration_pipelines.lib.warehouses.schema import SchemaChangeError
from integration_pipelines_tests.fixtures.moto_s3 import MotoS3Server
from integration_pipelines_tests.fixtures.postgres import PostgresInfo
from integration_pipelines_tests.lib.warehouses.samples import (
    ARABIC,
    BASE_FIELDS,
    EXTRACTED,
    TICKETS,
    at,
    row,
    table,
)

PREFIX = "staging/raw"




BASE_COLUMNS = {"id": "bigint", "updated_at": "timestamp with time zone", "is_deleted": "boolean", "subject": "text",
                "_extracted_at": "timestamp with time zone", "_raw": "text",
                "_loaded_at": "timestamp with time zone"}



# --- fixtures ---------------------------------------------------------------------------------------

@pytest.fixture
def s3(moto_s3_server: MotoS3Server) -> Any:
    return moto_s3_server.client()


@pytest.fixture
def bucket(s3: Any) -> str:
    """A fresh bucket per test, so listing it shows only this test's objects."""
    name = f"stage-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def connect(postgres_database: PostgresInfo) -> Callable[[], Any]:
    @contextmanager
    def factory() -> Iterator[Any]:
        con = psycopg2.connect(postgres_database.dsn)
        try:
            yield con
        finally:
            con.close()

    return factory


@pytest.fixture
def exporter(connect: Callable, s3: Any, bucket: str) -> RedshiftExporter:
    return RedshiftExporter(connect, s3, bucket, PREFIX, PostgresTestLoader(s3))


def fetch(connect: Callable, sql: str, params: tuple | None = None) -> list[tuple]:
    with connect() as con, con.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def current(connect: Callable, spec: TableSpec = TICKETS) -> list[dict]:
    """The table without ``_loaded_at``, ordered by id."""
    with connect() as con, con.cursor() as cur:
        cur.execute(f'SELECT * FROM "{spec.schema}"."{spec.name}" ORDER BY id')
        names = [d[0] for d in cur.description]
        return [{k: v for k, v in zip(names, values, strict=True) if k != "_loaded_at"} for values in cur.fetchall()]


def columns(connect: Callable, spec: TableSpec = TICKETS) -> dict[str, str]:
    return dict(fetch(connect, "SELECT column_name, data_type FROM information_schema.columns "
                               "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
                      (spec.schema, spec.name)))


def objects(s3: Any, bucket: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def staging_tables(connect: Callable) -> list[tuple]:
    """Temp staging tables of any session in this database (pg_class lists other sessions' too)."""
    return fetch(connect, "SELECT relname FROM pg_class WHERE relname LIKE 'stg\\_%%'")


# --- upsert semantics (mirrors the DuckDB exporter tests) --------------------------------------------

def test_first_load_creates_the_table(exporter: RedshiftExporter, connect: Callable, s3: Any, bucket: str) -> None:
    """3 tickets into an empty database: zendesk.tickets with the incoming columns plus _loaded_at,
    a NOT NULL primary key on id, one row per id exactly as sent; staging and S3 object cleaned up."""
    rows = [row(1, 1, "one"), row(2, 2, "two"), row(3, 3, "three")]
    result = exporter.upsert(TICKETS, table(rows))
    assert result == LoadResult(rows_in=3, keys_in=3, inserted=3, matched=0, table_rows=3, deleted_rows=0)
    assert columns(connect) == BASE_COLUMNS
    assert current(connect) == rows
    assert fetch(connect, "SELECT kcu.column_name FROM information_schema.table_constraints tc "
                          "JOIN information_schema.key_column_usage kcu USING (constraint_schema, constraint_name) "
                          "WHERE tc.table_name = 'tickets' AND tc.constraint_type = 'PRIMARY KEY'") == [("id",)]
    assert fetch(connect, "SELECT count(*) FROM zendesk.tickets WHERE _loaded_at IS NULL") == [(0,)]
    assert objects(s3, bucket) == [] and staging_tables(connect) == []


def test_duplicates_in_one_load_keep_the_newest_version(exporter: RedshiftExporter, connect: Callable) -> None:
    """Five rows for two ids in one load, newest not first: one row per id, the highest updated_at."""
    rows = [row(1, 1, "old"), row(2, 5, "two newest"), row(1, 3, "newest"), row(2, 4, "two old"), row(1, 2, "mid")]
    result = exporter.upsert(TICKETS, table(rows))
    assert (result.rows_in, result.keys_in, result.inserted, result.table_rows) == (5, 2, 2, 2)
    assert [(r["id"], r["subject"], r["updated_at"]) for r in current(connect)] == [
        (1, "newest", at(3)), (2, "two newest", at(5))]


def test_older_versions_never_overwrite_newer_rows(exporter: RedshiftExporter, connect: Callable) -> None:
    """Later load: older id 1 (kept), newer id 2 (updated), new id 3 (inserted); 1 and 2 matched."""
    exporter.upsert(TICKETS, table([row(1, 10, "new one"), row(2, 10, "old two")]))
    result = exporter.upsert(TICKETS, table([row(1, 5, "stale one"), row(2, 11, "new two"), row(3, 1, "three")]))
    assert result == LoadResult(rows_in=3, keys_in=3, inserted=1, matched=2, table_rows=3, deleted_rows=0)
    assert [(r["id"], r["subject"]) for r in current(connect)] == [(1, "new one"), (2, "new two"), (3, "three")]


def test_ties_on_updated_at_are_broken_the_same_whatever_the_order(exporter: RedshiftExporter,
                                                                   connect: Callable) -> None:
    """Three versions of id 7 with equal updated_at: latest _extracted_at wins, then the greater _raw;
    all 6 input orders (each into its own table) store the same row."""
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


def test_ties_across_loads_are_broken_by_the_latest_extraction(exporter: RedshiftExporter, connect: Callable) -> None:
    """Newer extraction loaded first, then an older pull with the same updated_at: the newer stays."""
    newer = row(1, 4, "newer extraction", extracted=EXTRACTED + timedelta(hours=1))
    older = row(1, 4, "older extraction", extracted=EXTRACTED)
    exporter.upsert(TICKETS, table([newer]))
    result = exporter.upsert(TICKETS, table([older]))
    assert result.matched == 1 and result.inserted == 0
    assert current(connect) == [newer]


def test_incremental_upsert_and_rerun_are_exact_and_idempotent(exporter: RedshiftExporter, connect: Callable) -> None:
    """Load A, then B (two updates, a delete, an insert, a stale duplicate), then B again: the exact
    table after B, identical after the re-run (apart from _loaded_at), and the re-run inserts nothing."""
    a = [row(1, 1, "a1"), row(2, 1, "a2"), row(3, 1, "a3")]
    exporter.upsert(TICKETS, table(a))
    b = [row(1, 2, "b1"), row(3, 2, "b3", deleted=True), row(4, 2, "b4"), row(1, 1, "a1 again")]
    first = exporter.upsert(TICKETS, table(b))
    assert first == LoadResult(rows_in=4, keys_in=3, inserted=1, matched=2, table_rows=4, deleted_rows=1)
    after_b = current(connect)
    assert after_b == [b[0], a[1], b[1], b[2]]
    rerun = exporter.upsert(TICKETS, table(b))
    assert rerun == LoadResult(rows_in=4, keys_in=3, inserted=0, matched=3, table_rows=4, deleted_rows=1)
    assert current(connect) == after_b


def test_deletes_are_kept_as_flagged_rows(exporter: RedshiftExporter, connect: Callable) -> None:
    """A newer version with is_deleted = true replaces the row without removing it."""
    exporter.upsert(TICKETS, table([row(1, 1, "keep"), row(2, 1, "to delete")]))
    result = exporter.upsert(TICKETS, table([row(2, 2, "to delete", deleted=True)]))
    assert result.table_rows == 2 and result.deleted_rows == 1 and result.inserted == 0
    assert [(r["id"], r["is_deleted"], r["updated_at"]) for r in current(connect)] == [
        (1, False, at(1)), (2, True, at(2))]


def test_loaded_at_is_set_on_written_rows_only(exporter: RedshiftExporter, connect: Callable) -> None:
    """_loaded_at moves for rows the load wrote and stays for rows it did not touch or kept (stale)."""
    exporter.upsert(TICKETS, table([row(1, 5, "one"), row(2, 1, "two")]))
    before = dict(fetch(connect, "SELECT id, _loaded_at FROM zendesk.tickets"))
    exporter.upsert(TICKETS, table([row(1, 1, "stale"), row(3, 1, "three")]))
    after = dict(fetch(connect, "SELECT id, _loaded_at FROM zendesk.tickets"))
    assert after[1] == before[1] and after[2] == before[2] and after[3] > before[1]


# --- schema evolution --------------------------------------------------------------------------------

def test_new_columns_are_added_and_old_rows_get_null(exporter: RedshiftExporter, connect: Callable) -> None:
    """The source starts sending priority (string) and satisfaction (int): both columns are added."""
    exporter.upsert(TICKETS, table([row(1, 1, "one"), row(2, 1, "two")]))
    extra = (pa.field("priority", pa.string()), pa.field("satisfaction", pa.int64()))
    result = exporter.upsert(TICKETS, table([row(2, 2, "two", priority="high", satisfaction=5),
                                             row(3, 2, "three", priority="low", satisfaction=None)], *extra))
    assert result.table_rows == 3
    assert columns(connect) == {**BASE_COLUMNS, "priority": "text", "satisfaction": "bigint"}
    assert fetch(connect, "SELECT id, priority, satisfaction FROM zendesk.tickets ORDER BY id") == [
        (1, None, None), (2, "high", 5), (3, "low", None)]


def test_safe_widenings_are_applied(exporter: RedshiftExporter, connect: Callable) -> None:
    """schema.py's widenings: score BIGINT → DOUBLE PRECISION, code BIGINT → TEXT and flag BOOLEAN →
    TEXT when the source changes type. The 1 old row is converted exactly (3 → 3.0, 42 → '42', -7 →
    '-7', true → 'true'); a third load sending score as BIGINT again into the now-DOUBLE column
    changes nothing. 3 rows afterwards; the widened columns moved to the end (add/copy/drop/rename)."""
    ints = (pa.field("score", pa.int64()), pa.field("code", pa.int64()), pa.field("flag", pa.bool_()))
    exporter.upsert(TICKETS, table([row(1, 1, "one", score=3, code=42, flag=True),
                                    row(2, 1, "two", score=None, code=-7, flag=False)], *ints))
    wide = (pa.field("score", pa.float64()), pa.field("code", pa.string()), pa.field("flag", pa.string()))
    result = exporter.upsert(TICKETS, table([row(3, 1, "three", score=2.5, code="A-7", flag="maybe")], *wide))
    assert (result.inserted, result.table_rows) == (1, 3)
    assert columns(connect) == {**BASE_COLUMNS, "score": "double precision", "code": "text", "flag": "text"}
    assert list(columns(connect))[-3:] == ["score", "code", "flag"]
    result = exporter.upsert(TICKETS, table([row(4, 1, "four", score=7, code="B", flag="no")],
                                            pa.field("score", pa.int64()), *wide[1:]))
    assert (result.inserted, result.table_rows) == (1, 4)
    assert columns(connect)["score"] == "double precision"
    assert fetch(connect, "SELECT id, score, code, flag FROM zendesk.tickets ORDER BY id") == [
        (1, 3.0, "42", "true"), (2, None, "-7", "false"), (3, 2.5, "A-7", "maybe"), (4, 7.0, "B", "no")]


# (column, type the table holds, its value, type the source now sends, its value, message fragment)
INCOMPATIBLE = [
    pytest.param("subject", pa.string(), "one", pa.int64(), 5, "is STRING .* INTEGER", id="string-gets-integer"),
    pytest.param("subject", pa.string(), "one", pa.bool_(), True, "is STRING .* BOOLEAN", id="string-gets-boolean"),
    pytest.param("score", pa.float64(), 2.5, pa.string(), "2.5", "is FLOAT .* STRING", id="float-to-string"),
    pytest.param("seen", TIMESTAMP, at(1), pa.string(), "x", "is TIMESTAMP_TZ .* STRING", id="timestamp-to-string"),
    pytest.param("seen", TIMESTAMP, at(1), pa.timestamp("us"), at(1).replace(tzinfo=None),
                 "is TIMESTAMP_TZ .* TIMESTAMP_NTZ", id="tz-to-naive"),
    pytest.param("due", pa.date32(), at(1).date(), TIMESTAMP, at(1), "is DATE .* TIMESTAMP_TZ", id="date-to-timestamp"),
    pytest.param("is_deleted", pa.bool_(), False, TIMESTAMP, at(2), "is BOOLEAN .* TIMESTAMP_TZ",
                 id="boolean-to-timestamp"),
]


def _with_column(rows: list[dict], column: str, arrow_type: pa.DataType) -> pa.Table:
    """The sample rows with ``column`` typed ``arrow_type`` (replacing the base field or appended)."""
    fields = [f for f in BASE_FIELDS if f.name != column] + [pa.field(column, arrow_type)]
    return pa.Table.from_pylist(rows, schema=pa.schema(fields))


@pytest.mark.parametrize(("column", "stored_type", "stored_value", "new_type", "new_value", "message"),
                         INCOMPATIBLE)
def test_incompatible_type_change_is_a_clear_error(exporter: RedshiftExporter, connect: Callable, s3: Any,
                                                   bucket: str, column: str, stored_type: pa.DataType,
                                                   stored_value: object, new_type: pa.DataType, new_value: object,
                                                   message: str) -> None:
    """A change schema.py refuses (a STRING column receiving numbers or booleans, FLOAT → STRING,
    timestamp → STRING, tz-aware → naive, DATE → timestamp, BOOLEAN → timestamp), sent together with
    a new column "priority": SchemaChangeError naming zendesk.tickets and the column, and nothing
    changed — the same 1 row (_loaded_at included), the same columns, no staging table, no S3 object."""
    exporter.upsert(TICKETS, _with_column([{**row(1, 1, "one"), column: stored_value}], column, stored_type))
    snapshot, described = fetch(connect, "SELECT * FROM zendesk.tickets"), columns(connect)
    bad = _with_column([{**row(1, 2, "two"), column: new_value}], column, new_type)
    bad = bad.append_column("priority", pa.array(["p"]))
    with pytest.raises(SchemaChangeError, match=rf"zendesk\.tickets: column '{column}' {message}"):
        exporter.upsert(TICKETS, bad)
    assert fetch(connect, "SELECT * FROM zendesk.tickets") == snapshot and len(snapshot) == 1
    assert columns(connect) == described
    assert objects(s3, bucket) == [] and staging_tables(connect) == []


@pytest.mark.parametrize(("new_type", "new_id"), [(pa.float64(), 3.0), (pa.string(), "3")],
                         ids=["to-float", "to-string"])
def test_primary_key_columns_are_never_widened(exporter: RedshiftExporter, connect: Callable,
                                               new_type: pa.DataType, new_id: object) -> None:
    """id BIGINT receiving doubles or strings (widenings schema.py allows for other columns) is
    refused for the key: SchemaChangeError naming the column, the 2 rows and the columns unchanged."""
    exporter.upsert(TICKETS, table([row(1, 1, "one"), row(2, 1, "two")]))
    snapshot, described = fetch(connect, "SELECT * FROM zendesk.tickets ORDER BY id"), columns(connect)
    bad = _with_column([{**row(3, 2, "three"), "id": new_id}], "id", new_type)
    with pytest.raises(SchemaChangeError, match=r"zendesk\.tickets: column 'id' .*primary-key columns are never"):
        exporter.upsert(TICKETS, bad)
    assert fetch(connect, "SELECT * FROM zendesk.tickets ORDER BY id") == snapshot and len(snapshot) == 2
    assert columns(connect) == described


# --- text fidelity and identifiers -------------------------------------------------------------------

def test_arabic_text_round_trips_byte_for_byte(exporter: RedshiftExporter, connect: Callable) -> None:
    """Arabic with tashkeel in non-canonical order, tatweel, Arabic-Indic digits, an RLM and ZWJ emoji
    come back with exactly the same UTF-8 bytes, in the text column and inside _raw, after the trip
    through Parquet, S3 and PostgreSQL."""
    assert unicodedata.normalize("NFC", ARABIC) != ARABIC, "the sample must be one NFC would change"
    raw = json.dumps({"id": 1, "subject": ARABIC}, ensure_ascii=False)
    exporter.upsert(TICKETS, table([row(1, 1, ARABIC, raw=raw)]))
    ((subject, subject_bytes, stored_raw),) = fetch(
        connect, "SELECT subject, convert_to(subject, 'UTF8'), _raw FROM zendesk.tickets")
    assert subject == ARABIC
    assert bytes(subject_bytes) == ARABIC.encode("utf-8")
    assert stored_raw == raw and json.loads(stored_raw)["subject"] == ARABIC


def test_odd_identifiers_are_quoted(exporter: RedshiftExporter, connect: Callable) -> None:
    """Columns select, "first name", 'say "hi"' in a schema and table with spaces load and update;
    the second load adds "group by"."""
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


def test_data_without_key_or_version_column_is_rejected(exporter: RedshiftExporter, connect: Callable, s3: Any,
                                                        bucket: str) -> None:
    """Incoming data lacking updated_at: ValueError naming it, no table, nothing staged."""
    with pytest.raises(ValueError, match="updated_at"):
        exporter.upsert(TICKETS, pa.table({"id": [1], "subject": ["x"]}))
    assert fetch(connect, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'tickets'") == [(0,)]
    assert objects(s3, bucket) == []


# --- atomicity and cleanup ---------------------------------------------------------------------------

def test_failed_load_leaves_previous_table_untouched(exporter: RedshiftExporter, connect: Callable, s3: Any,
                                                     bucket: str) -> None:
    """A load that adds a column, updates id 1 and inserts a NULL id fails inside the MERGE (NOT NULL
    on the key): exact previous rows (_loaded_at included) and columns, no staging table, no S3
    object; a later good load works."""
    exporter.upsert(TICKETS, table([row(1, 1, "one"), row(2, 1, "two")]))
    snapshot = fetch(connect, "SELECT * FROM zendesk.tickets ORDER BY id")
    bad = table([row(1, 2, "updated one", priority="high"), row(None, 2, "no id", priority="low")],
                pa.field("priority", pa.string()))
    with pytest.raises(psycopg2.errors.NotNullViolation):
        exporter.upsert(TICKETS, bad)
    assert fetch(connect, "SELECT * FROM zendesk.tickets ORDER BY id") == snapshot
    assert columns(connect) == BASE_COLUMNS
    assert staging_tables(connect) == [] and objects(s3, bucket) == []
    result = exporter.upsert(TICKETS, table([row(1, 3, "fixed one")]))
    assert result.matched == 1 and result.table_rows == 2
    assert [(r["id"], r["subject"]) for r in current(connect)] == [(1, "fixed one"), (2, "two")]


class FailingAfterStaging:
    """Loads the staging table for real, checks it is filled, then fails as a broken COPY would."""

    def __init__(self, inner: PostgresTestLoader) -> None:
        self.inner, self.dialect, self.staged = inner, inner.dialect, None

    def load(self, cursor: Any, staging_table: str, s3_uri: str, columns: list[str]) -> None:
        self.inner.load(cursor, staging_table, s3_uri, columns)
        cursor.execute(f'SELECT count(*) FROM "{staging_table}"')
        self.staged = cursor.fetchone()[0]
        raise RuntimeError("simulated COPY failure after staging")


def test_loader_failure_after_staging_leaves_nothing_behind(connect: Callable, s3: Any, bucket: str) -> None:
    """The first load succeeds; the second (which would add a column and a schema) has its loader fail
    after filling staging: table and schemas unchanged, no staging table, no S3 object."""
    good = RedshiftExporter(connect, s3, bucket, PREFIX, PostgresTestLoader(s3))
    good.upsert(TICKETS, table([row(1, 1, "one")]))
    snapshot = fetch(connect, "SELECT * FROM zendesk.tickets")
    failing = FailingAfterStaging(PostgresTestLoader(s3))
    bad = RedshiftExporter(connect, s3, bucket, PREFIX, failing)
    with pytest.raises(RuntimeError, match="simulated COPY failure"):
        bad.upsert(TICKETS, table([row(1, 2, "two", priority="x")], pa.field("priority", pa.string())))
    assert failing.staged == 1
    with pytest.raises(RuntimeError, match="simulated COPY failure"):
        bad.upsert(TableSpec("other", "tickets", ("id",)), table([row(1, 2, "two")]))
    assert fetch(connect, "SELECT * FROM zendesk.tickets") == snapshot
    assert columns(connect) == BASE_COLUMNS
    assert fetch(connect, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'other'") == [(0,)]
    assert staging_tables(connect) == [] and objects(s3, bucket) == []


def test_failed_first_load_creates_nothing(exporter: RedshiftExporter, connect: Callable) -> None:
    """If the very first load fails, neither the schema nor the table exists afterwards."""
    with pytest.raises(psycopg2.errors.NotNullViolation):
        exporter.upsert(TICKETS, table([row(None, 1, "no id")]))
    assert fetch(connect, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'tickets'") == [(0,)]
    assert fetch(connect, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'zendesk'") == [(0,)]


def test_autocommit_connection_is_still_one_transaction(connect: Callable, s3: Any, bucket: str) -> None:
    """A connection factory handing out autocommit connections (dagster-aws can) still gets an atomic
    load, and gets its autocommit setting back."""
    seen = []

    @contextmanager
    def autocommit_connect() -> Iterator[Any]:
        with connect() as con:
            con.autocommit = True
            try:
                yield con
            finally:
                seen.append(con.autocommit)

    exporter = RedshiftExporter(autocommit_connect, s3, bucket, PREFIX, PostgresTestLoader(s3))
    with pytest.raises(psycopg2.errors.NotNullViolation):
        exporter.upsert(TICKETS, table([row(1, 1, "one"), row(None, 1, "no id")]))
    assert fetch(connect, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'zendesk'") == [(0,)]
    assert seen == [True]


# --- the S3 leg and the Redshift COPY ----------------------------------------------------------------

class SpyLoader:
    """Wraps the test loader; while the load runs, lists the bucket through a *separate* client and
    reads the staged object back, to show the data really sits on the moto server."""

    def __init__(self, inner: PostgresTestLoader, observer: Any, bucket: str) -> None:
        self.inner, self.dialect, self.observer, self.bucket = inner, inner.dialect, observer, bucket
        self.seen: dict[str, Any] = {}

    def load(self, cursor: Any, staging_table: str, s3_uri: str, columns: list[str]) -> None:
        self.seen["uri"] = s3_uri
        self.seen["listed"] = objects(self.observer, self.bucket)
        key = s3_uri.removeprefix(f"s3://{self.bucket}/")
        body = self.observer.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        self.seen["magic"] = body[:4]
        self.seen["parquet"] = pq.read_table(io.BytesIO(body))
        self.inner.load(cursor, staging_table, s3_uri, columns)


def test_parquet_goes_through_the_moto_server(connect: Callable, s3: Any, bucket: str,
                                              moto_s3_server: MotoS3Server) -> None:
    """During the load exactly one object, prefix/zendesk.tickets/<uuid>.parquet, is in the bucket and
    holds the data as Parquet; the server's own request log shows it PUT, read and DELETEd; afterwards
    the bucket is empty."""
    spy = SpyLoader(PostgresTestLoader(s3), moto_s3_server.client(), bucket)
    exporter = RedshiftExporter(connect, s3, bucket, PREFIX, spy)
    data = table([row(1, 1, "one"), row(2, 1, ARABIC)])
    requests_before = len(moto_s3_server.requests())
    exporter.upsert(TICKETS, data)

    key = spy.seen["uri"].removeprefix(f"s3://{bucket}/")
    assert key.startswith(f"{PREFIX}/zendesk.tickets/") and key.endswith(".parquet")
    uuid.UUID(key.rsplit("/", 1)[1].removesuffix(".parquet"))
    assert spy.seen["listed"] == [key]
    assert spy.seen["magic"] == b"PAR1"
    assert spy.seen["parquet"].equals(data)
    assert objects(s3, bucket) == []
    path = f"/{bucket}/{key}"
    expected = [("PUT", 200), ("GET", 200), ("GET", 200), ("DELETE", 204)]  # put, spy's read, loader's read
    deadline = time.monotonic() + 5
    while True:  # the server logs a request just after answering it
        server_log = [(m, p.split("?")[0], status) for m, p, status in moto_s3_server.requests()[requests_before:]]
        seen = [(m, s) for m, p, s in server_log if p == path]
        if seen == expected or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert seen == expected


class RecordingCursor:
    """Test double for a DB-API cursor: records statements instead of running them (there is no
    Redshift here, and PostgreSQL cannot run Redshift's COPY ... FROM 's3://...')."""

    def __init__(self) -> None:
        self.executed: list[tuple[str, Any]] = []

    def execute(self, sql: str, params: Any = None) -> None:
        self.executed.append((sql, params))


def test_redshift_copy_loader_issues_the_copy_statement(connect: Callable) -> None:
    """RedshiftCopyLoader sends exactly one COPY ... FORMAT AS PARQUET with the URI and role as
    parameters; rendered by psycopg2 (the driver used for Redshift) it is the statement Redshift gets."""
    role = "arn:aws:iam::123456789012:role/redshift-load"
    uri = "s3://lake-bucket/staging/raw/zendesk.tickets/0f.parquet"
    cursor = RecordingCursor()
    RedshiftCopyLoader(role).load(cursor, "stg_0f", uri, ["id", "updated_at"])
    assert cursor.executed == [('COPY "stg_0f" FROM %s IAM_ROLE %s FORMAT AS PARQUET', (uri, role))]
    with connect() as con, con.cursor() as cur:
        rendered = cur.mogrify(*cursor.executed[0]).decode()
    assert rendered == f"COPY \"stg_0f\" FROM '{uri}' IAM_ROLE '{role}' FORMAT AS PARQUET"
    assert RedshiftCopyLoader(role).dialect.text_type == "VARCHAR(65535)"
    assert RedshiftCopyLoader(role).dialect.now == "getdate()"
