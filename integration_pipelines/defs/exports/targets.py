"""The export targets: which resources each needs and how its exporter is built from them.

``EXPORT_TARGETS`` (comma-separated: duckdb, snowflake, bigquery, redshift) chooses them; each
target gets its own export assets, so one partition can be exported to several warehouses at once
and a failure in one leaves the others untouched.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from integration_pipelines.lib.warehouses.base import Exporter


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


@dataclass(frozen=True)
class Target:
    name: str
    resource_keys: frozenset[str]
    build: Callable[[Any], Exporter]


TARGETS = {t.name: t for t in (
    Target("duckdb", frozenset({"export_duckdb"}), _duckdb),
    Target("snowflake", frozenset({"snowflake"}), _snowflake),
    Target("bigquery", frozenset({"bigquery"}), _bigquery),
    Target("redshift", frozenset({"redshift", "s3"}), _redshift),
)}


def parse_targets(value: str) -> tuple[str, ...]:
    """``"snowflake, bigquery"`` -> ``("snowflake", "bigquery")``; unknown names are a clear error."""
    names = tuple(dict.fromkeys(n.strip().lower() for n in value.split(",") if n.strip()))
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        raise ValueError(f"EXPORT_TARGETS names unknown target(s) {unknown}; choose from {sorted(TARGETS)}")
    return names
