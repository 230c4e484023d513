"""How staged Parquet reaches a Redshift staging table: the one Redshift-only statement, behind a seam.

``RedshiftCopyLoader`` is production (``COPY ... FROM 's3://...' IAM_ROLE ... FORMAT AS PARQUET``;
Redshift has no ``COPY FROM STDIN``). ``PostgresTestLoader`` stands in for it on PostgreSQL, which
cannot read S3, so everything around the COPY runs for real in tests. ``Dialect`` holds the few SQL
differences between the two.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import pyarrow.parquet as pq

from integration_pipelines.lib.warehouses.base import quote_ident


@dataclass(frozen=True)
class Dialect:
    """The few places where Redshift and the PostgreSQL test stand-in differ."""

    name: str
    text_type: str
    now: str


# How staged Parquet is loaded: ``copy`` is production, ``insert`` the PostgreSQL stand-in. Here, not on
# RedshiftTarget, so the settings table can name the choices without importing dagster-aws.
LoadStatement = Literal["copy", "insert"]

REDSHIFT = Dialect("redshift", "VARCHAR(65535)", "getdate()")
POSTGRES = Dialect("postgresql", "TEXT", "now()")


class Loader(Protocol):
    """Moves the staged Parquet object at ``s3_uri`` into ``staging_table`` (columns in file order)."""

    dialect: Dialect

    def load(self, cursor: Any, staging_table: str, s3_uri: str, columns: list[str]) -> None: ...


class RedshiftCopyLoader:
    """The production loader: one ``COPY ... FORMAT AS PARQUET`` run by Redshift itself, which reads
    the object with ``iam_role`` (needs s3:GetObject on the staging prefix). The staging table's
    columns are created in the Parquet file's order, so no column list is needed. The URI and role
    are parameters; psycopg2 (also under dagster-aws' RedshiftClientResource) quotes them client-side."""

    dialect = REDSHIFT

    def __init__(self, iam_role: str) -> None:
        self.iam_role = iam_role

    def load(self, cursor: Any, staging_table: str, s3_uri: str, columns: list[str]) -> None:
        cursor.execute(
            f"COPY {quote_ident(staging_table)} FROM %s IAM_ROLE %s FORMAT AS PARQUET", (s3_uri, self.iam_role)
        )


class PostgresTestLoader:
    """TEST STAND-IN, not a production path: PostgreSQL cannot read S3, so this downloads the staged
    Parquet object from S3 (the moto server in tests) and inserts its rows into the staging table
    with psycopg2 ``execute_values``. It replaces only Redshift's ``COPY``; staging, dedup, MERGE,
    schema changes and cleanup are the exporter's real code."""

    dialect = POSTGRES

    def __init__(self, s3_client: Any, page_size: int = 1000) -> None:
        self.s3_client = s3_client
        self.page_size = page_size

    def load(self, cursor: Any, staging_table: str, s3_uri: str, columns: list[str]) -> None:
        from psycopg2.extras import execute_values

        bucket, key = split_s3_uri(s3_uri)
        body = self.s3_client.get_object(Bucket=bucket, Key=key)["Body"].read()
        data = pq.read_table(io.BytesIO(body))
        if data.column_names != columns:
            raise ValueError(f"staged Parquet columns {data.column_names} != staging columns {columns}")
        rows = [tuple(r.values()) for r in data.to_pylist()]
        names = ", ".join(quote_ident(c) for c in columns)
        execute_values(
            cursor, f"INSERT INTO {quote_ident(staging_table)} ({names}) VALUES %s", rows, page_size=self.page_size
        )


def split_s3_uri(uri: str) -> tuple[str, str]:
    match = re.fullmatch(r"s3://([^/]+)/(.+)", uri)
    if not match:
        raise ValueError(f"not an s3:// URI: {uri!r}")
    return match[1], match[2]


@contextmanager
def psycopg2_connection(**connect_args: Any) -> Iterator[Any]:
    """A ``connect`` factory for production: a psycopg2 connection (e.g. to Redshift, ``sslmode='require'``)
    closed afterwards; the arguments of dagster-aws' RedshiftClientResource (host, port, user, ...)."""
    import psycopg2

    if "database" in connect_args and "dbname" not in connect_args:
        connect_args["dbname"] = connect_args.pop("database")
    con = psycopg2.connect(**connect_args)
    try:
        yield con
    finally:
        con.close()
