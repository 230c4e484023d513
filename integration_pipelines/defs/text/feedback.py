"""customer_feedback: every source's customer-visible messages in one table, partitioned like the pulls."""

import time

import dagster as dg
import pyarrow as pa

from integration_pipelines.defs.text.declare import feedback_asset
from integration_pipelines.defs.text.tables import store, value_counts
from integration_pipelines.lib.text.feedback import feedback_rows
from integration_pipelines.lib.text.preprocess import preprocess_many
from integration_pipelines.sources import registry

SOURCES = [query for source in registry.sources().values() for query in source.feedback]

UPSTREAM = [dg.AssetKey(["warehouse", *table.split(".")]) for source in SOURCES for table in source.tables]


@feedback_asset("customer_feedback", deps=UPSTREAM, required_resource_keys={"duckdb", "lake"}, kinds={"duckdb"})
def customer_feedback(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """One row per customer-visible message (public comments, conversation parts, case comments,
    HubSpot tickets) from every source present in the warehouse, keyed by (source, message_id), with
    author role, channel, language and is_deleted. A message is in a day's partition when it or its
    parent changed that day."""
    started = time.monotonic()
    window = context.partition_time_window
    with context.resources.duckdb.get_connection() as con:
        rows, sources = feedback_rows(con, SOURCES, window.start, window.end)
    languages = [p.language for p in preprocess_many(rows.column("text").to_pylist())]
    rows = rows.append_column("language", pa.array(languages, pa.string()))
    names = sorted({query.source for query in SOURCES})
    metadata = store(context, "customer_feedback", rows, started, lambda t: value_counts(t, "source", "rows", names))
    metadata["sources"] = ", ".join(sources) or "none"
    return dg.MaterializeResult(metadata=metadata)
