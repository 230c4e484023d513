"""The window load (one DuckDB statement over the window's Parquet files) against the day-by-day load
it replaced: ``DuckDBExporter.upsert`` once per day, oldest day first, on that day's files read into
Arrow with the refused rows split off (what the warehouse step did before). Both run on real Parquet
files and real DuckDB files; the tables must be identical, column for column (types and order
included), and so must each day's counts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from integration_pipelines.lib import quarantine
from integration_pipelines.lib.lake import Lake
from integration_pipelines.lib.warehouses.duckdb import DuckDBExporter
from integration_pipelines.lib.warehouses.duckdb_window import DayCounts, load_window
from integration_pipelines.lib.warehouses.schema import SchemaChangeError
from integration_pipelines_tests.lib.warehouses.samples import BASE_FIELDS, EXTRACTED, T0, TICKETS, row, table

DAY1 = T0.date()
CODE_INT, CODE_FLOAT, MOOD = pa.field("code", pa.int64()), pa.field("code", pa.float64()), pa.field("mood", pa.string())
LATER = EXTRACTED + timedelta(hours=1)


def connector(path: Path) -> Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]:
    @contextmanager
    def connect() -> Iterator[duckdb.DuckDBPyConnection]:
        with duckdb.connect(str(path)) as con:
            yield con

    return connect


def write(root: Path, day: date, name: str, data: pa.Table) -> str:
    directory = root / f"day={day.isoformat()}"
    directory.mkdir(parents=True, exist_ok=True)
    pq.write_table(data, directory / f"part-{name}.parquet")
    return str(directory / f"part-{name}.parquet")


def day_by_day(connect, files_by_day: dict[date, list[str]]) -> dict[date, DayCounts]:
    """The load as it was: per day, the day's files in Arrow, refused rows split off, one upsert."""
    counts = {}
    for day, files in sorted(files_by_day.items()):
        data = pa.concat_tables([pq.read_table(f) for f in files], promote_options="permissive")
        good, rejects = quarantine.split_table(data, TICKETS.primary_key, TICKETS.version_column)
        result = DuckDBExporter(connect).upsert(TICKETS, good)
        counts[day] = DayCounts(result.rows_in, result.keys_in, result.inserted, result.matched, len(rejects))
    return counts


def snapshot(path: Path) -> tuple[list[tuple], list[tuple]]:
    """(columns with their types in table order, every row but _loaded_at ordered by id)."""
    with duckdb.connect(str(path), read_only=True) as con:
        columns = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'zendesk' "
            "AND table_name = 'tickets' ORDER BY ordinal_position"
        ).fetchall()
        rows = con.execute("SELECT * EXCLUDE (_loaded_at) FROM zendesk.tickets ORDER BY id").fetchall()
    return columns, rows


@pytest.fixture
def stored_before() -> pa.Table:
    """What the table holds before the window: ticket 2 at a version newer than the window's."""
    return table([row(1, 1, "stored one"), row(2, 100, "stored two, newer than the window")])


def window_files(root: Path) -> dict[date, list[str]]:
    """Four days of files: keys updated on several days and twice on one day, two pulls of one day
    (a version tie broken by extraction time, and a full duplicate), a null id and a null version,
    an older version in a later day's folder, a column on some days only, and an int column that
    later arrives as float (widened)."""
    d1, d2, d3, d4 = (DAY1 + timedelta(days=i) for i in range(4))
    day1 = [row(1, 5, "one d1"), row(3, 6, "three d1"), row(None, 8, "no id"), row(5, 9, "five d1")]
    day1[-1]["updated_at"] = None  # refused: null version
    a = write(root, d1, "a", table([*day1, row(4, 7, "four d1", code=7)], CODE_INT))
    b = write(root, d1, "b", table([row(1, 5, "one d1"), row(3, 6, "three d1 again", extracted=LATER)]))
    day2 = write(root, d2, "a", table([row(1, 30, "one d2"), row(2, 30, "two, stale"), row(4, 31, "four d2")]))
    day3 = write(root, d3, "a", table([row(6, 50, "six d3", code=2.5), row(1, 50, "one d3")], CODE_FLOAT))
    day4 = write(
        root, d4, "a", table([row(7, 80, "seven d4", mood="calm"), row(1, 10, "one, stale in a later folder")], MOOD)
    )
    return {d1: [a, b], d2: [day2], d3: [day3], d4: [day4]}


def test_a_window_load_leaves_the_table_and_counts_the_day_by_day_load_left(
    tmp_path: Path, stored_before: pa.Table
) -> None:
    files = window_files(tmp_path / "lake")
    old, new = connector(tmp_path / "old.duckdb"), connector(tmp_path / "new.duckdb")
    for connect in (old, new):
        DuckDBExporter(connect).upsert(TICKETS, stored_before)

    expected = day_by_day(old, files)
    result = load_window(new, TICKETS, files)

    assert result is not None and result.days == expected
    assert snapshot(tmp_path / "new.duckdb") == snapshot(tmp_path / "old.duckdb")
    columns, rows = snapshot(tmp_path / "new.duckdb")
    names = [c for c, _ in columns if c != "_loaded_at"]
    by_id = {r[0]: dict(zip(names, r, strict=True)) for r in rows}
    assert sorted(by_id) == [1, 2, 3, 4, 6, 7]  # no null id, ticket 5 (null version) never loaded
    assert by_id[1]["subject"] == "one d3"  # updated on three days: the newest, not the later folder's
    assert by_id[2]["subject"] == "stored two, newer than the window"
    assert by_id[3]["subject"] == "three d1 again"  # same version: the later extraction
    assert by_id[4]["subject"] == "four d2" and by_id[4]["code"] == 7  # day 2's files have no code column
    assert by_id[6]["code"] == 2.5 and dict(columns)["code"] == "DOUBLE"
    assert result.days[DAY1] == DayCounts(rows_in=5, keys_in=3, inserted=2, matched=1, refused=2)
    assert result.table_rows == 6 and result.deleted_rows == 0


def test_a_rerun_of_the_window_inserts_nothing_and_changes_nothing(tmp_path: Path, stored_before: pa.Table) -> None:
    files = window_files(tmp_path / "lake")
    connect = connector(tmp_path / "w.duckdb")
    DuckDBExporter(connect).upsert(TICKETS, stored_before)
    first = load_window(connect, TICKETS, files)
    before = snapshot(tmp_path / "w.duckdb")
    again = load_window(connect, TICKETS, files)
    assert snapshot(tmp_path / "w.duckdb") == before
    assert first is not None and again is not None
    assert all(c.inserted == 0 and c.matched == c.keys_in for c in again.days.values())
    assert [c.rows_in for c in again.days.values()] == [c.rows_in for c in first.days.values()]
    assert again.table_rows == first.table_rows == 6


def test_a_refused_type_change_on_a_later_day_raises_before_anything_is_written(tmp_path: Path) -> None:
    """Day 2 sends subject as a number (STRING -> INTEGER is refused): nothing of the window is written,
    not even day 1 (the day-by-day load had committed day 1 before failing)."""
    root, connect = tmp_path / "lake", connector(tmp_path / "w.duckdb")
    numbers = pa.schema([f if f.name != "subject" else pa.field("subject", pa.int64()) for f in BASE_FIELDS])
    files = {
        DAY1: [write(root, DAY1, "a", table([row(1, 1, "one")]))],
        DAY1 + timedelta(days=1): [
            write(root, DAY1 + timedelta(days=1), "a", pa.Table.from_pylist([row(2, 30, 42)], schema=numbers))
        ],
    }
    with pytest.raises(SchemaChangeError, match="subject"):
        load_window(connect, TICKETS, files)
    with connect() as con:
        assert con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'tickets'"
        ).fetchone() == (0,)


def test_no_files_is_no_load(tmp_path: Path) -> None:
    assert load_window(connector(tmp_path / "w.duckdb"), TICKETS, {DAY1: []}) is None


def test_a_load_that_outgrows_its_memory_limit_runs_again_under_the_databases_own(
    tmp_path: Path, stored_before: pa.Table
) -> None:
    """1 MB is too little for DuckDB to rank even these rows: the load is rolled back and run again
    under the database's limit, leaving the same table as a load within its limit, and the
    database's limit as it was."""
    files = window_files(tmp_path / "lake")
    tight, roomy = connector(tmp_path / "tight.duckdb"), connector(tmp_path / "roomy.duckdb")
    for connect in (tight, roomy):
        DuckDBExporter(connect).upsert(TICKETS, stored_before)
    with tight() as con:
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()
    assert load_window(tight, TICKETS, files, memory_limit="1MB") == load_window(roomy, TICKETS, files)
    assert snapshot(tmp_path / "tight.duckdb") == snapshot(tmp_path / "roomy.duckdb")
    with tight() as con:
        assert con.execute("SELECT current_setting('memory_limit')").fetchone() == limit


def test_a_lake_on_another_filesystem_is_read_through_fsspec(tmp_path: Path) -> None:
    """A lake behind an fsspec URL (here ``memory://``; S3 and GCS go the same way): DuckDB reads the
    files through the lake's own filesystem, twice in one database without re-registering it."""
    lake = Lake(f"memory://{tmp_path.name}")
    directory = lake.day_dir(["raw", "zendesk", "tickets"], DAY1)
    lake.fs.makedirs(directory, exist_ok=True)
    with lake.fs.open(f"{directory}/part-a.parquet", "wb") as handle:
        pq.write_table(table([row(1, 1, "one"), row(2, 2, "two"), row(1, 3, "one again")]), handle)
    files = {DAY1: lake.files(["raw", "zendesk", "tickets"], [DAY1])}
    connect = connector(tmp_path / "w.duckdb")
    with connect():  # keeps the database open across both loads
        first = load_window(connect, TICKETS, files, lake.fs)
        again = load_window(connect, TICKETS, files, lake.fs)
    assert first is not None and first.days[DAY1] == DayCounts(rows_in=3, keys_in=2, inserted=2, matched=0)
    assert again is not None and again.days[DAY1] == DayCounts(rows_in=3, keys_in=2, inserted=0, matched=2)
    assert [(r[0], r[3]) for r in snapshot(tmp_path / "w.duckdb")[1]] == [(1, "one again"), (2, "two")]


def test_a_window_of_wide_rows_upserts_as_the_day_by_day_load_did(tmp_path: Path) -> None:
    """The window load's upsert is a ranked temporary table, an UPDATE of the stored keys it outranks
    and an INSERT of the others (not one INSERT ... ON CONFLICT, which held every row in memory past
    the limit). Tried: 12,000 versions of 4,000 tickets with 2 KB subjects over three days, half the
    keys stored before at an older version and one a newer one, ties on a day's version. The table
    and each day's counts must be those the day-by-day load leaves."""
    text = "".join(chr(0x0621 + i % 26) for i in range(1_000))  # Arabic letters: 2 bytes each in UTF-8
    days = [DAY1 + timedelta(days=i) for i in range(3)]
    files = {
        day: [
            write(tmp_path / "lake", day, "a", table([row(i, 24 * n + i % 7, f"{i} {n} {text}") for i in range(4_000)]))
        ]
        for n, day in enumerate(days)
    }
    stored = table([row(i, 0, "stored") for i in range(0, 4_000, 2)] + [row(1, 1_000, "stored, newer")])
    old, new = connector(tmp_path / "old.duckdb"), connector(tmp_path / "new.duckdb")
    for connect in (old, new):
        DuckDBExporter(connect).upsert(TICKETS, stored)
    expected = day_by_day(old, files)
    result = load_window(new, TICKETS, files)
    assert result is not None and result.days == expected
    assert snapshot(tmp_path / "new.duckdb") == snapshot(tmp_path / "old.duckdb")
    rows = {r[0]: r for r in snapshot(tmp_path / "new.duckdb")[1]}
    assert rows[1][3] == "stored, newer" and rows[2][3].startswith("2 2 ") and len(rows) == 4_000
