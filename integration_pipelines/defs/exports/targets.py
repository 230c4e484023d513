"""The export targets: which resources each needs and how its exporter is built from them.

``EXPORT_TARGETS`` (comma-separated: duckdb, snowflake, bigquery, redshift) chooses them; each
target gets its own export assets, so one partition can be exported to several warehouses at once
and a failure in one leaves the others untouched.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from integration_pipelines.lib.warehouses.base import Exporter, quote_ident


def _duckdb(resources: Any) -> Exporter:
    from integration_pipelines.lib.warehouses.duckdb import DuckDBExporter

    return DuckDBExporter(resources.export_duckdb.get_connection)


def _snowflake(resources: Any) -> Exporter:
    from integration_pipelines.lib.warehouses.snowflake import SnowflakeExporter

    # ops get dagster-snowflake's SnowflakeConnection, whose get_connection opens a raw connection
    return SnowflakeExporter(resources.snowflake.get_connection)


def _bigquery(resources: Any) -> Exporter:
    from integration_pipelines.lib.warehouses.bigquery import BigQueryExporter

    return BigQueryExporter(resources.bigquery.get_client, location=resources.bigquery.location)


def _redshift(resources: Any) -> Exporter:
    return resources.redshift.exporter(resources.s3)  # dagster-aws hands ops S3Resource's boto3 client


def _cursor_query(connection: Any, sql: str) -> list[tuple]:
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()


def _query_duckdb(resources: Any, sql: str) -> list[tuple]:
    with resources.export_duckdb.get_connection() as con:
        return con.execute(sql).fetchall()


def _query_snowflake(resources: Any, sql: str) -> list[tuple]:
    with resources.snowflake.get_connection() as con:
        return _cursor_query(con, sql)


def _query_bigquery(resources: Any, sql: str) -> list[tuple]:
    with resources.bigquery.get_client() as client:
        return [tuple(row.values()) for row in client.query(sql).result()]


def _query_redshift(resources: Any, sql: str) -> list[tuple]:
    with resources.redshift.connect() as con:
        return _cursor_query(con, sql)


def _backticks(name: str) -> str:
    from integration_pipelines.lib.warehouses.bigquery import quote_ident as bigquery_quote

    return bigquery_quote(name)


@dataclass(frozen=True)
class Target:
    """``build`` makes the exporter; ``query`` runs read-only SQL (the export checks), with names
    quoted by ``quote``."""

    name: str
    resource_keys: frozenset[str]
    build: Callable[[Any], Exporter]
    query: Callable[[Any, str], list[tuple]]
    quote: Callable[[str], str] = quote_ident


TARGETS = {
    t.name: t
    for t in (
        Target("duckdb", frozenset({"export_duckdb"}), _duckdb, _query_duckdb),
        Target("snowflake", frozenset({"snowflake"}), _snowflake, _query_snowflake),
        Target("bigquery", frozenset({"bigquery"}), _bigquery, _query_bigquery, _backticks),
        Target("redshift", frozenset({"redshift", "s3"}), _redshift, _query_redshift),
    )
}
