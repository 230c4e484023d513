"""Last run facts per source, from the Dagster instance's public API (runs and materializations).

A source's sync is the materialization of its raw assets (``raw/{vendor}/{object}``). Rows are the
run's ``dagster/row_count`` summed over every partition it wrote; materializations written before
partitions carried that key have only ``rows``, a number for the run's whole window repeated on each
partition, so that is taken once per asset. Window-level counters (``window_http_429s``, formerly
``http_429s``; ``window_quota_remaining``, formerly ``quota_remaining``) are likewise taken once per
asset, from its newest materialization in the run.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import dagster as dg

ROW_COUNT = ("dagster/row_count",)
WINDOW_ROWS = ("window_rows", "rows")
HTTP_429S = ("window_http_429s", "http_429s")
QUOTA = ("window_quota_remaining", "quota_remaining")
MAX_RECORDS = 10_000  # materializations read per asset and run: a long backfill's days


@dataclass(frozen=True)
class RunFacts:
    run_id: str
    status: str
    at: datetime | None  # when the run started (created, if it never started)
    rows: int | None = None
    http_429s: int | None = None
    quota_remaining: float | None = None


@dataclass(frozen=True)
class SyncHistory:
    last_success_at: datetime | None = None  # newest materialization of the source's raw assets
    last_success: RunFacts | None = None  # the run that wrote it
    last_run: RunFacts | None = None  # the newest run that synced (or tried to sync) the source


def raw_asset_keys() -> dict[str, list[dg.AssetKey]]:
    """Every source's raw asset keys, as the components declare them."""
    from integration_pipelines.components.asset_keys import raw_key
    from integration_pipelines.sources import registry

    return {
        name: [raw_key(name, obj) for obj in source.objects.values()] for name, source in registry.sources().items()
    }


def open_instance() -> tuple[dg.DagsterInstance | None, str]:
    """The instance ``DAGSTER_HOME`` names; locally, the demo's ``{home}/dagster_home`` when it exists."""
    from integration_pipelines.lib.environment import get_environment, local_home

    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get(), os.environ["DAGSTER_HOME"]
    local = local_home() / "dagster_home"
    if get_environment() == "local" and (local / "dagster.yaml").exists():
        return dg.DagsterInstance.from_config(str(local)), str(local)
    return None, ""


def read_history(instance: dg.DagsterInstance, keys: Mapping[str, Sequence[dg.AssetKey]]) -> dict[str, SyncHistory]:
    return {name: source_history(instance, name, source_keys) for name, source_keys in keys.items()}


def source_history(instance: dg.DagsterInstance, name: str, keys: Sequence[dg.AssetKey]) -> SyncHistory:
    events = [e for e in (instance.get_latest_materialization_event(k) for k in keys) if e is not None]
    latest = max(events, key=lambda e: e.timestamp, default=None)
    success = _facts(instance, latest.run_id, keys) if latest is not None else None
    candidates = [r for r in (_newest_run(instance, job) for job in _jobs(name)) if r is not None]
    newest = max(candidates, key=lambda r: r.create_timestamp, default=None)
    last_run = success
    if newest is not None and _newer(newest, success):
        last_run = _facts(instance, newest.dagster_run.run_id, keys)
    return SyncHistory(datetime.fromtimestamp(latest.timestamp, UTC) if latest is not None else None, success, last_run)


def _newer(record: Any, success: RunFacts | None) -> bool:
    """Whether a job's newest run is another, later run than the one that last synced the source."""
    if success is None:
        return True
    return record.dagster_run.run_id != success.run_id and _started(record) > (
        success.at or datetime.min.replace(tzinfo=UTC)
    )


def _jobs(name: str) -> tuple[str, ...]:
    """Jobs that sync a source: its own and the ones that sync every source."""
    return (f"{name}_sync_job", "sync_all_job", "main_job")


def _newest_run(instance: dg.DagsterInstance, job_name: str) -> Any:
    records = instance.get_run_records(dg.RunsFilter(job_name=job_name), limit=1)
    return records[0] if records else None


def _started(record: Any) -> datetime:
    return datetime.fromtimestamp(record.start_time or record.create_timestamp.timestamp(), UTC)


def _facts(instance: dg.DagsterInstance, run_id: str, keys: Sequence[dg.AssetKey]) -> RunFacts | None:
    records = instance.get_run_records(dg.RunsFilter(run_ids=[run_id]), limit=1)
    if not records:
        return None
    record = records[0]
    since = (record.start_time or record.create_timestamp.timestamp()) - 1
    per_asset = [_run_materializations(instance, key, run_id, since) for key in keys]
    metadata = [m for m in per_asset if m]
    rows = [_rows(m) for m in metadata]
    http_429s = [_first(m[0], HTTP_429S) for m in metadata]
    quotas = [q for q in (_first(m[0], QUOTA) for m in metadata) if q is not None]
    return RunFacts(
        run_id,
        record.dagster_run.status.value,
        _started(record),
        sum(r for r in rows if r is not None) if any(r is not None for r in rows) else None,
        int(sum(n for n in http_429s if n is not None)) if any(n is not None for n in http_429s) else None,
        min(quotas) if quotas else None,
    )


def _run_materializations(
    instance: dg.DagsterInstance, key: dg.AssetKey, run_id: str, since: float
) -> list[dict[str, Any]]:
    """Metadata of the run's materializations of ``key``, newest first."""
    result = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=key, after_timestamp=since), limit=MAX_RECORDS
    )
    found = []
    for record in result.records:
        entry = record.event_log_entry
        if entry.run_id != run_id or entry.asset_materialization is None:
            continue
        found.append({k: v.value for k, v in entry.asset_materialization.metadata.items()})
    return found


def _rows(metadata: list[dict[str, Any]]) -> int | None:
    """Per-partition row counts summed; else the window's count, once."""
    per_partition = [m[ROW_COUNT[0]] for m in metadata if ROW_COUNT[0] in m]
    if per_partition:
        return int(sum(per_partition))
    window = _first(metadata[0], WINDOW_ROWS)
    return None if window is None else int(window)


def _first(metadata: Mapping[str, Any], names: Iterable[str]) -> Any:
    for name in names:
        if metadata.get(name) is not None:
            return metadata[name]
    return None
