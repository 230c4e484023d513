"""feedback_preprocessed: normalised, language-tagged and PII-redacted text, the only form that leaves the machine."""

import json
import time

import dagster as dg
import pyarrow as pa

from integration_pipelines.defs.text.automation import FOLLOWS_SYNCS
from integration_pipelines.defs.text.tables import feedback_key, read_window, store
from integration_pipelines.lib.owners import asset_owners
from integration_pipelines.lib.partitions import daily_partitions
from integration_pipelines.lib.text.preprocess import preprocess_many
from integration_pipelines.lib.warehouses.pools import WAREHOUSE_POOL

PII_TYPES = ("email", "phone", "card", "iban")
CARRIED = (
    "source",
    "source_object",
    "message_id",
    "parent_id",
    "author_role",
    "channel",
    "created_at",
    "updated_at",
    "is_deleted",
)


@dg.asset(
    key=feedback_key("feedback_preprocessed"),
    group_name="feedback",
    partitions_def=daily_partitions(),
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=[feedback_key("customer_feedback")],
    required_resource_keys={"duckdb", "lake"},
    kinds={"duckdb"},
    owners=asset_owners(),
    automation_condition=FOLLOWS_SYNCS,
    pool=WAREHOUSE_POOL,  # writes the working DuckDB file: one writer at a time
)
def feedback_preprocessed(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Arabic/English normalisation (diacritics, tatweel, letter variants, digits, elongation), language,
    script and a dialect hint, and PII redaction (emails, phones, Luhn-checked cards, IBANs) replaced by
    typed placeholders. The raw text stays in customer_feedback; only `normalized_text` goes further."""
    started = time.monotonic()
    window = context.partition_time_window
    rows = read_window(context, "customer_feedback", window.start, window.end)
    if rows is None:
        raise dg.Failure("feedback.customer_feedback does not exist yet: materialize customer_feedback first")
    processed = preprocess_many(rows.column("text").to_pylist())
    columns = {name: rows.column(name) for name in CARRIED}
    columns.update(
        {
            "normalized_text": pa.array([p.normalized for p in processed], pa.string()),
            "language": pa.array([p.language for p in processed], pa.string()),
            "script": pa.array([p.script for p in processed], pa.string()),
            "dialect": pa.array([p.dialect for p in processed], pa.string()),
            "token_count": pa.array([len(p.tokens) for p in processed], pa.int64()),
            "tokens": pa.array([json.dumps(p.tokens, ensure_ascii=False) for p in processed], pa.string()),
        }
    )
    for kind in PII_TYPES:
        columns[f"pii_{kind}"] = pa.array([p.pii_counts.get(kind, 0) for p in processed], pa.int64())
    table = pa.table(columns)
    metadata = dict(store(context, "feedback_preprocessed", table, started))
    for kind in PII_TYPES:
        metadata[f"redacted_{kind}"] = sum(p.pii_counts.get(kind, 0) for p in processed)
    for language in ("ar", "en", "arabizi", "mixed", "unknown"):
        metadata[f"language_{language}"] = sum(1 for p in processed if p.language == language)
    return dg.MaterializeResult(metadata=metadata)
