"""The assets of one vendor's sync: ``raw/{system}/{object}`` and ``warehouse/...``.

raw: pulls the partition window page by page into the lake (one client per run, so one rate-limit
budget and one connection pool are shared by all objects of the vendor).
warehouse: upserts the window's lake files in one set-based DuckDB load (``duckdb_window``), keeping
one current row per key, with each day's own numbers. Split in two so a failed load never re-pulls,
and a re-pull never half-loads.
Records that break the contract go to the quarantine instead of failing either (``quarantine.py``).
"""

import threading
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta

import dagster as dg
import pyarrow as pa

from integration_pipelines.components.concurrent_pulls import PullCancelled, PullClients, QueuedLog, run_in_order
from integration_pipelines.components.freshness import build_freshness_checks, freshness_policy
from integration_pipelines.components.quarantine import PullQuarantine, build_quarantine_checks, divert_window
from integration_pipelines.components.reconciliation import build_reconciliation_checks
from integration_pipelines.components.step_retry import retried_when_transient
from integration_pipelines.lib.asset_metadata import rates, table_metadata
from integration_pipelines.lib.lake import Lake, count_by_day
from integration_pipelines.lib.owners import asset_owners
from integration_pipelines.lib.partitions import daily_partitions, days_in_window
from integration_pipelines.lib.records import arrow_schema, to_record_batch
from integration_pipelines.lib.warehouses.base import TableSpec, quote_ident
from integration_pipelines.lib.warehouses.duckdb import DuckDBExporter
from integration_pipelines.lib.warehouses.duckdb_window import DayCounts, load_window
from integration_pipelines.lib.warehouses.pools import WAREHOUSE_POOL
from integration_pipelines.lib.webhooks.inbox import StoredEvent
from integration_pipelines.lib.webhooks.planning import tombstones
from integration_pipelines.sources.base import Connector, Source, SourceObject

DEFAULT_FRESHNESS = timedelta(hours=3)
PROGRESS_SECONDS = 10.0


def raw_key(system: str, obj: SourceObject) -> dg.AssetKey:
    return dg.AssetKey(["raw", system, obj.name])


def warehouse_key(system: str, obj: SourceObject) -> dg.AssetKey:
    return dg.AssetKey(["warehouse", system, obj.name])


def table_spec(system: str, obj: SourceObject) -> TableSpec:
    return TableSpec(schema=system, name=obj.name, primary_key=(obj.primary_key,), version_column=obj.version_column)


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
        deletions = _webhook_deletions(context, source, window.start, window.end)
        run_id, log = context.run.run_id, QueuedLog()
        selected = [(key, obj) for key, obj in by_raw_key.items() if key in context.selected_asset_keys]
        with retried_when_transient(context), connector.open_client() as client:
            views = PullClients(client)

            def puller(key: dg.AssetKey, obj: SourceObject):
                deleted = tombstones(source.webhooks, deletions, obj.name) if deletions else []
                return lambda stop: _pull(
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
                yield _load(context, lake, exporter, system, obj, key, window.start, window.end)

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


def lake_table_name(key: dg.AssetKey) -> str:
    """The lake dataset's name as the UI shows it: its path under the lake root."""
    return "lake/" + "/".join(key.path)


def _webhook_deletions(
    context: dg.AssetExecutionContext, source: Source, start: datetime, end: datetime
) -> list[StoredEvent]:
    """The window's webhook events, read once per run: deletions among them become tombstone rows."""
    if source.webhooks is None:
        return []
    return context.resources.webhook_inbox.inbox().between(source.name, start, end)


def _pull(
    log: QueuedLog,
    run_id: str,
    client,
    lake: Lake,
    system: str,
    obj: SourceObject,
    key: dg.AssetKey,
    start: datetime,
    end: datetime,
    deleted: list[dict],
    stop: threading.Event,
) -> tuple[dict[str, dict[str, object]], dg.MaterializeResult]:
    """Stream one object's pages for [start, end) into the lake, then the deletions only webhooks
    announced (as rows with is_deleted = true). Records the connector set aside go to the lake's
    quarantine, published with the pull's files.

    Runs in a worker thread beside the vendor's other objects: ``client`` is this pull's view of the
    run's client (its own metrics, the shared budget), and it stops between pages, publishing nothing,
    once ``stop`` is set. Each day of the window gets its own rows, deletes, files and bytes (the lake
    splits by day), returned by day for the step's thread to attach; requests, pages and time are only
    known for the whole pull, so they carry the ``window_`` prefix."""
    label = f"{system}/{obj.name}"
    if stop.is_set():
        raise PullCancelled(f"{label}: not started, another object's pull failed")
    connector_stats = getattr(client, "stats", None)  # e.g. HubSpot's window splits; counts per object
    # connectors whose fields are discovered per run (Salesforce describe) say so through columns()
    columns = client.columns(obj) if hasattr(client, "columns") else obj.columns
    schema = arrow_schema(columns)
    writer = lake.writer(key.path, schema, run_id, obj.version_column)
    held = PullQuarantine(lake, system, obj.name, run_id, start, end)
    progress = PullProgress(log, label)
    deletes_by_day: dict[date, int] = {}
    repaired = 0

    def write(batch: pa.RecordBatch) -> None:
        days = writer.write(batch)
        if days is not None:
            for day, n in count_by_day(days, batch.column("is_deleted")).items():
                deletes_by_day[day] = deletes_by_day.get(day, 0) + n

    try:
        for page in client.pages(obj, start, end):
            if stop.is_set():
                raise PullCancelled(f"{label}: stopped after {progress.pages} page(s), another object's pull failed")
            write(page.batch)
            held.add(page.rejects)
            repaired += page.repaired
            progress.page(page.batch.num_rows)
        if deleted:
            batch = to_record_batch(deleted, columns, datetime.now(UTC))
            write(batch)
            log.info(f"{label}: {batch.num_rows} deletion(s) from webhooks")
        files = writer.commit()
        held.commit()
    except BaseException:
        writer.abort()
        held.abort()
        raise
    progress.done()
    if held.count or repaired:
        log.warning(
            f"{label}: {held.count} record(s) quarantined {held.reasons}, {repaired} with text repaired to U+FFFD"
        )
    days = days_in_window(start, end)
    rows = sum(writer.rows_by_day.values())
    by_day: dict[str, dict[str, object]] = {}
    for day in days:
        day_rows = writer.rows_by_day.get(day, 0)
        per_day: dict[str, object] = {
            "dagster/row_count": day_rows,
            "rows": day_rows,
            "deletes": deletes_by_day.get(day, 0),
            "quarantined": held.writer.rows_by_day.get(day, 0),
            "files": int(day in writer.bytes_by_day),
            "bytes_written": writer.bytes_by_day.get(day, 0),
        }
        if len(days) == 1:
            per_day.update(progress.rates(day_rows))
        by_day[day.isoformat()] = per_day
    quota = client.api.quota_remaining()
    window = {
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
        "window_days": len(days),
        "window_rows": rows,
        # a first window pulled with no lower bound lands older records on days before it
        "window_rows_before_start": sum(n for day, n in writer.rows_by_day.items() if day < days[0]),
        "window_deletes": sum(deletes_by_day.values()),
        "window_webhook_deletions": len(deleted),
        "window_quarantined": held.count,
        **{f"window_quarantined_{reason}": n for reason, n in sorted(held.reasons.items())},
        "window_repaired_text": repaired,
        "window_pages": progress.pages,
        "window_files": len(files),
        "window_bytes_written": writer.bytes_written,
        **{f"window_{name}": value for name, value in progress.rates(rows).items()},
        **{f"window_{name}": value for name, value in client.api.metrics.as_dict().items()},
        **{f"window_{name}": value for name, value in dict(connector_stats or {}).items()},
        **table_metadata(lake_table_name(key), schema),
    }
    if quota is not None:
        window["quota_remaining"] = quota  # a reading at the end of the pull, not a sum
    return by_day, dg.MaterializeResult(asset_key=key, metadata=window)


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
    """Upsert the window's lake files in one set-based DuckDB load (``duckdb_window``): DuckDB reads
    the Parquet files itself under a memory limit, so no day passes through Python and memory does
    not grow with the window; the table ends as the day-by-day upserts left it.

    Rows the table refuses (null key or version) and the pull's rejects go to
    ``quarantine.records`` instead: a lake file is never rewritten, so one bad row must not fail
    every later load of its day. Each day's materialization gets that day's own numbers."""
    spec = table_spec(system, obj)
    schema = arrow_schema(obj.columns)  # the static core; files may carry more (discovered) columns
    began = time.monotonic()
    days = days_in_window(start, end)
    files_by_day = {day: lake.files(raw_key(system, obj).path, [day]) for day in days}
    loaded = load_window(exporter.connect, spec, files_by_day, lake.fs)
    counted = loaded.days if loaded is not None else {}
    refused = {day: files_by_day[day] for day, numbers in counted.items() if numbers.refused}
    diverted = divert_window(lake, exporter.connect, spec, system, obj, days, refused, context.run.run_id)
    totals = dict.fromkeys(("rows_in", "inserted", "matched", "files_read", "quarantined"), 0)
    per_day: dict[date, dict[str, int]] = {}
    for day in days:
        counts = counted.get(day, DayCounts())
        per_day[day] = {
            "rows_in": counts.rows_in,
            "inserted": counts.inserted,
            "matched": counts.matched,
            "files_read": len(files_by_day[day]),
            "quarantined": diverted.get(day, 0),
        }
        for name, value in per_day[day].items():
            totals[name] += value
    if loaded is None:  # nothing changed in the window: still leave the table in place, empty or not
        empty = exporter.upsert(spec, schema.empty_table())
        table_rows, deleted_rows = empty.table_rows, empty.deleted_rows
    else:
        table_rows, deleted_rows = loaded.table_rows, loaded.deleted_rows
    current = _rows_by_version_day(exporter, spec, start, end)
    seconds = time.monotonic() - began
    for day, numbers in per_day.items():
        metadata: dict[str, object] = {"dagster/row_count": current.get(day, 0), **numbers}
        if len(days) == 1:
            metadata.update(rates(numbers["rows_in"], seconds))
        context.add_asset_metadata(metadata, asset_key=key, partition_key=day.isoformat())
    context.log.info(
        f"{spec.qualified}: {totals['rows_in']} rows from {totals['files_read']} files, {totals['inserted']} new keys"
    )
    metadata = {
        **{f"window_{name}": value for name, value in totals.items()},
        **{f"window_{name}": value for name, value in rates(totals["rows_in"], seconds).items()},
        "table": spec.qualified,
        "table_rows": table_rows,
        "table_deleted_rows": deleted_rows,
        **table_metadata(spec.qualified, schema),
    }
    return dg.MaterializeResult(asset_key=key, metadata=metadata)


def _rows_by_version_day(exporter: DuckDBExporter, spec: TableSpec, start: datetime, end: datetime) -> dict[date, int]:
    """The table's current rows per UTC day of their version, for the window: one indexed range scan."""
    version = quote_ident(spec.version_column)
    with exporter.connect() as con:
        rows = con.execute(
            f"SELECT CAST(timezone('UTC', {version}) AS DATE), count(*) FROM {quote_ident(spec.schema)}."
            f"{quote_ident(spec.name)} WHERE {version} >= ? AND {version} < ? GROUP BY 1",
            [start, end],
        ).fetchall()
    return dict(rows)


class PullProgress:
    """Counts a pull's pages; logs each page at debug level and a progress line at most every
    ``PROGRESS_SECONDS``, so a long pull shows it is moving without a log event per page."""

    def __init__(self, log, label: str) -> None:
        self.log, self.label = log, label
        self.pages = self.rows = 0
        self.started = self._last_line = time.monotonic()

    def page(self, rows: int) -> None:
        self.pages += 1
        self.rows += rows
        self.log.debug(f"{self.label}: page {self.pages}, {rows} rows")
        now = time.monotonic()
        if now - self._last_line >= PROGRESS_SECONDS:
            self._last_line = now
            self.log.info(f"{self.label}: {self.pages} pages, {self.rows} rows so far ({self._rate(now)} rows/s)")

    def done(self) -> None:
        rate = self._rate(time.monotonic())
        self.log.info(f"{self.label}: pulled {self.rows} rows in {self.pages} pages ({rate} rows/s)")

    def rates(self, rows: int) -> dict[str, float]:
        return rates(rows, time.monotonic() - self.started)

    def _rate(self, now: float) -> int:
        elapsed = now - self.started
        return round(self.rows / elapsed) if elapsed > 0 else 0
