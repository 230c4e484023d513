"""feedback_sentiment: a label and score per customer message, from the offline model or an LLM."""

import time
from collections import Counter

import dagster as dg
import pyarrow as pa

from integration_pipelines.defs.text.automation import FOLLOWS_SYNCS
from integration_pipelines.defs.text.tables import feedback_key, read_window, store
from integration_pipelines.lib.owners import asset_owners
from integration_pipelines.lib.partitions import daily_partitions
from integration_pipelines.lib.text.sentiment.base import SentimentRequest
from integration_pipelines.lib.warehouses.pools import WAREHOUSE_POOL

CARRIED = (
    "source",
    "message_id",
    "parent_id",
    "author_role",
    "channel",
    "language",
    "dialect",
    "created_at",
    "updated_at",
    "is_deleted",
)


@dg.asset(
    key=feedback_key("feedback_sentiment"),
    group_name="feedback",
    partitions_def=daily_partitions(),
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=[feedback_key("feedback_preprocessed")],
    required_resource_keys={"duckdb", "lake", "sentiment"},
    kinds={"duckdb"},
    owners=asset_owners(),
    automation_condition=FOLLOWS_SYNCS,
    pool=WAREHOUSE_POOL,  # writes the working DuckDB file: one writer at a time
)
def feedback_sentiment(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """negative / neutral / positive with a score in [-1, 1] and a confidence, per customer message,
    scored on the redacted text only. `provider` and `model` say who scored each row: an LLM, or the
    offline model when the LLM path failed past its retry budget."""
    started = time.monotonic()
    settings = context.resources.sentiment
    window = context.partition_time_window
    where = "author_role = 'customer'" if settings.only_customers else "true"
    rows = read_window(context, "feedback_preprocessed", window.start, window.end, where)
    if rows is None:
        raise dg.Failure("feedback.feedback_preprocessed does not exist yet: materialize it first")
    provider = settings.build()
    requests = [
        SentimentRequest(id=f"{source}:{message_id}", text=text or "", language=language, dialect=dialect)
        for source, message_id, text, language, dialect in zip(
            *(rows.column(c).to_pylist() for c in ("source", "message_id", "normalized_text", "language", "dialect")),
            strict=True,
        )
    ]
    results = provider.score(requests)
    columns = {name: rows.column(name) for name in CARRIED}
    columns.update(
        {
            "label": pa.array([r.label for r in results], pa.string()),
            "score": pa.array([r.score for r in results], pa.float64()),
            "confidence": pa.array([r.confidence for r in results], pa.float64()),
            "provider": pa.array([r.provider for r in results], pa.string()),
            "model": pa.array([r.model for r in results], pa.string()),
        }
    )
    metadata = dict(store(context, "feedback_sentiment", pa.table(columns), started))
    labels = Counter(r.label for r in results)
    usage = provider.usage
    metadata.update({f"label_{label}": labels.get(label, 0) for label in ("negative", "neutral", "positive")})
    metadata.update(
        {
            "provider": provider.name,
            "model": provider.model,
            "llm_requests": usage.requests,
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "cost_usd": round(usage.cost_usd, 6),
            "cache_hits": usage.cache_hits,
            "fallback_rows": usage.fallbacks,
        }
    )
    return dg.MaterializeResult(metadata=metadata)
