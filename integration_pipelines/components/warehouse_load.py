"""The warehouse step's work for one object: the window's lake files upserted in one set-based load,
refused rows diverted to the quarantine, and each day's own numbers."""

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date, datetime

import dagster as dg
import duckdb

from integration_pipelines.components.asset_keys import raw_key, table_spec
from integration_pipelines.components.quarantine import divert_window
from integration_pipelines.lib.asset_metadata import rates, table_metadata
from integration_pipelines.lib.lake import Lake
from integration_pipelines.lib.partitions import days_in_window
from integration_pipelines.lib.records import arrow_schema
from integration_pipelines.lib.warehouses.base import TableSpec, quote_ident
from integration_pipelines.lib.warehouses.duckdb import DuckDBExporter
from integration_pipelines.lib.warehouses.duckdb_window import DayCounts, load_window
from integration_pipelines.sources.base import SourceObject


def load_object(
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
    every later load of its day. Each day's materialization gets that day's own numbers.

    The step's statements share one connection: each opening of the DuckDB file cost 20-100 ms
    here (the file is read again, and checkpointed on close), more than the count after the load."""
    with exporter.connect() as con:
        return _load_object(context, lake, DuckDBExporter(_reusing(con)), system, obj, key, start, end)


def _reusing(con: duckdb.DuckDBPyConnection) -> Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]:
    """A connection factory handing out ``con`` itself, left open for its owner to close."""

    @contextmanager
    def connect() -> Iterator[duckdb.DuckDBPyConnection]:
        yield con

    return connect


def _load_object(
    context: dg.AssetExecutionContext,
    lake: Lake,
    exporter: DuckDBExporter,
    system: str,
    obj: SourceObject,
    key: dg.AssetKey,
    start: datetime,
    end: datetime,
) -> dg.MaterializeResult:
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
    current = rows_by_version_day(exporter, spec, start, end)
    seconds = time.monotonic() - began
    for day, numbers in per_day.items():
        metadata: dict[str, object] = {"dagster/row_count": current.get(day, 0), **numbers}
        if len(days) == 1:
            metadata.update(rates(numbers["rows_in"], seconds))
        if day == days[-1]:  # the table's name and columns: once per run, on its latest day
            metadata.update(table_metadata(spec.qualified, schema))
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
    }
    return dg.MaterializeResult(asset_key=key, metadata=metadata)


def rows_by_version_day(exporter: DuckDBExporter, spec: TableSpec, start: datetime, end: datetime) -> dict[date, int]:
    """The table's current rows per UTC day of their version, for the window: one indexed range scan."""
    version = quote_ident(spec.version_column)
    with exporter.connect() as con:
        rows = con.execute(
            f"SELECT CAST(timezone('UTC', {version}) AS DATE), count(*) FROM {quote_ident(spec.schema)}."
            f"{quote_ident(spec.name)} WHERE {version} >= ? AND {version} < ? GROUP BY 1",
            [start, end],
        ).fetchall()
    return dict(rows)
