"""From stored events to syncs: which objects and which UTC days a burst of webhooks asks to re-pull.

Pure functions, so the sensor stays thin and the coalescing is tested on its own: a burst of events
becomes at most one run per range of consecutive days, selecting the union of the objects changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, timedelta

from integration_pipelines.lib.webhooks.events import Change, WebhookHandler
from integration_pipelines.lib.webhooks.inbox import StoredEvent


@dataclass(frozen=True)
class SyncPlan:
    """Re-pull ``objects`` for the days ``first``..``last`` (inclusive)."""

    first: date
    last: date
    objects: frozenset[str]


def changes_of(handler: WebhookHandler, stored: Iterable[StoredEvent]) -> list[Change]:
    return [change for item in stored for change in handler.changes(item.event)]


def plan_syncs(changes: Iterable[Change], objects: Iterable[str], first_day: date, last_day: date) -> list[SyncPlan]:
    """One plan per run of consecutive days; changes to objects not synced or outside the partitions'
    days are left out (the schedule or a backfill covers them)."""
    synced = set(objects)
    by_day: dict[date, set[str]] = {}
    for change in changes:
        day = change.occurred_at.astimezone(UTC).date()
        if change.object in synced and first_day <= day <= last_day:
            by_day.setdefault(day, set()).add(change.object)
    plans: list[SyncPlan] = []
    for day in sorted(by_day):
        if plans and plans[-1].last + timedelta(days=1) == day:
            plans[-1] = SyncPlan(plans[-1].first, day, plans[-1].objects | by_day[day])
        else:
            plans.append(SyncPlan(day, day, frozenset(by_day[day])))
    return plans


def tombstones(handler: WebhookHandler, stored: Sequence[StoredEvent], obj: str) -> list[dict]:
    """The deletion records of ``obj`` among the events, latest per record id (one row per key and pull)."""
    latest: dict[str, Change] = {}
    for change in changes_of(handler, stored):
        newer = change.record_id not in latest or latest[change.record_id].occurred_at <= change.occurred_at
        if change.deleted and change.object == obj and newer:
            latest[change.record_id] = change
    return [dict(change.record) for change in latest.values()]
