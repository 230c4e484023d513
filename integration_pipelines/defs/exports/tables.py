"""Every table the pipeline produces, as the exports see it: where it is read and how it is keyed.

Exports read the working DuckDB tables (``warehouse/{system}/{object}`` and ``feedback/*``), which
hold one current row per key; a partition of an export is the rows whose version column falls in
that UTC day, so a record lands in the day of its latest change and deletes travel as flagged rows.
"""

from dataclasses import dataclass, replace

import dagster as dg

from integration_pipelines.components.asset_keys import table_spec, warehouse_key
from integration_pipelines.defs.text.tables import feedback_key, feedback_table
from integration_pipelines.deployment_settings import EXPORT_SCHEMA_PREFIX
from integration_pipelines.lib.warehouses.base import TableSpec
from integration_pipelines.sources import registry

FEEDBACK_TABLES = ("customer_feedback", "feedback_preprocessed", "feedback_sentiment")


@dataclass(frozen=True)
class ExportTable:
    """``source`` is the working DuckDB table; ``target`` is the same table with the target's schema name."""

    source: TableSpec
    upstream: dg.AssetKey

    def target(self, schema_prefix: str = "") -> TableSpec:
        return replace(self.source, schema=f"{schema_prefix}{self.source.schema}")

    def key(self, target: str) -> dg.AssetKey:
        return dg.AssetKey(["export", target, self.source.schema, self.source.name])


def export_tables() -> list[ExportTable]:
    tables = [
        ExportTable(table_spec(source.name, obj), warehouse_key(source.name, obj))
        for source in registry.sources().values()
        for obj in source.objects.values()
    ]
    tables += [ExportTable(feedback_table(name), feedback_key(name)) for name in FEEDBACK_TABLES]
    return tables


def schema_prefix() -> str:
    """``EXPORT_SCHEMA_PREFIX`` (e.g. ``ip_``) in front of every exported schema / dataset name."""
    return EXPORT_SCHEMA_PREFIX.value()
