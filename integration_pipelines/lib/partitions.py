"""The one daily partitioning every pull shares: a partition is a UTC day of last update."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import dagster as dg

from integration_pipelines.lib import settings

DEFAULT_START = "2025-01-01"
PARTITIONS_START = settings.iso_date(
    "INTEGRATION_PIPELINES_PARTITIONS_START", default=date.fromisoformat(DEFAULT_START)
)


def daily_partitions() -> dg.DailyPartitionsDefinition:
    """UTC days from ``INTEGRATION_PIPELINES_PARTITIONS_START`` (default 2025-01-01) through today.

    ``end_offset=1`` exposes today's partition so hourly schedules can keep it fresh.
    """
    start = PARTITIONS_START.value()
    return dg.DailyPartitionsDefinition(start_date=str(start), timezone="UTC", end_offset=1)


def history_start(setting: str | None = None) -> datetime:
    """Where a source's history begins for us: ``setting`` (a UTC date) or the partitions' start.

    A window starting at or before it is pulled with no lower bound, so records last changed before
    the first partition (old users, organizations, contacts) still arrive with the first backfill.
    """
    if setting:
        moment = datetime.fromisoformat(setting)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return daily_partitions().start


def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def days_in_window(start: datetime, end: datetime) -> list[date]:
    """UTC days covered by the half-open window [start, end)."""
    days, current = [], start.astimezone(UTC).date()
    while day_start(current) < end:
        days.append(current)
        current += timedelta(days=1)
    return days


# Dagster's run tags for a single run that covers a range of partitions (single-run backfills).
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def range_tags(first: str, last: str) -> dict[str, str]:
    """Tags that make one run cover partitions ``first``..``last`` inclusive."""
    return {RANGE_START_TAG: first, RANGE_END_TAG: last}
