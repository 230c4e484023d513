"""feedback_preprocessed: normalised, language-tagged and PII-redacted text, the only form that leaves the machine."""

import json
import time

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc

from integration_pipelines.defs.text.declare import feedback_asset
from integration_pipelines.defs.text.tables import feedback_key, read_window, store, value_counts
from integration_pipelines.lib.text.preprocess import preprocess_many

PII_TYPES = ("email", "phone", "card", "iban")
LANGUAGES = ("ar", "en", "arabizi", "mixed", "unknown")
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


def _counts(table: pa.Table) -> dict[str, int]:
    """Redactions per PII type and rows per detected language."""
    redacted = {f"redacted_{kind}": pc.sum(table.column(f"pii_{kind}")).as_py() or 0 for kind in PII_TYPES}
    return redacted | value_counts(table, "language", "language", LANGUAGES)


@feedback_asset(
    "feedback_preprocessed",
    deps=[feedback_key("customer_feedback")],
    required_resource_keys={"duckdb", "lake"},
    kinds={"duckdb"},
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
    metadata = store(context, "feedback_preprocessed", table, started, _counts)
    return dg.MaterializeResult(metadata=metadata)
