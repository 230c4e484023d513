"""Reading a window of one feedback table and storing a derived one (lake file + DuckDB upsert)."""

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc

from integration_pipelines.lib.asset_metadata import rates, table_metadata
from integration_pipelines.lib.lake import utc_days
from integration_pipelines.lib.partitions import days_in_window
from integration_pipelines.lib.text.feedback import existing_tables
from integration_pipelines.lib.warehouses.base import TableSpec, quote_ident
from integration_pipelines.lib.warehouses.duckdb import DuckDBExporter

SCHEMA = "feedback"


def feedback_key(name: str) -> dg.AssetKey:
    return dg.AssetKey([SCHEMA, name])


def feedback_table(name: str) -> TableSpec:
    return TableSpec(schema=SCHEMA, name=name, primary_key=("source", "message_id"))


def read_window(
    context: dg.AssetExecutionContext, table: str, start: datetime, end: datetime, where: str = "true"
) -> pa.Table | None:
    """Rows of ``feedback.{table}`` whose updated_at lies in [start, end); None if the table is missing."""
    with context.resources.duckdb.get_connection() as con:
        if f"{SCHEMA}.{table}" not in existing_tables(con):
            return None
        return con.sql(
            f"SELECT * EXCLUDE (_loaded_at) FROM {quote_ident(SCHEMA)}.{quote_ident(table)} "
            f"WHERE updated_at >= $start AND updated_at < $end AND ({where}) ORDER BY source, message_id",
            params={"start": start, "end": end},
        ).to_arrow_table()


Counts = Callable[[pa.Table], Mapping[str, int]]


def value_counts(table: pa.Table, column: str, prefix: str, values: Sequence[str]) -> dict[str, int]:
    """``{prefix}_{value}`` rows per expected value of ``column``, zeros included so every day has every key."""
    found = {v.as_py(): c.as_py() for v, c in zip(*pc.value_counts(table.column(column)).flatten(), strict=True)}
    return {f"{prefix}_{value}": found.get(value, 0) for value in values}


def store(
    context: dg.AssetExecutionContext,
    name: str,
    data: pa.Table,
    started: float | None = None,
    counts: Counts | None = None,
) -> dict[str, object]:
    """One lake file per day of updated_at, then an upsert by (source, message_id).

    Each day of the run's window gets its own materialization metadata: ``dagster/row_count`` and
    ``rows`` are the rows whose updated_at falls on that day, and ``counts`` (the asset's breakdown,
    e.g. rows per label) is computed over that day's rows alone. The returned metadata is what only the
    whole run knows (``window_*``, the table's size and schema); it lands on every day of the run.
    ``started`` is the asset's ``time.monotonic()`` at its start, so the rates cover reading and
    computing as well as writing (they measure this call alone when it is None)."""
    started = time.monotonic() if started is None else started
    key, spec = feedback_key(name), feedback_table(name)
    writer = context.resources.lake.lake().writer(key.path, data.schema, context.run.run_id, "updated_at")
    try:
        for batch in data.to_batches(max_chunksize=50_000):
            writer.write(batch)
        files = writer.commit()
    except BaseException:
        writer.abort()
        raise
    result = DuckDBExporter(context.resources.duckdb.get_connection).upsert(spec, data)
    seconds = time.monotonic() - started
    window = context.partition_time_window
    days = days_in_window(window.start, window.end)
    row_days = utc_days(data, "updated_at", spec.qualified) if data.num_rows else pa.array([], pa.date32())
    for day in days:
        rows = writer.rows_by_day.get(day, 0)
        per_day: dict[str, object] = {"dagster/row_count": rows, "rows": rows, "files": int(day in writer.bytes_by_day)}
        if counts is not None:
            per_day.update(counts(data.filter(pc.equal(row_days, pa.scalar(day, pa.date32())))))
        if len(days) == 1:
            per_day.update(rates(rows, seconds))
        context.add_asset_metadata(per_day, asset_key=key, partition_key=day.isoformat())
    metadata: dict[str, object] = {
        "window_start": window.start.isoformat(),
        "window_end": window.end.isoformat(),
        "window_days": len(days),
        "window_rows": data.num_rows,
        "window_files": len(files),
        **{f"window_{k}": v for k, v in rates(data.num_rows, seconds).items()},
        **{f"window_{k}": v for k, v in (counts(data) if counts is not None else {}).items()},
        **table_metadata(spec.qualified, data.schema),
        "table": spec.qualified,
        "table_rows": result.table_rows,
    }
    return metadata
