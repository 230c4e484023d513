"""The assets of one vendor's sync: ``raw/{system}/{object}`` and ``warehouse/...``.

raw: pulls the partition window page by page into the lake (one client per run, so one rate-limit
budget and one connection pool are shared by all objects of the vendor).
warehouse: upserts the window's lake files in one set-based DuckDB load (``duckdb_window``), keeping
one current row per key, with each day's own numbers. Split in two so a failed load never re-pulls,
and a re-pull never half-loads.
Records that break the contract go to the quarantine instead of failing either (``quarantine.py``).
"""

from collections.abc import Iterator, Sequence
from datetime import timedelta

import dagster as dg

from integration_pipelines.components.asset_keys import lake_table_name, raw_key, table_spec, warehouse_key
from integration_pipelines.components.concurrent_pulls import PullClients, QueuedLog, run_in_order
from integration_pipelines.components.freshness import build_freshness_checks, freshness_policy
from integration_pipelines.components.quarantine import build_quarantine_checks
from integration_pipelines.components.raw_pull import pull_object, webhook_deletions
from integration_pipelines.components.reconciliation import build_reconciliation_checks
from integration_pipelines.components.step_retry import retried_when_transient
from integration_pipelines.components.warehouse_load import load_object
from integration_pipelines.lib.asset_metadata import table_metadata
from integration_pipelines.lib.owners import asset_owners
from integration_pipelines.lib.partitions import daily_partitions
from integration_pipelines.lib.records import arrow_schema
from integration_pipelines.lib.warehouses.duckdb import DuckDBExporter
from integration_pipelines.lib.warehouses.pools import WAREHOUSE_POOL
from integration_pipelines.lib.webhooks.planning import tombstones
from integration_pipelines.sources.base import Connector, Source, SourceObject

DEFAULT_FRESHNESS = timedelta(hours=3)


def build_ingest_assets(
    source: Source,
    objects: Sequence[SourceObject] | None = None,
    *,
    pool: str | None = None,
    freshness: timedelta = DEFAULT_FRESHNESS,
    concurrency: int = 1,
) -> list[dg.AssetsDefinition | dg.AssetChecksDefinition]:
    """Both multi-assets and their checks for one vendor (all its objects unless ``objects`` is given).

    The vendor's connector resource is keyed by the vendor's name; ``pool`` (default ``{vendor}_api``)
    is shared by every step that calls the vendor, so concurrent runs share one rate budget.
    ``concurrency`` objects are pulled at once inside the raw step, through the same client and budget.
    Descriptions start with the system and layer: Dagster's lineage view labels a node with the last
    key segment only (``tickets`` for Zendesk raw, Zendesk warehouse and HubSpot alike) and shows the
    description's first line under it, so that line is what tells the nodes apart."""
    system, title, resource_key = source.name, source.title, source.name
    objects = list(source.objects.values()) if objects is None else list(objects)
    partitions = daily_partitions()
    by_raw_key = {raw_key(system, o): o for o in objects}
    by_wh_key = {warehouse_key(system, o): o for o in objects}
    owners = asset_owners()

    @dg.multi_asset(
        name=f"raw_{system}",
        specs=[
            dg.AssetSpec(
                key,
                group_name=system,
                kinds={"python", "parquet"},
                owners=owners,
                description=f"{title} {_plural(obj)}, raw pull (lake).\n\n"
                f"Every {_singular(obj)} record that {title} created, changed or deleted in the partition's "
                "UTC day, as the API returned it: one Parquet file per pull and day in the lake, deletes "
                "flagged in is_deleted. Each day's materialization counts that day's own rows; numbers "
                "named window_* cover the whole run.",
                metadata={
                    "primary_key": obj.primary_key,
                    "version_column": obj.version_column,
                    **table_metadata(lake_table_name(key), arrow_schema(obj.columns)),
                },
                freshness_policy=freshness_policy(freshness),
            )
            for key, obj in by_raw_key.items()
        ],
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        can_subset=True,
        required_resource_keys={resource_key, "lake", *(["webhook_inbox"] if source.webhooks else [])},
        pool=pool or f"{system}_api",
    )
    def raw_assets(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
        """Pulls up to ``concurrency`` selected objects at once (``concurrent_pulls.py``); results, and
        each day's metadata, reach Dagster from this thread in the objects' order, whatever the timing."""
        window = context.partition_time_window
        connector: Connector = getattr(context.resources, resource_key)
        lake = context.resources.lake.lake()
        deletions = webhook_deletions(context, source, window.start, window.end)
        run_id, log = context.run.run_id, QueuedLog()
        selected = [(key, obj) for key, obj in by_raw_key.items() if key in context.selected_asset_keys]
        with retried_when_transient(context), connector.open_client() as client:
            views = PullClients(client)

            def puller(key: dg.AssetKey, obj: SourceObject):
                deleted = tombstones(source.webhooks, deletions, obj.name) if deletions else []
                return lambda stop: pull_object(
                    log, run_id, views.for_pull(), lake, system, obj, key, window.start, window.end, deleted, stop
                )

            pulls = [puller(key, obj) for key, obj in selected]
            for per_day, result in run_in_order(pulls, concurrency, lambda: log.drain(context.log)):
                for day, metadata in per_day.items():
                    context.add_asset_metadata(metadata, asset_key=result.asset_key, partition_key=day)
                yield result

    @dg.multi_asset(
        name=f"warehouse_{system}",
        specs=[
            dg.AssetSpec(
                key,
                group_name=system,
                kinds={"duckdb"},
                owners=owners,
                deps=[raw_key(system, obj)],
                description=f"{title} {_plural(obj)}, warehouse table {table_spec(system, obj).qualified}.\n\n"
                f"One current row per {obj.primary_key}: the latest {obj.version_column} wins, deleted "
                "records stay with is_deleted = true. Each day's materialization counts the table's "
                f"rows whose {obj.version_column} falls on that day.",
                metadata={
                    "table": table_spec(system, obj).qualified,
                    **table_metadata(table_spec(system, obj).qualified, arrow_schema(obj.columns)),
                },
            )
            for key, obj in by_wh_key.items()
        ],
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        can_subset=True,
        required_resource_keys={"duckdb", "lake"},
        pool=WAREHOUSE_POOL,  # one writer per DuckDB file, across runs (lib/warehouses/pools.py)
    )
    def warehouse_assets(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
        window = context.partition_time_window
        lake = context.resources.lake.lake()
        exporter = DuckDBExporter(context.resources.duckdb.get_connection)
        for key, obj in by_wh_key.items():
            if key in context.selected_asset_keys:
                yield load_object(context, lake, exporter, system, obj, key, window.start, window.end)

    raw_paths = {warehouse_key(system, o): raw_key(system, o).path for o in objects}
    return [
        raw_assets,
        warehouse_assets,
        build_reconciliation_checks(system, by_wh_key, {k: tuple(v) for k, v in raw_paths.items()}),
        build_quarantine_checks(system, by_wh_key),
        build_freshness_checks(system, list(by_raw_key), freshness),
    ]


def _plural(obj: SourceObject) -> str:
    return obj.name.replace("_", " ")


def _singular(obj: SourceObject) -> str:
    name = _plural(obj)
    return name[:-1] if name.endswith("s") else name
