"""The raw step's work for one object: its pages for the window streamed into the lake, with each
day's own numbers, and the progress lines that show a long pull is moving."""

import threading
import time
from datetime import UTC, date, datetime

import dagster as dg
import pyarrow as pa

from integration_pipelines.components.asset_keys import lake_table_name
from integration_pipelines.components.concurrent_pulls import PullCancelled, QueuedLog
from integration_pipelines.components.quarantine import PullQuarantine
from integration_pipelines.lib.asset_metadata import rates, table_metadata
from integration_pipelines.lib.lake import Lake, count_by_day
from integration_pipelines.lib.partitions import days_in_window
from integration_pipelines.lib.records import arrow_schema, to_record_batch
from integration_pipelines.lib.webhooks.inbox import StoredEvent
from integration_pipelines.sources.base import Source, SourceObject

PROGRESS_SECONDS = 10.0
PAGE_LINE_SECONDS = 2.0


def webhook_deletions(
    context: dg.AssetExecutionContext, source: Source, start: datetime, end: datetime
) -> list[StoredEvent]:
    """The window's webhook events, read once per run: deletions among them become tombstone rows."""
    if source.webhooks is None:
        return []
    return context.resources.webhook_inbox.inbox().between(source.name, start, end)


def pull_object(
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
        progress.flush()
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
    # the table's name and columns are the asset's, not a day's: once per run, on its latest day (the
    # catalog reads the latest materialization), not repeated in every day's stored event
    by_day[days[-1].isoformat()].update(table_metadata(lake_table_name(key), schema))
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
    }
    if quota is not None:
        window["quota_remaining"] = quota  # a reading at the end of the pull, not a sum
    return by_day, dg.MaterializeResult(asset_key=key, metadata=window)


class PullProgress:
    """Counts a pull's pages; logs them at debug level and a progress line at most every
    ``PROGRESS_SECONDS``, so a long pull shows it is moving without a log event per page.

    Page lines are gathered and written as one debug line at most every ``PAGE_LINE_SECONDS`` (and
    before each progress line and at the end): every log line is an event Dagster stores, and one
    per page cost a fast pull of 60 pages about as much time as its lake writes."""

    def __init__(self, log, label: str) -> None:
        self.log, self.label = log, label
        self.pages = self.rows = 0
        self.started = self._last_line = self._last_pages = time.monotonic()
        self._unlogged: list[int] = []  # rows of each page not yet in a debug line

    def page(self, rows: int) -> None:
        self.pages += 1
        self.rows += rows
        self._unlogged.append(rows)
        now = time.monotonic()
        if now - self._last_line >= PROGRESS_SECONDS:
            self._last_line = now
            self.flush()
            self.log.info(f"{self.label}: {self.pages} pages, {self.rows} rows so far ({self._rate(now)} rows/s)")
        elif now - self._last_pages >= PAGE_LINE_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Write the pages not yet logged as one debug line (also when a pull fails part-way)."""
        if not self._unlogged:
            return
        first = self.pages - len(self._unlogged) + 1
        which = f"page {first}" if first == self.pages else f"pages {first}-{self.pages}"
        self.log.debug(f"{self.label}: {which}: {', '.join(map(str, self._unlogged))} rows")
        self._unlogged.clear()
        self._last_pages = time.monotonic()

    def done(self) -> None:
        self.flush()
        rate = self._rate(time.monotonic())
        self.log.info(f"{self.label}: pulled {self.rows} rows in {self.pages} pages ({rate} rows/s)")

    def rates(self, rows: int) -> dict[str, float]:
        return rates(rows, time.monotonic() - self.started)

    def _rate(self, now: float) -> int:
        elapsed = now - self.started
        return round(self.rows / elapsed) if elapsed > 0 else 0
