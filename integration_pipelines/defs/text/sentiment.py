"""feedback_sentiment: a label and score per customer message, from the offline model or an LLM."""

import time

import dagster as dg
import pyarrow as pa

from integration_pipelines.defs.text.declare import feedback_asset
from integration_pipelines.defs.text.tables import feedback_key, read_window, store, value_counts
from integration_pipelines.lib.text.sentiment.base import LABELS, SentimentRequest

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


@feedback_asset(
    "feedback_sentiment",
    deps=[feedback_key("feedback_preprocessed")],
    required_resource_keys={"duckdb", "lake", "sentiment"},
    kinds={"duckdb"},
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
    metadata = store(
        context, "feedback_sentiment", pa.table(columns), started, lambda t: value_counts(t, "label", "label", LABELS)
    )
    usage = provider.usage
    metadata.update(
        {
            "provider": provider.name,
            "model": provider.model,
            # the provider is called once for the whole window: its usage is the run's, not a day's
            "window_llm_requests": usage.requests,
            "window_input_tokens": usage.input_tokens,
            "window_output_tokens": usage.output_tokens,
            "window_cost_usd": round(usage.cost_usd, 6),
            "window_cache_hits": usage.cache_hits,
            "window_fallback_rows": usage.fallbacks,
        }
    )
    return dg.MaterializeResult(metadata=metadata)
