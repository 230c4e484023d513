"""The Redshift exporter on a real PostgreSQL 15 server and a real moto S3 server process: what only
Redshift does.

Everything but Redshift's ``COPY ... FROM 's3://...' FORMAT AS PARQUET`` runs for real: the Arrow
table is written as Parquet to the moto server over HTTP, a temp staging table is created, the
``PostgresTestLoader`` stand-in (PostgreSQL cannot read S3) downloads the object and inserts its rows,
then the exporter's own dedup + MERGE + schema-change SQL runs on PostgreSQL. The COPY statement itself
is checked with a recording cursor, since no Redshift exists here. The semantics every engine shares
are in test_exporter_contract*.py, which runs them on this same PostgreSQL + moto setup.
"""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg2
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from integration_pipelines.lib.warehouses.base import LoadResult, TableSpec
from integration_pipelines.lib.warehouses.redshift import RedshiftExporter
from integration_pipelines.lib.warehouses.redshift_loading import PostgresTestLoader, RedshiftCopyLoader
from integration_pipelines_tests.fixtures.moto_s3 import MotoS3Server
from integration_pipelines_tests.fixtures.postgres import PostgresInfo
from integration_pipelines_tests.lib.warehouses.samples import (
    ARABIC,
    BASE_FIELDS,
    TICKETS,
    row,
    table,
)

PREFIX = "staging/raw"


BASE_COLUMNS = {
    "id": "bigint",
    "updated_at": "timestamp with time zone",
    "is_deleted": "boolean",
    "subject": "text",
    "_extracted_at": "timestamp with time zone",
    "_raw": "text",
    "_loaded_at": "timestamp with time zone",
}


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
    return dict(
        fetch(
            connect,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
            (spec.schema, spec.name),
        )
    )


def objects(s3: Any, bucket: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def staging_tables(connect: Callable) -> list[tuple]:
    """Temp staging tables of any session in this database (pg_class lists other sessions' too)."""
    return fetch(connect, "SELECT relname FROM pg_class WHERE relname LIKE 'stg\\_%%'")


# --- the table and its names -------------------------------------------------------------------------


def test_the_key_is_a_not_null_primary_key(exporter: RedshiftExporter, connect: Callable) -> None:
    """The first load (3 rows) declares id as the table's PRIMARY KEY (informational on Redshift,
    enforced on PostgreSQL) and NOT NULL (enforced on both): 1 key column, and a NULL id inserted
    behind the exporter's back is refused."""
    exporter.upsert(TICKETS, table([row(1, 1, "one"), row(2, 2, "two"), row(3, 3, "three")]))
    assert fetch(
        connect,
        "SELECT kcu.column_name FROM information_schema.table_constraints tc "
        "JOIN information_schema.key_column_usage kcu USING (constraint_schema, constraint_name) "
        "WHERE tc.table_name = 'tickets' AND tc.constraint_type = 'PRIMARY KEY'",
    ) == [("id",)]
    with pytest.raises(psycopg2.errors.NotNullViolation), connect() as con, con.cursor() as cur:
        cur.execute("INSERT INTO zendesk.tickets (id, subject) VALUES (NULL, 'x')")


def test_odd_identifiers_are_quoted(exporter: RedshiftExporter, connect: Callable) -> None:
    """Columns select, "first name", 'say "hi"' in a schema and table with spaces load and update;
    the second load adds "group by", inserts 1 of its 2 rows and leaves 2."""
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


# --- atomicity and cleanup ---------------------------------------------------------------------------


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


def test_parquet_goes_through_the_moto_server(
    connect: Callable, s3: Any, bucket: str, moto_s3_server: MotoS3Server
) -> None:
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


# --- all-NULL columns ---------------------------------------------------------------------------------


def test_all_null_columns_stay_out_of_the_staged_parquet(
    connect: Callable, s3: Any, bucket: str, moto_s3_server: MotoS3Server
) -> None:
    """Ids 1 and 2 loaded with score (bigint); then a load (an older-ranked id 1, a new id 3) whose
    score, updated_at, _extracted_at and _raw are all NULL (Arrow null type, so no Parquet type for
    COPY): the staged Parquet holds only the 3 typed columns, matched 1, inserted 1, 3 rows; id 1
    keeps its stored row (NULL ranks lowest), id 3 has NULL in the four, score stays bigint. A load
    bringing a new all-NULL column "mystery" is refused (TypeError naming it): same rows and columns,
    nothing staged left."""
    spy = SpyLoader(PostgresTestLoader(s3), moto_s3_server.client(), bucket)
    exporter = RedshiftExporter(connect, s3, bucket, PREFIX, spy)
    exporter.upsert(
        TICKETS, table([row(1, 1, "one", score=3), row(2, 1, "two", score=4)], pa.field("score", pa.int64()))
    )
    nulls = ["updated_at", "_extracted_at", "_raw", "score"]
    fields = [pa.field(f.name, pa.null()) if f.name in nulls else f for f in BASE_FIELDS]
    data = pa.Table.from_pylist(
        [{**row(i, 2, subject), **dict.fromkeys(nulls)} for i, subject in ((1, "one?"), (3, "three"))],
        schema=pa.schema([*fields, pa.field("score", pa.null())]),
    )
    result = exporter.upsert(TICKETS, data)
    assert spy.seen["parquet"].column_names == ["id", "is_deleted", "subject"]
    assert result == LoadResult(rows_in=2, keys_in=2, inserted=1, matched=1, table_rows=3, deleted_rows=0)
    assert fetch(
        connect, "SELECT id, subject, updated_at IS NULL, _raw IS NULL, score FROM zendesk.tickets ORDER BY id"
    ) == [(1, "one", False, False, 3), (2, "two", False, False, 4), (3, "three", True, True, None)]
    assert columns(connect)["score"] == "bigint"
    snapshot, described = fetch(connect, "SELECT * FROM zendesk.tickets ORDER BY id"), columns(connect)
    with pytest.raises(
        TypeError,
        match=r"zendesk\.tickets: no Redshift column type for all-NULL new column\(s\) "
        r"\['mystery'\]",
    ):
        exporter.upsert(TICKETS, table([row(4, 1, "four", mystery=None)], pa.field("mystery", pa.null())))
    assert fetch(connect, "SELECT * FROM zendesk.tickets ORDER BY id") == snapshot and columns(connect) == described
    assert staging_tables(connect) == [] and objects(s3, bucket) == []


def test_text_longer_than_redshift_holds_is_refused_before_staging(
    exporter: RedshiftExporter, connect: Callable, s3: Any, bucket: str
) -> None:
    """A 70,000-byte Arabic subject (35,000 letters of 2 bytes; Redshift's VARCHAR stops at 65,535 bytes):
    ValueError naming table, column and size; the table keeps its 1 row, nothing was staged in S3. A
    subject of exactly 65,535 bytes still loads."""
    exporter.upsert(TICKETS, table([row(1, 1, "one")]))
    with pytest.raises(ValueError, match=r"zendesk\.tickets: column 'subject' has a value of 70000 bytes"):
        exporter.upsert(TICKETS, table([row(2, 1, "ب" * 35_000)]))
    assert [r["id"] for r in current(connect)] == [1] and objects(s3, bucket) == []
    result = exporter.upsert(TICKETS, table([row(2, 1, "ب" * 32_767 + "a", raw="{}")]))
    assert result.table_rows == 2
