"""Where one vendor object lives: its raw (lake) and warehouse asset keys and its warehouse table."""

import dagster as dg

from integration_pipelines.lib.warehouses.base import TableSpec
from integration_pipelines.sources.base import SourceObject


def raw_key(system: str, obj: SourceObject) -> dg.AssetKey:
    return dg.AssetKey(["raw", system, obj.name])


def warehouse_key(system: str, obj: SourceObject) -> dg.AssetKey:
    return dg.AssetKey(["warehouse", system, obj.name])


def table_spec(system: str, obj: SourceObject) -> TableSpec:
    return TableSpec(schema=system, name=obj.name, primary_key=(obj.primary_key,), version_column=obj.version_column)


def lake_table_name(key: dg.AssetKey) -> str:
    """The lake dataset's name as the UI shows it: its path under the lake root."""
    return "lake/" + "/".join(key.path)
