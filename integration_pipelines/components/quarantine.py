"""The quarantine inside a vendor sync: the pull's side file, the load's diversion, and the check.

The raw asset has no warehouse connection (a pull must not wait for the warehouse's one writer), so
it writes its rejects to the lake beside its data; the warehouse load copies them into
``quarantine.records`` together with the rows of older lake files the table refuses. The
``quarantine_empty`` check then says, per warehouse asset and partition, whether anything was set
aside. It warns rather than errs: every good record of the partition was loaded, and what is
missing is the vendor's to fix (or ours to map), not a broken table.
"""

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime

import dagster as dg
import duckdb
import pyarrow as pa

from integration_pipelines.lib import quarantine
from integration_pipelines.lib.lake import DayPartitionedWriter, Lake
from integration_pipelines.lib.partitions import days_in_window
from integration_pipelines.lib.records import Reject
from integration_pipelines.lib.warehouses.base import TableSpec
from integration_pipelines.lib.warehouses.pools import WAREHOUSE_POOL
from integration_pipelines.sources.base import SourceObject

CHECK_NAME = "quarantine_empty"
Connect = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]


class PullQuarantine:
    """A pull's rejects, streamed to ``quarantine/{system}/{object}/day=.../`` and published with the
    pull's own files (or not at all if the pull fails)."""

    def __init__(self, lake: Lake, system: str, obj: str, run_id: str, start: datetime, end: datetime) -> None:
        self.system, self.obj, self.run_id = system, obj, run_id
        self.days = days_in_window(start, end)
        self.writer: DayPartitionedWriter = lake.writer(
            quarantine.lake_path(system, obj), quarantine.SCHEMA, run_id, "day"
        )
        self.count = 0
        self.reasons: dict[str, int] = {}

    def _day_of(self, reject: Reject) -> date:
        """The record's own day when it has a version in the window; else the window's first day."""
        if reject.version is not None:
            day = reject.version.astimezone(UTC).date()
            if day in self.days:
                return day
        return self.days[0]

    def add(self, rejects: tuple[Reject, ...] | list[Reject]) -> None:
        if not rejects:
            return
        batch = quarantine.to_batch(
            rejects,
            source=self.system,
            obj=self.obj,
            day_of=self._day_of,
            stage="pull",
            run_id=self.run_id,
            seen_at=datetime.now(UTC),
        )
        self.writer.write(batch)
        self.count += len(rejects)
        for reject in rejects:
            self.reasons[reject.reason] = self.reasons.get(reject.reason, 0) + 1

    def commit(self) -> None:
        self.writer.commit()

    def abort(self) -> None:
        self.writer.abort()


def divert(
    lake: Lake,
    connect: Connect,
    spec: TableSpec,
    system: str,
    obj: SourceObject,
    day: date,
    data: pa.Table,
    run_id: str,
) -> tuple[pa.Table, int]:
    """Split one day's raw rows into (rows the table accepts, rows diverted to the quarantine), and
    store the diverted rows plus the pull's quarantine files of that day in ``quarantine.records``.

    Why here: files already in the lake are never rewritten, so a row the table refuses (written
    before the pull checked, or by hand) would otherwise fail this day's load on every run."""
    good, rejects = quarantine.split_table(data, spec.primary_key, spec.version_column)
    diverted = quarantine.to_batch(
        rejects,
        source=system,
        obj=obj.name,
        day_of=lambda _: day,
        stage="load",
        run_id=run_id,
        seen_at=datetime.now(UTC),
    )
    pulled = lake.read(lake.files(quarantine.lake_path(system, obj.name), [day]), quarantine.SCHEMA)
    quarantine.store(connect, pa.concat_tables([pa.Table.from_batches([diverted]), pulled]))
    return good, len(rejects)


def window_days(context: dg.AssetCheckExecutionContext) -> list[date] | None:
    """The partitions the check's run covered; None (every day) when the run was not partitioned."""
    if context.has_partition_key or context.has_partition_key_range:
        window = context.partition_time_window
        return days_in_window(window.start, window.end)
    return None


def build_quarantine_checks(system: str, by_wh_key: Mapping[dg.AssetKey, SourceObject]) -> dg.AssetChecksDefinition:
    """One ``quarantine_empty`` check per warehouse asset of the vendor."""

    @dg.multi_asset_check(
        name=f"warehouse_{system}_quarantine",
        specs=[
            dg.AssetCheckSpec(
                CHECK_NAME,
                asset=key,
                description=f"No {obj.name} record of the run's partitions was set aside in quarantine.records "
                "(null or malformed key or version, a value its column cannot hold, a field over the size "
                "limit). Warns: the good records were loaded; the quarantined ones need a look.",
            )
            for key, obj in by_wh_key.items()
        ],
        can_subset=True,
        required_resource_keys={"duckdb"},
        pool=WAREHOUSE_POOL,  # opens the working DuckDB file read-write, like a load
    )
    def quarantine_checks(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
        days = window_days(context)
        with context.resources.duckdb.get_connection() as con:
            for key, obj in by_wh_key.items():
                if dg.AssetCheckKey(key, CHECK_NAME) in context.selected_asset_check_keys:
                    yield check_result(con, system, obj.name, key, days)

    return quarantine_checks


def check_result(
    con: duckdb.DuckDBPyConnection, system: str, obj: str, key: dg.AssetKey, days: list[date] | None
) -> dg.AssetCheckResult:
    by_reason = quarantine.counts(con, system, obj, days)
    total = sum(by_reason.values())
    metadata: dict[str, object] = {"quarantined": total, **{f"reason_{r}": n for r, n in by_reason.items()}}
    if days:
        metadata.update(first_day=days[0].isoformat(), last_day=days[-1].isoformat())
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=CHECK_NAME,
        passed=total == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata=metadata,
        description=None
        if total == 0
        else f"{total} record(s) quarantined: SELECT * FROM {quarantine.TABLE} WHERE source = '{system}' "
        f"AND object = '{obj}'",
    )
