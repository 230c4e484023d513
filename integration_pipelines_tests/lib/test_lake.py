"""The lake on a real local folder: one Parquet file per UTC day, published only on commit."""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from integration_pipelines.lib.lake import Lake
from integration_pipelines.lib.records import TIMESTAMP

ASSET = ("raw", "zendesk", "tickets")
SCHEMA = pa.schema([pa.field("id", pa.int64()), pa.field("updated_at", TIMESTAMP), pa.field("body", pa.string())])
DAYS = [date(2026, 10, 30), date(2026, 10, 31), date(2026, 11, 1)]


def batch(rows: list[tuple[int, datetime]], schema: pa.Schema = SCHEMA) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist(
        [{"id": i, "updated_at": ts, "body": f"رسالة {i}"} for i, ts in rows], schema=schema
    )


def three_day_batches() -> list[pa.RecordBatch]:
    """18 rows over three UTC days (5, 6 and 7), in two batches that each cross a midnight, with
    rows at 00:00:00 and 23:59:59.999999 so an off-by-one day boundary would misplace them."""
    d0 = datetime(2026, 10, 30, tzinfo=UTC)
    first = [
        (1, d0),
        (2, d0 + timedelta(hours=5)),
        (3, d0 + timedelta(hours=23, minutes=59, seconds=59, microseconds=999_999)),
        (4, d0 + timedelta(days=1)),
        (5, d0 + timedelta(days=1, hours=8)),
        (6, d0 + timedelta(hours=12)),
        (7, d0 + timedelta(days=1, hours=9)),
    ]
    second = [
        (8, d0 + timedelta(days=1, hours=10)),
        (9, d0 + timedelta(days=1, hours=11)),
        (10, d0 + timedelta(days=1, hours=23, minutes=59, seconds=59, microseconds=999_999)),
        (11, d0 + timedelta(days=2)),
        (12, d0 + timedelta(days=2, hours=1)),
        (13, d0 + timedelta(hours=13)),
        (14, d0 + timedelta(days=2, hours=2)),
        (15, d0 + timedelta(days=2, hours=3)),
        (16, d0 + timedelta(days=2, hours=4)),
        (17, d0 + timedelta(days=2, hours=5)),
        (18, d0 + timedelta(days=2, hours=23)),
    ]
    return [batch(first), batch(second)]


def all_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_batches_are_split_into_one_file_per_utc_day(tmp_path: Path) -> None:
    """Two batches spanning three UTC days must commit exactly three files, one per
    day=YYYY-MM-DD folder, holding 5, 6 and 7 rows whose updated_at all fall on that day."""
    lake = Lake(str(tmp_path))
    writer = lake.writer(ASSET, SCHEMA, run_id="run-a", day_column="updated_at")
    for b in three_day_batches():
        writer.write(b)
    writer.write(batch([]))  # an empty batch opens nothing
    published = writer.commit()
    assert writer.rows_by_day == {DAYS[0]: 5, DAYS[1]: 6, DAYS[2]: 7}
    assert len(published) == 3
    assert lake.files(ASSET, DAYS) == published
    for day, path in zip(DAYS, published, strict=True):
        assert f"/raw/zendesk/tickets/day={day.isoformat()}/part-" in path and path.endswith("-run-a.parquet")
        table = lake.read([path])
        assert table.schema == SCHEMA
        assert {ts.date() for ts in table.column("updated_at").to_pylist()} == {day}
        assert table.num_rows == writer.rows_by_day[day]
    assert sorted(lake.read(published).column("id").to_pylist()) == list(range(1, 19))
    assert writer.bytes_written == sum(os.path.getsize(p) for p in published)
    assert len(all_files(tmp_path)) == 3  # nothing else left behind (no .tmp)


def test_nothing_is_visible_before_commit(tmp_path: Path) -> None:
    """While a writer is open its data lives only in hidden .tmp files: lake.files() sees nothing
    until commit(), then sees the three files."""
    lake = Lake(str(tmp_path))
    writer = lake.writer(ASSET, SCHEMA, run_id="run-a", day_column="updated_at")
    for b in three_day_batches():
        writer.write(b)
    assert lake.files(ASSET, DAYS) == []
    pending = all_files(tmp_path)
    assert len(pending) == 3 and all(Path(p).name.startswith(".part-") and p.endswith(".tmp") for p in pending)
    writer.commit()
    assert len(lake.files(ASSET, DAYS)) == 3


def test_abort_leaves_no_files(tmp_path: Path) -> None:
    """abort() after writing three days must leave no file at all, neither published nor .tmp."""
    lake = Lake(str(tmp_path))
    writer = lake.writer(ASSET, SCHEMA, run_id="run-a", day_column="updated_at")
    for b in three_day_batches():
        writer.write(b)
    writer.abort()
    assert all_files(tmp_path) == []
    assert lake.files(ASSET, DAYS) == []
    assert writer.commit() == []  # nothing left to publish


def test_second_run_adds_a_second_file(tmp_path: Path) -> None:
    """A second writer with another run id adds its own file next to the first one's (raw keeps every
    version); lake.read() of both returns the 18 + 2 rows."""
    lake = Lake(str(tmp_path))
    first = lake.writer(ASSET, SCHEMA, run_id="run-a", day_column="updated_at")
    for b in three_day_batches():
        first.write(b)
    first.commit()
    second = lake.writer(ASSET, SCHEMA, run_id="run-b", day_column="updated_at")
    second.write(batch([(1, datetime(2026, 10, 30, 18, tzinfo=UTC)), (4, datetime(2026, 10, 30, 19, tzinfo=UTC))]))
    (added,) = second.commit()
    files = lake.files(ASSET, [DAYS[0]])
    assert len(files) == 2 and added in files
    assert {Path(f).name.rsplit("-", 1)[-1] for f in files} == {"a.parquet", "b.parquet"}
    table = lake.read(files)
    assert table.num_rows == 5 + 2
    assert sorted(table.column("id").to_pylist()) == [1, 1, 2, 3, 4, 6, 13]
    assert lake.read(lake.files(ASSET, DAYS)).num_rows == 20


def test_read_of_nothing_is_an_empty_table_of_the_schema(tmp_path: Path) -> None:
    """No files for the days asked: files() is empty and read([], schema) an empty table of that schema."""
    lake = Lake(str(tmp_path))
    assert lake.files(ASSET, DAYS) == []
    empty = lake.read([], SCHEMA)
    assert empty.num_rows == 0 and empty.schema == SCHEMA


def test_stale_tmp_files_are_removed_when_a_writer_opens_the_day(tmp_path: Path) -> None:
    """A .tmp older than an hour in a day folder is a killed run's debris and goes when a writer opens
    that day; a .tmp 10 minutes old may belong to a live run and stays; .tmp files in a day the
    writer does not touch stay too, however old."""
    lake = Lake(str(tmp_path))
    day_dir = Path(lake.day_dir(ASSET, DAYS[0]))
    other_dir = Path(lake.day_dir(ASSET, date(2026, 10, 1)))
    day_dir.mkdir(parents=True)
    other_dir.mkdir(parents=True)
    now = time.time()
    stale = day_dir / ".part-20260101T000000-dead.parquet.tmp"
    recent = day_dir / ".part-20260101T000000-live.parquet.tmp"
    untouched = other_dir / ".part-20260101T000000-dead.parquet.tmp"
    for path, age in ((stale, 2 * 3600), (recent, 600), (untouched, 2 * 3600)):
        path.write_bytes(b"half a parquet file")
        os.utime(path, (now - age, now - age))

    writer = lake.writer(ASSET, SCHEMA, run_id="run-a", day_column="updated_at")
    writer.write(batch([(1, datetime(2026, 10, 30, 12, tzinfo=UTC))]))
    assert not stale.exists()
    assert recent.exists() and untouched.exists()
    (published,) = writer.commit()
    assert sorted(p.name for p in day_dir.iterdir()) == sorted([recent.name, Path(published).name])
    assert lake.files(ASSET, [DAYS[0]]) == [published]


def test_day_of_a_non_utc_timestamp_column_is_its_utc_day(tmp_path: Path) -> None:
    """The writer promises "one Parquet file per UTC day of day_column": 22:30 UTC on 30 October
    stored in an Asia/Riyadh column (01:30 local on the 31st) still belongs to day=2026-10-30."""
    schema = pa.schema(
        [
            pa.field("id", pa.int64()),
            pa.field("updated_at", pa.timestamp("us", tz="Asia/Riyadh")),
            pa.field("body", pa.string()),
        ]
    )
    lake = Lake(str(tmp_path))
    writer = lake.writer(ASSET, schema, run_id="run-a", day_column="updated_at")
    writer.write(batch([(1, datetime(2026, 10, 30, 22, 30, tzinfo=UTC))], schema))
    writer.commit()
    assert writer.rows_by_day == {date(2026, 10, 30): 1}
