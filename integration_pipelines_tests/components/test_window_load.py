"""The warehouse step loads its whole window at once (issue #14, "warehouse loads as set operations").

End to end: the sandbox over HTTP, the lake, DuckDB. The tables must hold exactly the newest version
of every key the window's lake files hold, computed here in Python from the files (newest version,
then latest extraction, then raw record; NULL lowest; on a full tie the later file), and the ids the
sandbox world changed in the window. With hand-written lake files: keys updated on several days,
refused rows quarantined with exact counts per day, each day's own numbers, and a rerun that
inserts nothing and changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from dagster_duckdb import DuckDBResource

from integration_pipelines.components.ingest_assets import build_ingest_assets
from integration_pipelines.lib.lake import Lake, LakeResource
from integration_pipelines.lib.partitions import days_in_window, range_tags
from integration_pipelines.lib.records import arrow_schema, to_record_batch
from integration_pipelines.lib.warehouses.base import TableSpec
from integration_pipelines.sources.zendesk import SOURCE
from integration_pipelines.sources.zendesk.objects import TICKETS
from integration_pipelines_tests.defs.test_zendesk_assets import assert_tables_exact, day_window, run_sync
from integration_pipelines_tests.fixtures.pipeline import TABLES, pipeline_definitions
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

FIRST, LAST = "2026-10-27", "2026-10-31"
WAREHOUSE = dg.AssetKey(["warehouse", "zendesk", "tickets"])


def rank(row: dict[str, Any], ordering: tuple[str, ...]) -> tuple:
    return tuple((row.get(c) is not None, row.get(c)) for c in ordering)


def newest_in_lake(lake: Lake, obj_name: str, days: list[date]) -> dict[Any, dict[str, Any]]:
    """Per key, the row the table must hold: read from every lake file of the days, in Python."""
    obj = SOURCE.objects[obj_name]
    ordering = (obj.version_column, *TableSpec("x", "y", ("id",)).tie_breakers)
    best: dict[Any, dict[str, Any]] = {}
    for path in lake.files(["raw", "zendesk", obj_name], days):  # oldest day, then oldest file, first
        for row in pq.read_table(path, filesystem=lake.fs).to_pylist():
            key = row[obj.primary_key]
            if key is None or row[obj.version_column] is None:
                continue
            if key not in best or rank(row, ordering) >= rank(best[key], ordering):
                best[key] = row
    return best


def stored(home: Path, table: str) -> dict[Any, dict[str, Any]]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        cursor = con.execute(f'SELECT * EXCLUDE (_loaded_at) FROM zendesk."{table}"')
        names = [d[0] for d in cursor.description]
        return {values[0]: dict(zip(names, values, strict=True)) for values in cursor.fetchall()}


def assert_tables_hold_the_lakes_newest(home: Path) -> None:
    lake, days = Lake(str(home / "lake")), days_in_window(*day_window(FIRST, LAST))
    for table in TABLES:
        rows = stored(home, table)
        expected = newest_in_lake(lake, table, days)
        assert rows.keys() == expected.keys(), table
        columns = next(iter(rows.values())).keys()
        mismatched = [k for k, row in rows.items() if row != {c: expected[k].get(c) for c in columns}]
        assert not mismatched, f"{table}: {len(mismatched)} row(s) differ from the lake's newest, e.g. {mismatched[:3]}"


def test_a_window_pulled_twice_holds_exactly_the_newest_rows_and_a_reload_changes_nothing(
    sandbox: SandboxProcess, world: World, tmp_path: Path
) -> None:
    """Five days pulled, then the last two pulled again (two files each, later extraction times): every
    table holds, column for column, the newest row per key of the lake and exactly the world's ids.
    Loading the window again (no pull) inserts nothing, matches every key and changes no row."""
    defs = pipeline_definitions(sandbox, tmp_path)
    assert run_sync(defs, FIRST, LAST).success
    assert run_sync(defs, "2026-10-30", LAST).success
    assert_tables_exact(tmp_path, world, FIRST, LAST)
    assert_tables_hold_the_lakes_newest(tmp_path)
    before = {t: stored(tmp_path, t) for t in TABLES}

    warehouse = [dg.AssetKey(["warehouse", "zendesk", t]) for t in TABLES]
    reload = defs.resolve_job_def("zendesk_sync_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), tags=range_tags(FIRST, LAST), asset_selection=warehouse
    )
    assert reload.success
    assert {t: stored(tmp_path, t) for t in TABLES} == before
    for event in reload.get_asset_materialization_events():
        meta = {k: v.value for k, v in event.materialization.metadata.items()}
        table = event.materialization.asset_key.path[-1]
        assert meta["inserted"] == 0 and meta["window_inserted"] == 0, table
        assert meta["window_matched"] >= len(before[table]) > 0
        assert meta["table_rows"] == len(before[table])


# -- hand-written lake files ----------------------------------------------------------------------

D27, D28, D29 = date(2026, 10, 27), date(2026, 10, 28), date(2026, 10, 29)


def ticket(ticket_id: int | None, updated: str | None, subject: str) -> dict:
    return {"id": ticket_id, "created_at": "2026-10-01T08:00:00Z", "updated_at": updated, "subject": subject}


def write(lake_root: Path, day: date, name: str, records: list[dict]) -> None:
    batch = to_record_batch(records, TICKETS.columns, datetime(2026, 11, 1, tzinfo=UTC))
    directory = Path(Lake(str(lake_root)).day_dir(["raw", "zendesk", "tickets"], day))
    directory.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_batches([batch], schema=arrow_schema(TICKETS.columns))
    pq.write_table(table, directory / f"part-{name}.parquet")


def load(home: Path) -> dg.ExecuteInProcessResult:
    definitions = [d for d in build_ingest_assets(SOURCE, [TICKETS]) if WAREHOUSE in getattr(d, "keys", ())]
    return dg.materialize(
        definitions,
        selection=[WAREHOUSE],
        tags=range_tags(D27.isoformat(), D29.isoformat()),
        resources={
            "lake": LakeResource(url=str(home / "lake")),
            "duckdb": DuckDBResource(database=str(home / "warehouse.duckdb")),
        },
    )


def per_day(result: dg.ExecuteInProcessResult) -> dict[str, dict[str, Any]]:
    return {
        e.materialization.partition: {k: v.value for k, v in e.materialization.metadata.items()}
        for e in result.get_asset_materialization_events()
    }


def test_keys_updated_on_several_days_keep_the_newest_refused_rows_are_quarantined_per_day(tmp_path: Path) -> None:
    """Three days: ticket 1 changes every day (twice on the 29th, in two files), ticket 2 on the 27th
    and 29th, ticket 3 on the 28th; the 27th holds a row without id, the 28th one without
    updated_at. Each day's numbers are its own; the window's are their sums; a rerun inserts nothing."""
    lake = tmp_path / "lake"
    write(lake, D27, "a", [ticket(1, "2026-10-27T09:00:00Z", "1 on 27"), ticket(2, "2026-10-27T10:00:00Z", "2 on 27")])
    write(lake, D27, "b", [ticket(None, "2026-10-27T11:00:00Z", "no id")])
    write(lake, D28, "a", [ticket(1, "2026-10-28T09:00:00Z", "1 on 28"), ticket(3, "2026-10-28T10:00:00Z", "3 on 28")])
    write(lake, D28, "b", [ticket(4, None, "no version")])
    write(
        lake, D29, "a", [ticket(1, "2026-10-29T09:00:00Z", "1 on 29, newest"), ticket(2, "2026-10-29T12:00:00Z", "2")]
    )
    write(lake, D29, "b", [ticket(1, "2026-10-29T08:00:00Z", "1 on 29, older")])

    first = per_day(load(tmp_path))
    numbers = ("dagster/row_count", "rows_in", "inserted", "matched", "files_read", "quarantined")
    assert {day: tuple(meta[n] for n in numbers) for day, meta in first.items()} == {
        "2026-10-27": (0, 2, 2, 0, 2, 1),  # tickets 1 and 2 are newer on later days now
        "2026-10-28": (1, 2, 1, 1, 2, 1),  # ticket 3 new; ticket 1 already loaded (from the 27th)
        "2026-10-29": (2, 3, 0, 2, 2, 0),  # three rows, two keys, both already there
    }
    window = first["2026-10-29"]
    assert (window["window_rows_in"], window["window_inserted"], window["window_matched"]) == (7, 3, 3)
    assert (window["window_quarantined"], window["window_files_read"], window["table_rows"]) == (2, 6, 3)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        tickets = con.execute("SELECT id, subject FROM zendesk.tickets ORDER BY id").fetchall()
        quarantined = con.execute(
            "SELECT CAST(day AS VARCHAR), reason, stage FROM quarantine.records ORDER BY day"
        ).fetchall()
    assert tickets == [(1, "1 on 29, newest"), (2, "2"), (3, "3 on 28")]
    assert quarantined == [("2026-10-27", "null_key", "load"), ("2026-10-28", "null_version", "load")]

    again = per_day(load(tmp_path))
    assert [(m["inserted"], m["matched"], m["quarantined"]) for m in again.values()] == [
        (0, 2, 1),
        (0, 2, 1),
        (0, 2, 0),
    ]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT id, subject FROM zendesk.tickets ORDER BY id").fetchall() == tickets
        assert con.execute("SELECT count(*) FROM quarantine.records").fetchone() == (2,)
