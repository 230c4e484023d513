"""The key invariant checked where it matters most: in the target warehouse itself.

One SQL pass over each exported table (portable across the four engines: no COUNT(DISTINCT tuple)),
so a duplicate or NULL key in the warehouse shows up in the UI next to the export that wrote it,
whatever partition ran.
"""

from collections.abc import Iterator

import dagster as dg

from integration_pipelines.defs.exports.tables import export_tables, schema_prefix
from integration_pipelines.defs.exports.targets import TARGETS
from integration_pipelines.lib.warehouses.pools import export_pool

CHECK_NAME = "primary_key_unique_not_null"


def key_profile_sql(target: str, schema: str, table: str, keys: tuple[str, ...]) -> str:
    """rows, rows with a NULL key, keys held by more than one row."""
    q = TARGETS[target].quote
    source = f"{q(schema)}.{q(table)}"
    columns = ", ".join(q(k) for k in keys)
    null_key = " OR ".join(f"{q(k)} IS NULL" for k in keys)
    return (
        f"SELECT (SELECT count(*) FROM {source}), "
        f"(SELECT count(*) FROM {source} WHERE {null_key}), "
        f"(SELECT count(*) FROM (SELECT {columns} FROM {source} GROUP BY {columns} HAVING count(*) > 1) d)"
    )


def build_export_checks(target: str) -> dg.AssetChecksDefinition:
    spec = TARGETS[target]
    tables = {t.key(target): t for t in export_tables()}

    @dg.multi_asset_check(
        name=f"export_{target}_keys",
        specs=[
            dg.AssetCheckSpec(
                CHECK_NAME,
                asset=key,
                description=f"{', '.join(t.source.primary_key)} is never NULL and never repeated in the {target} table",
            )
            for key, t in tables.items()
        ],
        can_subset=True,
        required_resource_keys=set(spec.resource_keys),
        # a DuckDB file takes one read-write connection at a time: wait for the export's turn
        pool=export_pool(target) if target == "duckdb" else None,
    )
    def export_key_checks(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
        for key, table in tables.items():
            if dg.AssetCheckKey(key, CHECK_NAME) not in context.selected_asset_check_keys:
                continue
            destination = table.target(schema_prefix())
            sql = key_profile_sql(target, destination.schema, destination.name, destination.primary_key)
            rows, null_keys, duplicates = spec.query(context.resources, sql)[0]
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name=CHECK_NAME,
                passed=null_keys == 0 and duplicates == 0,
                metadata={
                    "rows": rows,
                    "null_keys": null_keys,
                    "duplicate_keys": duplicates,
                    "table": destination.qualified,
                },
            )

    return export_key_checks
