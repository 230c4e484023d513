"""Rows held per UTC day until they make a large Parquet row group, within a fixed memory budget.

Why: a pull's pages are small (100-1,000 records) and each touches many days of its window. Written
as they come, every page's share of every day became its own row group: 45,333 HubSpot contacts made
6,759 row groups and 40 MB of Parquet out of 21 MB of JSON (each row group repeats its headers,
statistics and dictionary pages and restarts compression), and writing them took a third of the pull.

How: incoming pages are staged as they are (no copy) until a few MiB have arrived, then split by day
at once (one stable sort, one compact copy per day), so a day's buffer holds a few large chunks
rather than thousands of tiny ones, whose per-array overhead would cost several times their data.
A day's rows leave as a row group of exactly ``row_group_rows`` rows as soon as there are that many,
or all together once they hold ``row_group_bytes``; ``max_buffered_bytes`` caps everything held
(staged and per day): past it, the largest days are written early, as smaller row groups.
Bytes are Arrow bytes (``RecordBatch.nbytes``), roughly the memory the rows take, not their size in
Parquet. Splitting a stage briefly needs about twice the stage's bytes on top.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc

# DuckDB (the local warehouse and a reader of these files) writes Parquet in row groups of 122,880 rows
# (60 of its 2,048-row vectors) and parallelises a scan per row group; that many rows amortise a row
# group's headers, statistics and dictionary pages.
ROW_GROUP_ROWS = 122_880
# ... or fewer rows when they are wide: 64 MiB of Arrow data bounds one day's buffer, and what a
# reader decodes for one row group.
ROW_GROUP_BYTES = 64 << 20
# All days together. A window of many days must not hold a full buffer per day: under two row groups'
# worth in all. Raw pulls of this product are tens of MB a day, so one run rarely reaches it. 112 MiB
# (was 128) keeps a pull of 1M tickets within 300 MB above the import: measured +275 MB against +310
# (benchmarks/README.md, step memory), at the cost of earlier, smaller row groups in such a pull.
MAX_BUFFERED_BYTES = 112 << 20
# Pages wait this long before being split by day: large enough that each day gets a few big chunks,
# small enough that the split's copy is brief. The batch count bounds tiny pages' per-array overhead.
STAGE_BYTES = 8 << 20
STAGE_BATCHES = 256

WriteRowGroup = Callable[[date, pa.Table], None]


class DayBuffers:
    """Buffers batches whose rows belong to several days; hands ``write`` one row group at a time.

    For each day, rows reach ``write`` in the order they were added."""

    def __init__(
        self,
        write: WriteRowGroup,
        *,
        row_group_rows: int = ROW_GROUP_ROWS,
        row_group_bytes: int = ROW_GROUP_BYTES,
        max_buffered_bytes: int = MAX_BUFFERED_BYTES,
        stage_bytes: int = STAGE_BYTES,
        stage_batches: int = STAGE_BATCHES,
    ) -> None:
        if min(row_group_rows, row_group_bytes, max_buffered_bytes, stage_bytes, stage_batches) < 1:
            raise ValueError("row-group and buffer limits must be positive")
        self._write = write
        self.row_group_rows, self.row_group_bytes = row_group_rows, row_group_bytes
        self.max_buffered_bytes = max_buffered_bytes
        self.stage_bytes, self.stage_batches = stage_bytes, stage_batches
        self._staged: list[pa.RecordBatch] = []
        self._staged_days: list[pa.Array] = []
        self._staged_bytes = 0
        self._days: dict[date, _Day] = {}

    @property
    def nbytes(self) -> int:
        """Arrow bytes held, staged or per day; at most ``max_buffered_bytes`` once ``add`` returns."""
        return self._staged_bytes + sum(day.nbytes for day in self._days.values())

    def add(self, batch: pa.RecordBatch, days: pa.Array) -> None:
        """Hold ``batch`` (``days``: each row's day); write whatever row groups that completes."""
        if batch.num_rows == 0:
            return
        self._staged.append(batch)
        self._staged_days.append(days)
        self._staged_bytes += batch.nbytes
        if self._staged_bytes >= self.stage_bytes or len(self._staged) >= self.stage_batches:
            self._split_stage()
        if self.nbytes > self.max_buffered_bytes:
            self._split_stage()
            while self.nbytes > self.max_buffered_bytes:
                self._write_all(max(self._days, key=lambda d: self._days[d].nbytes))

    def flush(self, day: date) -> None:
        """Write all of the day's rows still held (as one row group, fewer than ``row_group_rows``)."""
        self._split_stage()
        self._write_all(day)

    def clear(self) -> None:
        """Forget everything held, writing nothing."""
        self._staged, self._staged_days, self._staged_bytes = [], [], 0
        self._days.clear()

    def _split_stage(self) -> None:
        if not self._staged:
            return
        merged = self._staged[0] if len(self._staged) == 1 else pa.concat_batches(self._staged)
        days = self._staged_days[0] if len(self._staged_days) == 1 else pa.concat_arrays(self._staged_days)
        self._staged, self._staged_days, self._staged_bytes = [], [], 0
        unique = pc.unique(days)
        if len(unique) == 1:
            self._append(unique[0].as_py(), merged)
            return
        order = pc.sort_indices(days)  # stable: a day's rows keep their order
        counts = pc.value_counts(days.take(order))  # days in sorted order, as they first appear
        start = 0
        for day, count in zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True):
            self._append(day, merged.take(order.slice(start, count)))
            start += count

    def _append(self, day: date, batch: pa.RecordBatch) -> None:
        buffer = self._days.setdefault(day, _Day())
        buffer.add(batch)
        if buffer.rows >= self.row_group_rows:
            table = buffer.take()
            whole = table.num_rows - table.num_rows % self.row_group_rows
            self._write(day, table.slice(0, whole))
            if whole < table.num_rows:  # a compact copy, so the rest no longer pins the written rows
                buffer.add(pa.concat_batches(table.slice(whole).to_batches()))
        if buffer.nbytes >= self.row_group_bytes:
            self._write_all(day)

    def _write_all(self, day: date) -> None:
        buffer = self._days.get(day)
        if buffer is not None and buffer.rows:
            self._write(day, buffer.take())


class _Day:
    """One day's rows not yet written, in arrival order."""

    def __init__(self) -> None:
        self.batches: list[pa.RecordBatch] = []
        self.rows = 0
        self.nbytes = 0

    def add(self, batch: pa.RecordBatch) -> None:
        self.batches.append(batch)
        self.rows += batch.num_rows
        self.nbytes += batch.nbytes

    def take(self) -> pa.Table:
        """Everything held, as one table; the buffer is empty afterwards."""
        table = pa.Table.from_batches(self.batches)
        self.batches, self.rows, self.nbytes = [], 0, 0
        return table
