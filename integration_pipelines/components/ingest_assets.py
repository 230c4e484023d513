"""The assets of one vendor's sync: ``raw/{system}/{object}`` and ``warehouse/...``.

raw: pulls the partition window page by page into the lake (one client per run, so one rate-limit
budget and one connection pool are shared by all objects of the vendor).
warehouse: upserts the window's lake files, day by day, into the configured warehouse, keeping one
current row per key. Split in two so a failed load never re-pulls, and a re-pull never half-loads.
Records that break the contract go to the quarantine instead of failing either (``quarantine.py``).
"""

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import dagster as dg
import pyarrow.compute as pc

from integration_pipelines.components.quarantine import PullQuarantine, build_quarantine_checks, divert
from integration_pipelines.components.step_retry import retried_when_transient
from integration_pipelines.lib.http.metrics import RequestMetrics
from integration_pipelines.lib.lake import Lake
from integration_pipelines.lib.partitions import daily_partitions, days_in_window
from integration_pipelines.lib.records import arrow_schema, to_record_batch
from integration_pipelines.lib.warehouses.base import TableSpec, quote_ident
from integration_pipelines.lib.warehouses.duckdb import DuckDBExporter
from integration_pipelines.lib.warehouses.pools import WAREHOUSE_POOL
from integration_pipelines.lib.webhooks.inbox import StoredEvent
from integration_pipelines.lib.webhooks.planning import tombstones
from integration_pipelines.sources.base import Connector, Source, SourceObject


def raw_key(system: str, obj: SourceObject) -> dg.AssetKey:
    return dg.AssetKey(["raw", system, obj.name])


def warehouse_key(system: str, obj: SourceObject) -> dg.AssetKey:
    return dg.AssetKey(["warehouse", system, obj.name])


def table_spec(system: str, obj: SourceObject) -> TableSpec:
    return TableSpec(schema=system, name=obj.name, primary_key=(obj.primary_key,), version_column=obj.version_column)


def build_ingest_assets(
    source: Source, objects: Sequence[SourceObject] | None = None, *, pool: str | None = None
) -> list[dg.AssetsDefinition | dg.AssetChecksDefinition]:
    """Both multi-assets and the key checks for one vendor (all its objects unless ``objects`` is given).

    The vendor's connector resource is keyed by the vendor's name; ``pool`` (default ``{vendor}_api``)
    is shared by every step that calls the vendor, so concurrent runs share one rate budget."""
    system, title, resource_key = source.name, source.title, source.name
    objects = list(source.objects.values()) if objects is None else list(objects)
    partitions = daily_partitions()
    by_raw_key = {raw_key(system, o): o for o in objects}
    by_wh_key = {warehouse_key(system, o): o for o in objects}

    @dg.multi_asset(
        name=f"raw_{system}",
        specs=[
            dg.AssetSpec(
                key,
                group_name=system,
                kinds={"python", "parquet"},
                description=f"Every {obj.name} record {title} changed in the partition's UTC day, as pulled "
                "(one Parquet file per pull in the lake; deletes flagged in is_deleted).",
                metadata={"primary_key": obj.primary_key, "version_column": obj.version_column},
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
        window = context.partition_time_window
        connector: Connector = getattr(context.resources, resource_key)
        lake = context.resources.lake.lake()
        deletions = _webhook_deletions(context, source, window.start, window.end)
        with retried_when_transient(context), connector.open_client() as client:
            for key, obj in by_raw_key.items():
                if key in context.selected_asset_keys:
                    yield _pull(
                        context,
                        client,
                        lake,
                        system,
                        obj,
                        key,
                        window.start,
                        window.end,
                        tombstones(source.webhooks, deletions, obj.name) if deletions else [],
                    )

    @dg.multi_asset(
        name=f"warehouse_{system}",
        specs=[
            dg.AssetSpec(
                key,
                group_name=system,
                kinds={"duckdb"},
                deps=[raw_key(system, obj)],
                description=f"Current {title} {obj.name}: one row per {obj.primary_key}, latest "
                f"{obj.version_column} wins, deleted rows kept with is_deleted = true.",
                metadata={"table": table_spec(system, obj).qualified},
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
                yield _load(context, lake, exporter, system, obj, key, window.start, window.end)

    @dg.multi_asset_check(
        name=f"warehouse_{system}_keys",
        specs=[
            dg.AssetCheckSpec(
                "primary_key_unique_not_null",
                asset=key,
                description=f"{obj.primary_key} is never NULL and never repeated",
            )
            for key, obj in by_wh_key.items()
        ],
        can_subset=True,
        required_resource_keys={"duckdb"},
        pool=WAREHOUSE_POOL,  # opens the file read-write too, so it waits its turn like a load
    )
    def warehouse_key_checks(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
        with context.resources.duckdb.get_connection() as con:
            for key, obj in by_wh_key.items():
                check_key = dg.AssetCheckKey(key, "primary_key_unique_not_null")
                if check_key in context.selected_asset_check_keys:
                    yield _check_keys(con, table_spec(system, obj), key)

    return [raw_assets, warehouse_assets, warehouse_key_checks, build_quarantine_checks(system, by_wh_key)]


def _check_keys(con, spec: TableSpec, key: dg.AssetKey) -> dg.AssetCheckResult:
    """One SQL pass over the whole table: the invariant every load must keep, whatever the partition."""
    column = quote_ident(spec.primary_key[0])
    target = f"{quote_ident(spec.schema)}.{quote_ident(spec.name)}"
    rows, nulls, distinct = con.execute(
        f"SELECT count(*), count(*) - count({column}), count(DISTINCT {column}) FROM {target}"
    ).fetchone()
    duplicates = rows - nulls - distinct
    return dg.AssetCheckResult(
        asset_key=key,
        check_name="primary_key_unique_not_null",
        passed=nulls == 0 and duplicates == 0,
        metadata={"rows": rows, "null_keys": nulls, "duplicate_keys": duplicates},
    )


def _webhook_deletions(
    context: dg.AssetExecutionContext, source: Source, start: datetime, end: datetime
) -> list[StoredEvent]:
    """The window's webhook events, read once per run: deletions among them become tombstone rows."""
    if source.webhooks is None:
        return []
    return context.resources.webhook_inbox.inbox().between(source.name, start, end)


def _pull(
    context: dg.AssetExecutionContext,
    client,
    lake: Lake,
    system: str,
    obj: SourceObject,
    key: dg.AssetKey,
    start: datetime,
    end: datetime,
    deleted: list[dict],
) -> dg.MaterializeResult:
    """Stream one object's pages for [start, end) into the lake, then the deletions only webhooks
    announced (as rows with is_deleted = true); metadata counts this object only. Records the
    connector set aside go to the lake's quarantine, published with the pull's files."""
    client.api.metrics = RequestMetrics()
    connector_stats = getattr(client, "stats", None)  # e.g. HubSpot's window splits; counts per object
    if connector_stats is not None:
        connector_stats.clear()
    # connectors whose fields are discovered per run (Salesforce describe) say so through columns()
    columns = client.columns(obj) if hasattr(client, "columns") else obj.columns
    writer = lake.writer(key.path, arrow_schema(columns), context.run.run_id, obj.version_column)
    held = PullQuarantine(lake, system, obj.name, context.run.run_id, start, end)
    rows = deletes = pages = repaired = 0
    try:
        for page in client.pages(obj, start, end):
            writer.write(page.batch)
            held.add(page.rejects)
            repaired += page.repaired
            pages += 1
            rows += page.batch.num_rows
            if page.batch.num_rows:
                deletes += int(pc.sum(page.batch.column("is_deleted")).as_py() or 0)
            context.log.info(f"{system}/{obj.name}: page {pages}, {rows} rows so far")
        if deleted:
            batch = to_record_batch(deleted, columns, datetime.now(UTC))
            writer.write(batch)
            rows += batch.num_rows
            deletes += int(pc.sum(batch.column("is_deleted")).as_py() or 0)
            context.log.info(f"{system}/{obj.name}: {batch.num_rows} deletion(s) from webhooks")
        files = writer.commit()
        held.commit()
    except BaseException:
        writer.abort()
        held.abort()
        raise
    if held.count or repaired:
        context.log.warning(
            f"{system}/{obj.name}: {held.count} record(s) quarantined {held.reasons}, "
            f"{repaired} with text repaired to U+FFFD"
        )
    quota = client.api.quota_remaining()
    metadata = {
        "rows": rows,
        "deletes": deletes,
        "webhook_deletions": len(deleted),
        "quarantined": held.count,
        **{f"quarantined_{reason}": n for reason, n in sorted(held.reasons.items())},
        "repaired_text": repaired,
        "pages": pages,
        "files": len(files),
        "bytes_written": writer.bytes_written,
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
        **client.api.metrics.as_dict(),
        **dict(connector_stats or {}),
    }
    if quota is not None:
        metadata["quota_remaining"] = quota
    return dg.MaterializeResult(asset_key=key, metadata=metadata)


def _load(
    context: dg.AssetExecutionContext,
    lake: Lake,
    exporter: DuckDBExporter,
    system: str,
    obj: SourceObject,
    key: dg.AssetKey,
    start: datetime,
    end: datetime,
) -> dg.MaterializeResult:
    """Upsert the window's lake files one day at a time, so memory holds one day of one object.

    Rows the table refuses (null key or version) and the pull's rejects of the day go to
    ``quarantine.records`` instead: a lake file is never rewritten, so one bad row must not fail
    every later load of its day."""
    spec = table_spec(system, obj)
    schema = arrow_schema(obj.columns)  # the static core; files may carry more (discovered) columns
    rows_in = inserted = matched = files_read = quarantined = 0
    result = None
    for day in days_in_window(start, end):
        files = lake.files(raw_key(system, obj).path, [day])
        data, diverted = divert(lake, exporter.connect, spec, system, obj, day, lake.read(files), context.run.run_id)
        quarantined += diverted
        if not files:
            continue
        files_read += len(files)
        result = exporter.upsert(spec, data)
        rows_in += result.rows_in
        inserted += result.inserted
        matched += result.matched
    if result is None:  # nothing changed in the window: still leave the table in place, empty or not
        result = exporter.upsert(spec, schema.empty_table())
    context.log.info(f"{spec.qualified}: {rows_in} rows from {files_read} files, {inserted} new keys")
    metadata = {
        "rows_in": rows_in,
        "inserted": inserted,
        "matched": matched,
        "files_read": files_read,
        "quarantined": quarantined,
        "table": spec.qualified,
        "table_rows": result.table_rows,
        "deleted_rows": result.deleted_rows,
    }
    return dg.MaterializeResult(asset_key=key, metadata=metadata)
