"""feedback/sentiment_report: what an operator reads first, charts of the last two weeks' sentiment.

Each day's report covers that day and the 13 before it (``REPORT_DAYS``), by day of ``updated_at`` like
every feedback partition, over the current (not deleted) rows of feedback_sentiment. It renders two
PNGs into the lake under ``reports/sentiment/day=YYYY-MM-DD/`` and embeds them in the materialization's
markdown, so the UI shows them without access to the lake. A run over several days renders each day
and gives each day's partition that day's own report and numbers.
"""

import base64
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import dagster as dg
import duckdb

from integration_pipelines.defs.text.declare import feedback_asset
from integration_pipelines.defs.text.tables import SCHEMA, feedback_key
from integration_pipelines.lib.lake import Lake
from integration_pipelines.lib.partitions import day_start, days_in_window
from integration_pipelines.lib.text.feedback import existing_tables

REPORT_DAYS = 14
LAKE_PATH = ("reports", "sentiment")
NO_FEEDBACK = "no feedback in window"
_TRAILING = dg.TimeWindowPartitionMapping(start_offset=-(REPORT_DAYS - 1))


@dataclass(frozen=True)
class Row:
    source: str
    language: str
    day: date
    negative: bool
    tokens: tuple[str, ...]


def window_rows(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> list[Row]:
    """Current feedback_sentiment rows updated in [start, end), with their preprocessed tokens."""
    if f"{SCHEMA}.feedback_sentiment" not in existing_tables(con):
        return []
    rows = con.execute(
        f"SELECT s.source, s.language, s.updated_at, s.label, p.tokens FROM {SCHEMA}.feedback_sentiment s "
        f"LEFT JOIN {SCHEMA}.feedback_preprocessed p ON p.source = s.source AND p.message_id = s.message_id "
        "WHERE s.updated_at >= $start AND s.updated_at < $end AND NOT coalesce(s.is_deleted, false)",
        {"start": start, "end": end},
    ).fetchall()
    return [
        Row(
            source,
            language or "unknown",
            ts.astimezone(UTC).date(),
            label == "negative",
            tuple(json.loads(tokens or "[]")),
        )
        for source, language, ts, label, tokens in rows
    ]


def daily_share(rows: Sequence[Row], days: Sequence[date], field: str) -> dict[str, list[float | None]]:
    """Negative share per day for each value of ``field`` (source or language); None on a day without rows."""
    totals: Counter[tuple[str, date]] = Counter((getattr(r, field), r.day) for r in rows)
    negatives: Counter[tuple[str, date]] = Counter((getattr(r, field), r.day) for r in rows if r.negative)
    names = sorted({getattr(r, field) for r in rows})
    return {name: [negatives[name, d] / totals[name, d] if totals[name, d] else None for d in days] for name in names}


def publish(lake: Lake, day: date, name: str, png: bytes) -> str:
    """Write under a temporary name, then rename, so a reader never sees half a PNG; returns the path."""
    directory = lake.day_dir(LAKE_PATH, day)
    lake.fs.makedirs(directory, exist_ok=True)
    final, tmp = f"{directory}/{name}.png", f"{directory}/.{name}.png.tmp"
    with lake.fs.open(tmp, "wb") as handle:
        handle.write(png)
    lake.fs.mv(tmp, final)
    return final


def _image(alt: str, png: bytes) -> str:
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"


def report_day(con: duckdb.DuckDBPyConnection, lake: Lake, day: date) -> dict[str, object]:
    """Render and publish one day's report; returns its metadata."""
    from integration_pipelines.defs.text.report_charts import phrases_chart, share_chart
    from integration_pipelines.defs.text.report_terms import top_phrases

    first = day - timedelta(days=REPORT_DAYS - 1)
    days = [first + timedelta(days=i) for i in range(REPORT_DAYS)]
    rows = window_rows(con, day_start(first), day_start(day) + timedelta(days=1))
    span = f"{first.isoformat()} to {day.isoformat()}"
    metadata: dict[str, object] = {
        "day": day.isoformat(),
        "report_start": first.isoformat(),
        "rows_considered": len(rows),
    }
    if not rows:
        note = f"{NO_FEEDBACK}: feedback_sentiment has no current rows updated {span}; no charts were drawn."
        metadata.update(negative_rows=0, note=NO_FEEDBACK, report=dg.MetadataValue.md(f"## Sentiment {day}\n\n{note}"))
        return metadata
    negative = [r for r in rows if r.negative]
    per_source = Counter(r.source for r in rows)
    negative_per_source = Counter(r.source for r in negative)
    metadata.update(negative_rows=len(negative), negative_share=round(len(negative) / len(rows), 4))
    metadata.update(
        {f"negative_share_{s}": round(negative_per_source[s] / n, 4) for s, n in sorted(per_source.items())}
    )
    shares = share_chart(
        days, daily_share(rows, days, "source"), daily_share(rows, days, "language"), f"Negative share, {span}"
    )
    lines = [f"## Sentiment {day}", "", f"{len(rows)} messages updated {span}, {len(negative)} negative.", ""]
    lines += [_image("daily negative share by source and language", shares), ""]
    metadata["chart_negative_share"] = dg.MetadataValue.path(publish(lake, day, "negative_share", shares))
    phrases = top_phrases(r.tokens for r in negative)
    metadata["top_phrases"] = dg.MetadataValue.json([{"phrase": p, "messages": n} for p, n in phrases])
    if phrases:
        chart = phrases_chart(phrases, f"Top phrases in negative messages, {span}")
        lines.append(_image("top phrases in negative messages", chart))
        path = publish(lake, day, "top_negative_phrases", chart)
        metadata["chart_top_negative_phrases"] = dg.MetadataValue.path(path)
    else:
        lines.append("No phrases to chart: the negative messages hold only stop words, numbers or placeholders.")
    metadata["report"] = dg.MetadataValue.md("\n".join(lines))
    return metadata


@feedback_asset(
    "sentiment_report",
    deps=[
        dg.AssetDep(feedback_key("feedback_sentiment"), partition_mapping=_TRAILING),
        dg.AssetDep(feedback_key("feedback_preprocessed"), partition_mapping=_TRAILING),
    ],
    required_resource_keys={"duckdb", "lake"},
    kinds={"duckdb", "matplotlib"},
)
def sentiment_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Daily negative share by source and language over the day and the 13 before it, and the phrases
    negative messages use most (stop words and redaction placeholders left out), as charts in the UI
    and PNGs in the lake (reports/sentiment/day=YYYY-MM-DD/). A window without feedback materializes
    with the note "no feedback in window"."""
    started = time.monotonic()
    window = context.partition_time_window
    lake = context.resources.lake.lake()
    days = days_in_window(window.start, window.end)
    with context.resources.duckdb.get_connection() as con:
        reports = [report_day(con, lake, day) for day in days]
    seconds = round(time.monotonic() - started, 3)
    for day, report in zip(days, reports, strict=True):
        if len(days) == 1:
            report["seconds"] = seconds
        context.add_asset_metadata(report, partition_key=day.isoformat())
    context.log.info("rows per report day: %s", {r["day"]: r["rows_considered"] for r in reports})
    return dg.MaterializeResult(
        metadata={
            "window_start": window.start.isoformat(),
            "window_end": window.end.isoformat(),
            "window_days": len(days),
            "window_seconds": seconds,
        }
    )
