"""One factory for every export target: ``export/{target}/{schema}/{table}`` for each produced table.

A partition exports the working table's rows whose version column falls in that UTC day, in
chunks read by key (keyset pagination, so memory holds one chunk and the working DuckDB file is
only held open while a chunk is read). The exporter upserts by key, so re-running any partition,
or one killed half-way, leaves the same target table.
"""

import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import dagster as dg
import pyarrow as pa

from integration_pipelines.defs.exports.changes import latest_materializations
from integration_pipelines.defs.exports.tables import ExportTable, export_tables, schema_prefix
from integration_pipelines.defs.exports.targets import TARGETS
from integration_pipelines.defs.text.automation import AFTER_FAILED_RUN
from integration_pipelines.deployment_settings import EXPORT_CHUNK_ROWS
from integration_pipelines.lib.asset_metadata import column_schema, rates
from integration_pipelines.lib.owners import asset_owners
from integration_pipelines.lib.partitions import daily_partitions, day_start, days_in_window
from integration_pipelines.lib.text.feedback import existing_tables
from integration_pipelines.lib.warehouses.base import LOADED_AT_COLUMN, Exporter, TableSpec, quote_ident
from integration_pipelines.lib.warehouses.pools import export_pool

MAX_PASSES = 3


def chunk_rows() -> int:
    """``EXPORT_CHUNK_ROWS``: rows held in memory per read (validated when the definitions load)."""
    return EXPORT_CHUNK_ROWS.value()


def build_export_assets(target: str) -> dg.AssetsDefinition:
    """The export multi-asset for one target (a name in ``targets.TARGETS``)."""
    spec = TARGETS[target]
    tables = {t.key(target): t for t in export_tables()}

    @dg.multi_asset(
        name=f"export_{target}",
        specs=[
            dg.AssetSpec(
                key,
                group_name="exports",
                kinds={target},
                deps=[table.upstream],
                skippable=True,
                automation_condition=AFTER_FAILED_RUN,
                owners=asset_owners(),
                description=f"{table.source.qualified}, export to {target}.\n\n"
                f"{table.source.qualified} in {target}: one current row per "
                f"{', '.join(table.source.primary_key)}, deleted rows kept with is_deleted = true. "
                f"A partition carries the rows whose {table.source.version_column} falls in that day.",
                metadata={"target": target, "source_table": table.source.qualified},
            )
            for key, table in tables.items()
        ],
        partitions_def=daily_partitions(),
        backfill_policy=dg.BackfillPolicy.single_run(),
        can_subset=True,
        required_resource_keys={"duckdb", *spec.resource_keys},
        pool=export_pool(target),
    )
    def export_assets(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
        window = context.partition_time_window
        exporter = spec.build(context.resources)
        with context.resources.duckdb.get_connection() as con:
            present = existing_tables(con)
        for key, table in tables.items():
            if key not in context.selected_asset_keys:
                continue
            if table.source.qualified not in present:
                context.log.warning(
                    f"{table.source.qualified} does not exist yet (materialize "
                    f"{table.upstream.to_user_string()} first); {key.to_user_string()} is skipped"
                )
                continue
            yield export_table(context, exporter, table, window.start, window.end, target)

    return export_assets


def upstream_cursor(context: dg.AssetExecutionContext, table: ExportTable) -> int:
    """The newest storage id among the upstream's materializations of this run's partitions."""
    return max(latest_materializations(context.instance, table.upstream, context.partition_keys).values(), default=-1)


def export_table(
    context: dg.AssetExecutionContext,
    exporter: Exporter,
    table: ExportTable,
    start: datetime,
    end: datetime,
    target: str,
) -> dg.MaterializeResult:
    """Export the window, again if the upstream was re-materialized meanwhile.

    The nightly schedule counts a partition exported when the export's materialization is newer than
    the upstream's; an upstream run landing while this export reads would otherwise count as
    exported without having been read. Re-exporting is idempotent; after ``MAX_PASSES`` busy passes
    the export fails and stays due."""
    for attempt in range(1, MAX_PASSES + 1):
        before = upstream_cursor(context, table)
        metadata = export_window(context, exporter, table, start, end, target)
        if upstream_cursor(context, table) == before:
            return dg.MaterializeResult(asset_key=table.key(target), metadata={**metadata, "passes": attempt})
        context.log.info(f"{table.upstream.to_user_string()} was re-materialized during the export; exporting again")
    raise dg.Failure(
        f"{table.upstream.to_user_string()} kept changing during {MAX_PASSES} export passes; "
        f"{table.key(target).to_user_string()} stays due for the next run"
    )


def export_window(
    context: dg.AssetExecutionContext,
    exporter: Exporter,
    table: ExportTable,
    start: datetime,
    end: datetime,
    target: str,
) -> dict[str, object]:
    """Export [start, end) one day and one chunk at a time. Each day's materialization gets that day's
    own counts (``dagster/row_count`` = rows exported for the day); the sums are ``window_*``."""
    destination = table.target(schema_prefix())
    began = time.monotonic()
    days = days_in_window(start, end)
    totals = dict.fromkeys(("rows_exported", "inserted", "matched", "loads"), 0)
    result = None
    schema = None
    for day in days:
        numbers = dict.fromkeys(totals, 0)
        for chunk in read_chunks(context, table.source, day_start(day), day_start(day) + timedelta(days=1)):
            schema = schema or chunk.schema
            if chunk.num_rows == 0 and result is not None:
                continue  # an empty day only matters when it is all there is (it creates the table)
            result = exporter.upsert(destination, chunk)
            numbers["loads"] += 1
            numbers["rows_exported"] += result.rows_in
            numbers["inserted"] += result.inserted
            numbers["matched"] += result.matched
        per_day: dict[str, object] = {"dagster/row_count": numbers["rows_exported"], **numbers}
        if len(days) == 1:
            per_day.update(rates(numbers["rows_exported"], time.monotonic() - began))
        context.add_asset_metadata(per_day, asset_key=table.key(target), partition_key=day.isoformat())
        for name, value in numbers.items():
            totals[name] += value
    seconds = time.monotonic() - began
    context.log.info(
        f"{table.source.qualified} -> {target} {destination.qualified}: {totals['rows_exported']} rows in "
        f"{totals['loads']} load(s), {totals['inserted']} new keys, {seconds:.1f}s"
    )
    metadata: dict[str, object] = {
        "target": target,
        "table": destination.qualified,
        "dagster/table_name": destination.qualified,
        **{f"window_{name}": value for name, value in totals.items()},
        **{f"window_{name}": value for name, value in rates(totals["rows_exported"], seconds).items()},
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
    }
    if schema is not None:
        metadata["dagster/column_schema"] = column_schema(schema)
    if result is not None:
        metadata.update(table_rows=result.table_rows, table_deleted_rows=result.deleted_rows)
    return metadata


def read_chunks(
    context: dg.AssetExecutionContext, spec: TableSpec, start: datetime, end: datetime
) -> Iterator[pa.Table]:
    """Rows of the working table changed in [start, end), ``chunk_rows()`` at a time, ordered by key.

    Yields one empty table (with the table's schema) when the day has no rows, so a first export
    still creates the target table. Each chunk opens and closes its own DuckDB connection."""
    size = chunk_rows()
    keys = [quote_ident(k) for k in spec.primary_key]
    version = quote_ident(spec.version_column)
    source = f"{quote_ident(spec.schema)}.{quote_ident(spec.name)}"
    after: tuple | None = None
    while True:
        params: list[object] = [start, end]
        resume = ""
        if after is not None:
            resume = f" AND ({', '.join(keys)}) > ({', '.join('?' for _ in keys)})"
            params.extend(after)
        sql = (
            f"SELECT * EXCLUDE ({quote_ident(LOADED_AT_COLUMN)}) FROM {source} "
            f"WHERE {version} >= ? AND {version} < ?{resume} ORDER BY {', '.join(keys)} LIMIT {size}"
        )
        with context.resources.duckdb.get_connection() as con:
            chunk = con.sql(sql, params=params).to_arrow_table()
        if chunk.num_rows or after is None:
            yield chunk
        if chunk.num_rows < size:
            return
        last = chunk.slice(chunk.num_rows - 1).to_pylist()[0]
        after = tuple(last[k] for k in spec.primary_key)
