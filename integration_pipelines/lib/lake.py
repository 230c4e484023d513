"""The lake: Parquet per asset and UTC day, on a local folder or any fsspec URL (s3://, gs://).

Layout: ``{root}/{layer}/{system}/{object}/day=YYYY-MM-DD/part-{run_id}.parquet``. Each pull writes
its own file (raw keeps every version a pull saw). Files are written under a temporary name and
renamed on commit, so a killed run never leaves a half-written file that readers would pick up.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import date

import dagster as dg
import fsspec
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from fsspec.core import url_to_fs
from pydantic import Field

from integration_pipelines.lib.day_buffers import MAX_BUFFERED_BYTES, ROW_GROUP_BYTES, ROW_GROUP_ROWS, DayBuffers

PART_PREFIX = "part-"
TMP_SUFFIX = ".tmp"
STALE_TMP_SECONDS = 3600


class Lake:
    """A root URL plus the conventions above."""

    def __init__(self, root: str) -> None:
        self.root = root.rstrip("/")
        self.fs: fsspec.AbstractFileSystem
        self.fs, self._root_path = url_to_fs(self.root)

    def day_dir(self, asset_path: Sequence[str], day: date) -> str:
        return "/".join([self._root_path, *asset_path, f"day={day.isoformat()}"])

    def files(self, asset_path: Sequence[str], days: Iterable[date]) -> list[str]:
        """Committed Parquet files for the given days, oldest first by name (run ids sort by time)."""
        found: list[str] = []
        for day in days:
            directory = self.day_dir(asset_path, day)
            self.fs.invalidate_cache(directory)  # another process (a step, a worker) may have written since
            if self.fs.exists(directory):
                found += sorted(
                    p
                    for p in self.fs.ls(directory, detail=False)
                    if p.rsplit("/", 1)[-1].startswith(PART_PREFIX) and p.endswith(".parquet")
                )
        return found

    def days(self, asset_path: Sequence[str]) -> list[date]:
        """Every UTC day the asset has a folder for, oldest first."""
        directory = "/".join([self._root_path, *asset_path])
        self.fs.invalidate_cache(directory)
        if not self.fs.exists(directory):
            return []
        names = (p.rsplit("/", 1)[-1] for p in self.fs.ls(directory, detail=False))
        return sorted(date.fromisoformat(n[4:]) for n in names if n.startswith("day="))

    def read(
        self, paths: Sequence[str], schema: pa.Schema | None = None, columns: Sequence[str] | None = None
    ) -> pa.Table:
        if not paths:
            empty = (schema or pa.schema([])).empty_table()
            return empty.select(list(columns)) if columns and schema else empty
        tables = [pq.read_table(p, filesystem=self.fs, schema=schema, columns=columns) for p in paths]
        return pa.concat_tables(tables, promote_options="permissive")

    def writer(
        self, asset_path: Sequence[str], schema: pa.Schema, run_id: str, day_column: str, **buffering: int
    ) -> DayPartitionedWriter:
        """``buffering``: ``DayPartitionedWriter``'s row-group and memory limits (defaults suit pulls)."""
        return DayPartitionedWriter(self, asset_path, schema, run_id, day_column, **buffering)


class DayPartitionedWriter:
    """Streams record batches into one Parquet file per UTC day of ``day_column``.

    Rows are held per day (``lib/day_buffers``) and written in large row groups rather than one row
    group per page and day; ``buffered_bytes`` is what is held, never more than
    ``max_buffered_bytes`` once ``write`` returns. ``commit`` writes the rest and publishes.
    """

    def __init__(
        self,
        lake: Lake,
        asset_path: Sequence[str],
        schema: pa.Schema,
        run_id: str,
        day_column: str,
        *,
        row_group_rows: int = ROW_GROUP_ROWS,
        row_group_bytes: int = ROW_GROUP_BYTES,
        max_buffered_bytes: int = MAX_BUFFERED_BYTES,
    ) -> None:
        self.lake, self.asset_path, self.schema = lake, tuple(asset_path), schema
        self.file_name = f"{PART_PREFIX}{time.strftime('%Y%m%dT%H%M%S')}-{run_id}.parquet"
        self.day_column = day_column
        self.row_group_rows = row_group_rows
        self._buffers = DayBuffers(
            self._write_row_group,
            row_group_rows=row_group_rows,
            row_group_bytes=row_group_bytes,
            max_buffered_bytes=max_buffered_bytes,
        )
        self._writers: dict[date, tuple[pq.ParquetWriter, object, str]] = {}
        self.rows_by_day: dict[date, int] = {}
        self.bytes_by_day: dict[date, int] = {}
        self.bytes_written = 0

    @property
    def buffered_bytes(self) -> int:
        """Arrow bytes of rows written to no file yet."""
        return self._buffers.nbytes

    def write(self, batch: pa.RecordBatch) -> pa.Array | None:
        """Add the batch to its days' files; returns each row's day (None for an empty batch), so
        callers count per day without parsing the column again."""
        if batch.num_rows == 0:
            return None
        if not batch.schema.equals(self.schema, check_metadata=False):
            raise ValueError(
                f"{'/'.join(self.asset_path)}: batch schema does not match the file's:\n"
                f"batch:\n{batch.schema!s}\nfile:\n{self.schema!s}"
            )
        days = utc_days(batch, self.day_column, "/".join(self.asset_path))
        for day, rows in count_by_day(days).items():
            self._writer_for(day)  # the day's temporary file exists from its first row on
            self.rows_by_day[day] = self.rows_by_day.get(day, 0) + rows
        self._buffers.add(batch, days)
        return days

    def _write_row_group(self, day: date, table: pa.Table) -> None:
        self._writers[day][0].write_table(table, row_group_size=self.row_group_rows)

    def _writer_for(self, day: date) -> pq.ParquetWriter:
        if day not in self._writers:
            directory = self.lake.day_dir(self.asset_path, day)
            self.lake.fs.makedirs(directory, exist_ok=True)
            self._remove_stale_tmp(directory)
            tmp_path = f"{directory}/.{self.file_name}{TMP_SUFFIX}"
            handle = self.lake.fs.open(tmp_path, "wb")
            writer = pq.ParquetWriter(handle, self.schema, compression="zstd")
            self._writers[day] = (writer, handle, tmp_path)
        return self._writers[day][0]

    def _remove_stale_tmp(self, directory: str) -> None:
        """Temporary files of runs killed long ago are debris; recent ones may be a live run's."""
        now = time.time()
        try:
            listed = self.lake.fs.ls(directory, detail=True)
        except FileNotFoundError:  # object stores have no empty folders: a new day has none yet
            return
        for info in listed:
            name = info["name"]
            if name.endswith(TMP_SUFFIX):
                # local: mtime/created; S3 (s3fs): LastModified; GCS (gcsfs): mtime
                modified = info.get("mtime") or info.get("created") or info.get("LastModified") or now
                if hasattr(modified, "timestamp"):
                    modified = modified.timestamp()
                if now - float(modified) > STALE_TMP_SECONDS:
                    self.lake.fs.rm(name)

    def commit(self) -> list[str]:
        """Write the rows still held, close every file and publish it under its final name; returns
        the published paths."""
        published = []
        for day, (writer, handle, tmp_path) in sorted(self._writers.items()):
            self._buffers.flush(day)
            writer.close()
            handle.close()
            final = f"{self.lake.day_dir(self.asset_path, day)}/{self.file_name}"
            self.lake.fs.mv(tmp_path, final)
            size = self.lake.fs.size(final)
            self.bytes_by_day[day] = self.bytes_by_day.get(day, 0) + size
            self.bytes_written += size
            published.append(final)
        self._writers.clear()
        return published

    def abort(self) -> None:
        """Drop the rows held and every temporary file: nothing of this writer remains."""
        self._buffers.clear()
        for writer, handle, tmp_path in self._writers.values():
            try:
                writer.close()
                handle.close()
            finally:
                if self.lake.fs.exists(tmp_path):
                    self.lake.fs.rm(tmp_path)
        self._writers.clear()


def utc_days(batch: pa.RecordBatch | pa.Table, column_name: str, what: str = "") -> pa.Array:
    """The UTC day of each row's ``column_name``: the day folder, and the partition, the row belongs to."""
    column = batch.column(column_name)
    if column.null_count:
        raise ValueError(f"{what or 'batch'}: {column.null_count} row(s) have no {column_name}")
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_timestamp(column.type) and column.type.tz is not None:
        column = column.cast(pa.timestamp(column.type.unit, tz="UTC"))  # relabel: days are UTC days
    return pc.cast(column, pa.date32())


def count_by_day(days: pa.Array, where: pa.Array | None = None) -> dict[date, int]:
    """Rows per day, optionally only where ``where`` is true (e.g. the is_deleted flags)."""
    if where is not None:
        days = days.filter(pc.fill_null(where, False))
    counts = pc.value_counts(days)
    return {v.as_py(): c.as_py() for v, c in zip(counts.field("values"), counts.field("counts"), strict=True)}


class LakeResource(dg.ConfigurableResource):
    """The lake's root: a local folder or an fsspec URL (``INTEGRATION_PIPELINES_LAKE_URL``)."""

    url: str = Field(description="Folder path or fsspec URL such as s3://bucket/prefix.")

    def lake(self) -> Lake:
        return Lake(self.url)
