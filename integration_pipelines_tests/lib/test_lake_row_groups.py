"""Row groups of the lake writer on real Parquet files: few and large, same rows in the same order,
memory held never above its cap, and nothing left behind by an abort."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from integration_pipelines.lib.day_buffers import DayBuffers
from integration_pipelines.lib.lake import Lake
from integration_pipelines.lib.records import TIMESTAMP

ASSET = ("raw", "hubspot", "contacts")
SCHEMA = pa.schema(
    [
        pa.field("id", pa.int64()),
        pa.field("updated_at", TIMESTAMP),
        pa.field("name", pa.string()),
        pa.field("_raw", pa.string()),
    ]
)
START = datetime(2026, 10, 1, tzinfo=UTC)
HUGE = 1 << 40


def pages(count: int, size: int, days: int) -> list[pa.RecordBatch]:
    """``count`` pages of ``size`` rows; row i falls on day (i * 7) % days, at a time that grows with i,
    so every page touches many days and each day's rows have a known order (their ids ascend)."""
    out = []
    for p in range(count):
        rows = []
        for i in range(p * size, (p + 1) * size):
            day = (i * 7) % days
            rows.append(
                {
                    "id": i,
                    "updated_at": START + timedelta(days=day, seconds=i),
                    "name": f"جهة اتصال {i}" if i % 2 else f"Contact {i}",
                    "_raw": f'{{"id":"{i}","properties":{{"firstname":"سارة","n":{i}}}}}',
                }
            )
        out.append(pa.RecordBatch.from_pylist(rows, schema=SCHEMA))
    return out


def expected_by_day(batches: list[pa.RecordBatch]) -> dict[date, list[dict]]:
    """What each day's file must hold: the rows of that day, in the order they were written."""
    by_day: dict[date, list[dict]] = {}
    for batch in batches:
        for row in batch.to_pylist():
            by_day.setdefault(row["updated_at"].date(), []).append(row)
    return by_day


def row_groups(path: str) -> list[int]:
    meta = pq.ParquetFile(path).metadata
    return [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_default_thresholds_make_one_row_group_per_day_file(tmp_path: Path) -> None:
    """120 pages of 25 rows (3,000 rows), each page spread over all 5 days: the old writer made 600
    row groups (one per page and day); with the default thresholds each of the 5 files has exactly
    one row group of 600 rows, holding that day's rows in the order written."""
    batches = pages(120, 25, days=5)
    lake = Lake(str(tmp_path))
    writer = lake.writer(ASSET, SCHEMA, run_id="run-a", day_column="updated_at")
    for batch in batches:
        writer.write(batch)
    published = writer.commit()
    expected = expected_by_day(batches)
    assert len(published) == 5
    for (day, rows), path in zip(sorted(expected.items()), published, strict=True):
        assert f"day={day.isoformat()}" in path
        assert row_groups(path) == [600]
        assert lake.read([path]).to_pylist() == rows
    assert writer.buffered_bytes == 0


def test_row_group_rows_makes_groups_of_exactly_that_many_rows(tmp_path: Path) -> None:
    """200 pages of 10 rows over 3 days (667, 667 and 666 rows a day) with row_group_rows=250 and no
    byte limit: each file is 250 + 250 + the rest (167 or 166) rows, i.e. 3 row groups instead of the
    200 the old writer made per day, and the rows read back equal the rows written, in order."""
    batches = pages(200, 10, days=3)
    lake = Lake(str(tmp_path))
    writer = lake.writer(
        ASSET, SCHEMA, "run-a", "updated_at", row_group_rows=250, row_group_bytes=HUGE, max_buffered_bytes=HUGE
    )
    for batch in batches:
        writer.write(batch)
    published = writer.commit()
    expected = expected_by_day(batches)
    assert {day: len(rows) for day, rows in expected.items()} == writer.rows_by_day
    assert [row_groups(p) for p in published] == [[250, 250, 167], [250, 250, 167], [250, 250, 166]]
    for (_day, rows), path in zip(sorted(expected.items()), published, strict=True):
        assert lake.read([path]).to_pylist() == rows
    ids = lake.read(published).column("id").to_pylist()
    assert sorted(ids) == list(range(2000))  # none lost, none twice


def test_buffered_bytes_never_exceed_the_cap(tmp_path: Path) -> None:
    """300 pages of 20 rows over 12 days with a cap of 24 KiB (about 6 pages): after every write the
    writer holds at most 24 KiB, it did hold something (the cap is what bounded it), the largest days
    were written early (more row groups than days), and still every row arrives once, in order."""
    batches = pages(300, 20, days=12)
    cap = 24 << 10
    lake = Lake(str(tmp_path))
    writer = lake.writer(
        ASSET, SCHEMA, "run-a", "updated_at", row_group_rows=HUGE, row_group_bytes=HUGE, max_buffered_bytes=cap
    )
    held = []
    for batch in batches:
        writer.write(batch)
        assert writer.buffered_bytes <= cap
        held.append(writer.buffered_bytes)
    assert max(held) > cap // 2
    published = writer.commit()
    assert writer.buffered_bytes == 0
    assert len(published) == 12
    assert sum(len(row_groups(p)) for p in published) > 12
    for (_day, rows), path in zip(sorted(expected_by_day(batches).items()), published, strict=True):
        assert lake.read([path]).to_pylist() == rows


def test_abort_after_buffered_writes_leaves_no_files(tmp_path: Path) -> None:
    """Pages still held in memory (nothing written to a row group yet) and then abort(): no file is
    left, neither published nor .tmp, nothing is held, and a later commit publishes nothing."""
    lake = Lake(str(tmp_path))
    writer = lake.writer(ASSET, SCHEMA, "run-a", "updated_at")
    for batch in pages(40, 10, days=4):
        writer.write(batch)
    assert writer.buffered_bytes > 0
    writer.abort()
    assert all_files(tmp_path) == []
    assert writer.buffered_bytes == 0
    assert writer.commit() == []


def test_commit_publishes_every_buffered_row(tmp_path: Path) -> None:
    """Everything still held when commit() is called (400 rows over 4 days, thresholds never reached)
    is published: rows_by_day, the files' row counts and the ids read back all agree, no .tmp is left,
    and bytes_written is the size of the published files."""
    lake = Lake(str(tmp_path))
    writer = lake.writer(ASSET, SCHEMA, "run-a", "updated_at")
    for batch in pages(40, 10, days=4):
        writer.write(batch)
    assert writer.buffered_bytes > 0
    published = writer.commit()
    assert len(published) == 4
    assert [pq.ParquetFile(p).metadata.num_rows for p in published] == [100, 100, 100, 100]
    assert sorted(writer.rows_by_day.values()) == [100, 100, 100, 100]
    assert sorted(lake.read(published).column("id").to_pylist()) == list(range(400))
    assert all_files(tmp_path) == sorted(Path(p) for p in published)
    assert writer.bytes_written == sum(Path(p).stat().st_size for p in published)


def test_a_batch_of_another_schema_is_refused_at_write(tmp_path: Path) -> None:
    """A batch whose schema differs from the file's fails in write(), as before buffering, not later
    at commit; the writer can still be aborted cleanly."""
    writer = Lake(str(tmp_path)).writer(ASSET, SCHEMA, "run-a", "updated_at")
    wrong = pa.RecordBatch.from_pylist([{"id": 1, "updated_at": START}], schema=SCHEMA.remove(3).remove(2))
    with pytest.raises(ValueError, match="schema does not match"):
        writer.write(wrong)
    writer.abort()
    assert all_files(tmp_path) == []


def test_row_group_bytes_writes_a_day_once_it_holds_that_many_bytes() -> None:
    """DayBuffers alone, splitting every batch at once (stage of one byte): batches of 10 int64 rows
    (80 bytes) for one day with row_group_bytes=200 leave in groups of 3 batches (240 bytes, 30 rows);
    flush() writes the remaining 10 rows."""
    schema = pa.schema([pa.field("n", pa.int64())])
    written: list[tuple[date, list[int]]] = []
    buffers = DayBuffers(
        lambda day, table: written.append((day, table.column("n").to_pylist())),
        row_group_rows=HUGE,
        row_group_bytes=200,
        max_buffered_bytes=HUGE,
        stage_bytes=1,
    )
    day = date(2026, 10, 1)
    for k in range(7):
        batch = pa.RecordBatch.from_pydict({"n": list(range(k * 10, k * 10 + 10))}, schema=schema)
        assert batch.nbytes == 80
        buffers.add(batch, pa.array([day] * 10, pa.date32()))
    assert [len(values) for _, values in written] == [30, 30]
    buffers.flush(day)
    assert [len(values) for _, values in written] == [30, 30, 10]
    assert [v for _, values in written for v in values] == list(range(70))
    assert buffers.nbytes == 0
