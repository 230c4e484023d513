"""The quarantine inside a vendor sync: the pull's side file, the load's diversion, and the check.

The raw asset has no warehouse connection (a pull must not wait for the warehouse's one writer), so
it writes its rejects to the lake beside its data; the warehouse load copies them into
``quarantine.records`` together with the rows of older lake files the table refuses. The
``quarantine_empty`` check then says, per warehouse asset and partition, whether anything was set
aside. It warns rather than errs: every good record of the partition was loaded, and what is
missing is the vendor's to fix (or ours to map), not a broken table.
"""

import functools
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime

import dagster as dg
import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

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


def divert_window(
    lake: Lake,
    connect: Connect,
    spec: TableSpec,
    system: str,
    obj: SourceObject,
    days: Sequence[date],
    refused_files: Mapping[date, Sequence[str]],
    run_id: str,
) -> dict[date, int]:
    """Store in ``quarantine.records``, in one upsert, the rows of ``refused_files`` the table refuses
    (null key or version) and the pull's quarantine files of every day in ``days``; returns the
    refused rows per day.

    Why here: files already in the lake are never rewritten, so a row the table refuses (written
    before the pull checked, or by hand) would otherwise fail its day's load on every run. Only the
    days the load found refused rows in are read again, and of their files only the refused rows:
    read with the day's other files, as the quarantine rows' ids and payloads depend on the columns
    the day's files have together."""
    seen_at = datetime.now(UTC)
    diverted: list[pa.Table] = []
    counts: dict[date, int] = {}
    for day, files in sorted(refused_files.items()):
        _, rejects = quarantine.split_table(_refused_rows(lake, files, spec), spec.primary_key, spec.version_column)
        counts[day] = len(rejects)
        batch = quarantine.to_batch(
            rejects,
            source=system,
            obj=obj.name,
            day_of=lambda _, day=day: day,
            stage="load",
            run_id=run_id,
            seen_at=seen_at,
        )
        diverted.append(pa.Table.from_batches([batch]))
    pulled = lake.read(lake.files(quarantine.lake_path(system, obj.name), days), quarantine.SCHEMA)
    quarantine.store(connect, pa.concat_tables([*diverted, pulled]))
    return counts


def _refused_rows(lake: Lake, files: Sequence[str], spec: TableSpec) -> pa.Table:
    """The rows with a null key or version of one day's files, with the columns of all of them: a
    file lacking a checked column has it null in every row once read with the others."""
    checked = (*spec.primary_key, spec.version_column)
    tables = []
    for path in files:
        names = pq.read_schema(path, filesystem=lake.fs).names
        if all(c in names for c in checked):
            condition = functools.reduce(operator.or_, (pc.field(c).is_null() for c in checked))
            tables.append(pq.read_table(path, filesystem=lake.fs, filters=condition))
        else:
            tables.append(pq.read_table(path, filesystem=lake.fs))
    return pa.concat_tables(tables, promote_options="permissive")


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
