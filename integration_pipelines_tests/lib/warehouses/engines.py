"""The four warehouse engines behind one small, engine-neutral reader, for the exporter contract suite.

Each :class:`Engine` holds an exporter wired to a real engine (a DuckDB file, fakesnow, the bqemulator
server, PostgreSQL + the moto S3 server) and reads back what it wrote: rows as sorted tuples, column
types as the engine reports them (``types`` maps the neutral names of ``schema.py`` to those), NOT NULL
columns, staging leftovers (tables, and S3 objects for Redshift), schemas, and the stored UTF-8 bytes
of a text column as the engine itself encodes them. ``open_engine`` builds one for a test, starting
only that engine's servers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

import duckdb
import psycopg2
import pytest

from integration_pipelines.lib.warehouses import bigquery as bq
from integration_pipelines.lib.warehouses.base import LOADED_AT_COLUMN, Exporter, TableSpec, quote_ident
from integration_pipelines.lib.warehouses.schema import (
    BOOLEAN,
    DATE,
    FLOAT,
    INTEGER,
    STRING,
    TIMESTAMP_NTZ,
    TIMESTAMP_TZ,
)

ENGINES = ("duckdb", "snowflake", "bigquery", "redshift")
# the neutral types of the sample tickets' columns (samples.BASE_FIELDS) plus _loaded_at, in table order
BASE_TYPES = {
    "id": INTEGER,
    "updated_at": TIMESTAMP_TZ,
    "is_deleted": BOOLEAN,
    "subject": STRING,
    "_extracted_at": TIMESTAMP_TZ,
    "_raw": STRING,
    LOADED_AT_COLUMN: TIMESTAMP_TZ,
}


def sort_rows(rows: Sequence[Sequence[Any]]) -> list[tuple]:
    """Rows as tuples in one order every engine agrees on (NULLs after values, column by column)."""
    return sorted((tuple(r) for r in rows), key=lambda r: tuple((v is None, v) for v in r))


class Engine:
    """One engine under test. Subclasses run SQL (``_query``) and read their own catalogs."""

    name: ClassVar[str]
    types: ClassVar[dict[str, str]]  # neutral type name -> the name ``column_types`` reports
    widening_keeps_position: ClassVar[bool]  # False: a widened column moves to the end of the table
    null_key_error: ClassVar[type[BaseException]]  # raised when a load holds a NULL key
    null_key_match: ClassVar[str]
    refused_first_load_keeps_schema: ClassVar[bool] = False  # the schema a refused first load created stays
    quote: Callable[[str], str] = staticmethod(quote_ident)
    exporter: Exporter
    _param = "%s"  # the driver's placeholder

    def _query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        raise NotImplementedError

    def qualified(self, spec: TableSpec) -> str:
        return f"{self.quote(spec.schema)}.{self.quote(spec.name)}"

    def rows(self, spec: TableSpec, columns: Sequence[str] | None = None) -> list[tuple]:
        """The table's rows (``columns``, default all, ``_loaded_at`` included), sorted by :func:`sort_rows`."""
        names = list(columns) if columns is not None else list(self.column_types(spec))
        return sort_rows(self._query(f"SELECT {', '.join(map(self.quote, names))} FROM {self.qualified(spec)}"))

    def native(self, neutral: dict[str, str]) -> list[tuple[str, str]]:
        """``(column, neutral type)`` pairs as ``column_types(...).items()`` should report them."""
        return [(column, self.types[kind]) for column, kind in neutral.items()]

    def column_types(self, spec: TableSpec) -> dict[str, str]:
        """Column -> type name, in table order; empty when the table does not exist."""
        return dict(
            self._query(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = "
                f"{self._param} AND table_name = {self._param} ORDER BY ordinal_position",
                [spec.schema, spec.name],
            )
        )

    def not_null_columns(self, spec: TableSpec) -> list[str]:
        return [
            c
            for (c,) in self._query(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                f"{self._param} AND table_name = {self._param} AND is_nullable = 'NO' ORDER BY ordinal_position",
                [spec.schema, spec.name],
            )
        ]

    def schemas(self) -> list[str]:
        return sorted(s for (s,) in self._query("SELECT schema_name FROM information_schema.schemata"))

    def leftovers(self) -> list[str]:
        """Staging tables (and staged objects) a finished load left behind."""
        raise NotImplementedError

    def text_bytes(self, spec: TableSpec, column: str) -> list[bytes]:
        """The UTF-8 bytes of ``column`` in every row, encoded by the engine itself (not the driver)."""
        raise NotImplementedError


class DuckDBEngine(Engine):
    name = "duckdb"
    types = {
        INTEGER: "BIGINT",
        FLOAT: "DOUBLE",
        BOOLEAN: "BOOLEAN",
        STRING: "VARCHAR",
        DATE: "DATE",
        TIMESTAMP_TZ: "TIMESTAMP WITH TIME ZONE",
        TIMESTAMP_NTZ: "TIMESTAMP",
    }
    widening_keeps_position = True
    null_key_error = duckdb.ConstraintException
    null_key_match = "NOT NULL constraint failed"
    _param = "?"

    def __init__(self, path: str) -> None:
        from dagster_duckdb import DuckDBResource

        from integration_pipelines.lib.warehouses.duckdb import DuckDBExporter

        self.resource = DuckDBResource(database=path)
        self.exporter = DuckDBExporter(self.resource.get_connection)

    def _query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        with self.resource.get_connection() as con:
            return con.execute(sql, list(params or [])).fetchall()

    def schemas(self) -> list[str]:
        return sorted(s for (s,) in self._query("SELECT schema_name FROM duckdb_schemas() WHERE NOT internal"))

    def leftovers(self) -> list[str]:
        return [
            t
            for (t,) in self._query("SELECT table_name FROM duckdb_tables() WHERE temporary OR table_name = 'staging'")
        ]

    def text_bytes(self, spec: TableSpec, column: str) -> list[bytes]:
        return [b for (b,) in self._query(f"SELECT encode({self.quote(column)}) FROM {self.qualified(spec)}")]


class SnowflakeEngine(Engine):
    name = "snowflake"
    types = {
        INTEGER: "NUMBER",
        FLOAT: "FLOAT",
        BOOLEAN: "BOOLEAN",
        STRING: "TEXT",
        DATE: "DATE",
        TIMESTAMP_TZ: "TIMESTAMP_TZ",
        TIMESTAMP_NTZ: "TIMESTAMP_NTZ",
    }
    widening_keeps_position = True  # one CREATE OR REPLACE ... AS SELECT, casts in place
    null_key_error = ValueError
    null_key_match = r"zendesk\.tickets: 1 incoming row\(s\) have a NULL primary key"
    refused_first_load_keeps_schema = True  # DDL auto-commits; the staging table needs the schema first

    def __init__(self, connect: Callable[[], Any]) -> None:
        from integration_pipelines.lib.warehouses.snowflake import SnowflakeExporter

        self.connect = connect
        self.exporter = SnowflakeExporter(connect)

    def _query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        with self.connect() as con:
            return con.cursor().execute(sql, params).fetchall()

    def schemas(self) -> list[str]:
        return [s for s in super().schemas() if s not in ("PUBLIC", "INFORMATION_SCHEMA")]

    def leftovers(self) -> list[str]:
        from integration_pipelines.lib.warehouses.snowflake import STAGING_PREFIX

        return [
            t
            for (t,) in self._query(
                "SELECT table_name FROM information_schema.tables WHERE table_name LIKE %s", [STAGING_PREFIX + "%"]
            )
        ]

    def text_bytes(self, spec: TableSpec, column: str) -> list[bytes]:
        return [
            bytes(b)
            for (b,) in self._query(f"SELECT TO_BINARY({self.quote(column)}, 'UTF-8') FROM {self.qualified(spec)}")
        ]


class BigQueryEngine(Engine):
    name = "bigquery"
    types = {
        INTEGER: "INTEGER",
        FLOAT: "FLOAT",
        BOOLEAN: "BOOLEAN",
        STRING: "STRING",
        DATE: "DATE",
        TIMESTAMP_TZ: "TIMESTAMP",
        TIMESTAMP_NTZ: "DATETIME",
    }
    widening_keeps_position = True
    null_key_error = ValueError
    null_key_match = r"zendesk\.tickets: 1 incoming row\(s\) have a NULL primary key"
    quote = staticmethod(bq.quote_ident)

    def __init__(self, connect: Callable[[], Any], client: Any) -> None:
        self.client = client
        self.exporter = bq.BigQueryExporter(connect)

    def _query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        assert not params
        return [tuple(r.values()) for r in self.client.query(sql).result()]

    def qualified(self, spec: TableSpec) -> str:
        return f"{self.quote(self.client.project)}.{super().qualified(spec)}"

    def _fields(self, spec: TableSpec) -> list[Any]:
        from google.api_core.exceptions import NotFound

        try:
            return list(self.client.get_table(f"{self.client.project}.{spec.schema}.{spec.name}").schema)
        except NotFound:
            return []

    def column_types(self, spec: TableSpec) -> dict[str, str]:
        return {f.name: f.field_type for f in self._fields(spec)}

    def not_null_columns(self, spec: TableSpec) -> list[str]:
        return [f.name for f in self._fields(spec) if f.mode == "REQUIRED"]

    def schemas(self) -> list[str]:
        return sorted(d.dataset_id for d in self.client.list_datasets())

    def leftovers(self) -> list[str]:
        project = self.client.project
        return [
            f"{d}.{t.table_id}"
            for d in self.schemas()
            for t in self.client.list_tables(f"{project}.{d}")
            if t.table_id.startswith(bq.STAGING_PREFIX)
        ]

    def text_bytes(self, spec: TableSpec, column: str) -> list[bytes]:
        # the emulator cannot CAST a non-ASCII STRING to BYTES; the code points are the engine's own
        return [
            "".join(map(chr, points)).encode("utf-8")
            for (points,) in self._query(f"SELECT TO_CODE_POINTS({self.quote(column)}) FROM {self.qualified(spec)}")
        ]


class RedshiftEngine(Engine):
    name = "redshift"
    types = {
        INTEGER: "bigint",
        FLOAT: "double precision",
        BOOLEAN: "boolean",
        STRING: "text",
        DATE: "date",
        TIMESTAMP_TZ: "timestamp with time zone",
        TIMESTAMP_NTZ: "timestamp without time zone",
    }
    widening_keeps_position = False
    null_key_error = psycopg2.errors.NotNullViolation
    null_key_match = 'null value in column "id"'
    prefix = "staging/raw"

    def __init__(self, connect: Callable[[], Any], s3: Any, bucket: str) -> None:
        from integration_pipelines.lib.warehouses.redshift import RedshiftExporter
        from integration_pipelines.lib.warehouses.redshift_loading import PostgresTestLoader

        self.connect, self.s3, self.bucket = connect, s3, bucket
        self.exporter = RedshiftExporter(connect, s3, bucket, self.prefix, PostgresTestLoader(s3))

    def _query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        with self.connect() as con, con.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def schemas(self) -> list[str]:
        return [s for s in super().schemas() if s != "public" and not s.startswith(("pg_", "information_schema"))]

    def leftovers(self) -> list[str]:
        tables = [t for (t,) in self._query("SELECT relname FROM pg_class WHERE relname LIKE 'stg\\_%%'")]
        objects = [o["Key"] for o in self.s3.list_objects_v2(Bucket=self.bucket).get("Contents", [])]
        return tables + [f"s3://{self.bucket}/{key}" for key in objects]

    def text_bytes(self, spec: TableSpec, column: str) -> list[bytes]:
        return [
            bytes(b)
            for (b,) in self._query(f"SELECT convert_to({self.quote(column)}, 'UTF8') FROM {self.qualified(spec)}")
        ]


def open_engine(name: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """Build engine ``name`` for the requesting test (a generator: yields it, then cleans up)."""
    if name == "duckdb":
        yield DuckDBEngine(str(request.getfixturevalue("tmp_path") / "warehouse.duckdb"))
    elif name == "snowflake":
        import fakesnow
        import snowflake.connector

        with fakesnow.patch():

            @contextmanager
            def connect() -> Iterator[Any]:
                con = snowflake.connector.connect(database="ANALYTICS", schema="PUBLIC")
                try:
                    yield con
                finally:
                    con.close()

            yield SnowflakeEngine(connect)
    elif name == "bigquery":
        yield BigQueryEngine(request.getfixturevalue("bigquery_connect"), request.getfixturevalue("bigquery_client"))
    elif name == "redshift":
        dsn = request.getfixturevalue("postgres_database").dsn
        s3 = request.getfixturevalue("moto_s3_server").client()
        bucket = f"stage-{uuid.uuid4().hex[:12]}"  # a bucket per test: listing it shows only this test's objects
        s3.create_bucket(Bucket=bucket)

        @contextmanager
        def connect_pg() -> Iterator[Any]:
            con = psycopg2.connect(dsn)
            try:
                yield con
            finally:
                con.close()

        yield RedshiftEngine(connect_pg, s3, bucket)
    else:
        raise ValueError(f"unknown engine {name!r}")
