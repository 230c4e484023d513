"""Reading a window of one feedback table and storing a derived one (lake file + DuckDB upsert)."""

import time
from collections.abc import Mapping
from datetime import datetime

import dagster as dg
import pyarrow as pa

from integration_pipelines.lib.asset_metadata import rates, table_metadata
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


def store(
    context: dg.AssetExecutionContext, name: str, data: pa.Table, started: float | None = None
) -> Mapping[str, object]:
    """One lake file per day of updated_at, then an upsert by (source, message_id); returns metadata.

    ``started`` is the asset's ``time.monotonic()`` at its start, so ``seconds`` and ``rows_per_second``
    cover reading and computing as well as writing (they measure this call alone when it is None)."""
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
    return {
        "dagster/row_count": data.num_rows,  # rows written for the run's window, like "rows"
        **table_metadata(spec.qualified, data.schema),
        "rows": data.num_rows,
        "files": len(files),
        "table": spec.qualified,
        "table_rows": result.table_rows,
        **rates(data.num_rows, seconds),
    }
