"""Which export partitions are stale: the upstream table was materialized after the last export.

Dagster's event log already records, per asset and partition, the storage id of the latest
materialization; comparing the upstream's with the export's needs no state of our own, survives
failed runs (a failed export leaves its partition stale) and works for backfills made from the UI.

Read through the public ``DagsterInstance.fetch_materializations``: the instance's one-query
``get_latest_storage_id_by_partition`` is not public API (no stability promise), so the records are
paged newest first and the first one seen per partition kept. Bounded by the partitions asked for
(an export run's days: a page or two); the nightly schedule asks for all of a table's, which reads
each of its materializations once a night (hourly syncs: some 9,000 rows per table and year).
"""

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

import dagster as dg

from integration_pipelines.lib.partitions import range_tags

PAGE = 1000


def latest_materializations(
    instance: dg.DagsterInstance, key: dg.AssetKey, partitions: Iterable[str] | None = None
) -> Mapping[str, int]:
    """Partition -> storage id of the asset's latest materialization of it (of ``partitions`` only)."""
    wanted = None if partitions is None else sorted(set(partitions))
    if wanted == []:
        return {}
    records_filter = dg.AssetRecordsFilter(asset_key=key, asset_partitions=wanted)
    latest: dict[str, int] = {}
    cursor = None
    while True:
        result = instance.fetch_materializations(records_filter, limit=PAGE, cursor=cursor, ascending=False)
        for record in result.records:
            if record.partition_key is not None:
                latest.setdefault(record.partition_key, record.storage_id)
        if not result.has_more or (wanted is not None and len(latest) == len(wanted)):
            return latest
        cursor = result.cursor


def stale_partitions(exported: Mapping[str, int], updated: Mapping[str, int]) -> set[str]:
    """Partitions whose upstream materialization (``updated``) is newer than the export's (``exported``,
    both from :func:`latest_materializations`), or that were never exported."""
    return {partition for partition, storage_id in updated.items() if storage_id > exported.get(partition, -1)}


def contiguous_ranges(partitions: Iterable[str]) -> list[tuple[str, str]]:
    """Daily partition keys grouped into inclusive (first, last) runs of consecutive days."""
    ranges: list[tuple[str, str]] = []
    for day in sorted({date.fromisoformat(p) for p in partitions}):
        if ranges and date.fromisoformat(ranges[-1][1]) + timedelta(days=1) == day:
            ranges[-1] = (ranges[-1][0], day.isoformat())
        else:
            ranges.append((day.isoformat(), day.isoformat()))
    return ranges


def export_run_requests(stale: Mapping[dg.AssetKey, set[str]], stamp: str) -> list[dg.RunRequest]:
    """One run per range of consecutive stale days, selecting only the exports stale in that range."""
    requests = []
    for first, last in contiguous_ranges(p for partitions in stale.values() for p in partitions):
        keys = sorted(
            (key for key, partitions in stale.items() if any(first <= p <= last for p in partitions)),
            key=lambda k: k.to_user_string(),
        )
        placement = {"partition_key": first} if first == last else {"tags": range_tags(first, last)}
        requests.append(dg.RunRequest(run_key=f"export {first}..{last} @ {stamp}", asset_selection=keys, **placement))
    return requests
