"""Warehouse loads: rows/s and peak memory of the window load against the day-by-day load it replaced.

Run from the repo root:  ``python -m benchmarks.warehouse_load [--tickets 100000,1000000] [--days 31]``

The lake is synthetic Zendesk tickets (the real ``TICKETS`` columns, Arabic and English subjects, a
JSON ``_raw`` of about 330 bytes), one Parquet file per UTC day of ``updated_at`` over ``--days``
days: every ticket has a first version on a random day, ``--updated`` of them a second on the same
or a later day (so a window holds keys updated on several days, and some twice on one day), and
``--refused`` rows have no id (they go to the quarantine).

Baseline: the day-by-day load as it was before (kept below): per day, the day's files read into
Arrow, the refused rows split off in Python and stored, then ``DuckDBExporter.upsert`` as it was
(staging from Arrow, five count queries, two of them over the whole table). New:
``duckdb_window.load_window`` (DuckDB reads the window's files itself, one transaction) and
``quarantine.divert_window``, with the default DuckDB memory limit and without one. Each variant
runs in its own process on a fresh DuckDB file, so its peak RSS is its own: ``VmHWM``, reset to the
current RSS just before the load (Linux ``/proc/self/clear_refs``) and read after it, beside the RSS
before the load. The tables must be identical (every column but
``_loaded_at``, checked with an order-independent hash) and so must the per-day counts; ratios are
variant / baseline (rows/s: higher is better; RSS: lower is better).
"""

from __future__ import annotations

import argparse
import functools
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.figures import Figure, record
from integration_pipelines.lib.lake import Lake
from integration_pipelines.lib.records import arrow_schema
from integration_pipelines.sources.zendesk.objects import TICKETS

ASSET = ("raw", "zendesk", "tickets")
START = datetime(2026, 10, 1, tzinfo=UTC)
VARIANTS = {
    "old": "day by day (baseline)",
    "new": "window, memory_limit 192MB (default)",
    "new_unlimited": "window, no memory limit",
}
SUBJECTS = ("الطلب لم يصل حتى الآن، أرجو المساعدة", "Thanks, the refund arrived today!", "ممكن تغيير العنوان؟")
STATUSES = ("new", "open", "pending", "solved", "closed")


def write_lake(root: Path, tickets: int, days: int, updated: float, refused: int, seed: int = 7) -> int:
    """One file per day; returns the rows written."""
    rng = np.random.default_rng(seed)
    first = rng.integers(0, days, tickets)
    again = rng.random(tickets) < updated
    second = first + (rng.random(tickets) * (days - first)).astype(np.int64)
    ids = np.concatenate([np.arange(1, tickets + 1), np.arange(1, tickets + 1)[again]])
    day = np.concatenate([first, second[again]])
    seconds = day * 86_400 + rng.integers(0, 86_400, len(ids))
    lake, schema, total = Lake(str(root)), arrow_schema(TICKETS.columns), 0
    for d in range(days):
        pick = np.flatnonzero(day == d)
        rows = _tickets(ids[pick], seconds[pick], schema)
        if d == days // 2 and refused:  # rows the table refuses, in the middle of the window
            rows = pa.concat_tables([rows, _tickets(np.zeros(refused, np.int64), seconds[pick[:refused]], schema)])
            rows = rows.set_column(0, "id", pa.array([*ids[pick], *([None] * refused)], pa.int64()))
        directory = Path(lake.day_dir(ASSET, (START + timedelta(days=d)).date()))
        directory.mkdir(parents=True)
        pq.write_table(rows, directory / "part-20261101T000000-bench.parquet", compression="zstd")
        total += rows.num_rows
    return total


def _tickets(ids: np.ndarray, seconds: np.ndarray, schema: pa.Schema) -> pa.Table:
    updated = [START + timedelta(seconds=int(s)) for s in seconds]
    subjects = [SUBJECTS[i % 3] for i in ids.tolist()]
    statuses = [STATUSES[(i + s) % 5] for i, s in zip(ids.tolist(), seconds.tolist(), strict=True)]
    raw = [
        json.dumps(
            {"id": i, "subject": sub, "status": st, "updated_at": u.isoformat(), "via": {"channel": "email"}},
            ensure_ascii=False,
        )
        for i, sub, st, u in zip(ids.tolist(), subjects, statuses, updated, strict=True)
    ]
    n = len(ids)
    columns = {name: pa.nulls(n, schema.field(name).type) for name in schema.names}
    columns.update(
        id=pa.array(ids, pa.int64()),
        created_at=pa.array([START] * n, schema.field("created_at").type),
        updated_at=pa.array(updated, schema.field("updated_at").type),
        subject=pa.array(subjects),
        status=pa.array(statuses),
        channel=pa.array(["email"] * n),
        requester_id=pa.array(ids % 997, pa.int64()),
        is_deleted=pa.array(ids % 50 == 0),
        _raw=pa.array(raw),
        _extracted_at=pa.array([START + timedelta(days=40)] * n, schema.field("_extracted_at").type),
    )
    return pa.table(columns, schema=schema)


# -- the two variants, each run in its own process ------------------------------------------------


def run_variant(variant: str, lake_root: str, database: str, days: int) -> dict[str, object]:
    from contextlib import contextmanager

    # both variants import the same modules before the first RSS reading
    import integration_pipelines.components.quarantine  # noqa: F401
    import integration_pipelines.lib.warehouses.duckdb_window  # noqa: F401
    from integration_pipelines.components.asset_keys import table_spec

    @contextmanager
    def connect():
        with duckdb.connect(database) as con:
            yield con

    lake, spec = Lake(lake_root), table_spec("zendesk", TICKETS)
    window = [(START + timedelta(days=d)).date() for d in range(days)]
    files_by_day = {day: lake.files(ASSET, [day]) for day in window}
    rss_before = _status_kib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM back to the current RSS (ru_maxrss keeps the parent's)
    began = time.perf_counter()
    load = _old if variant == "old" else functools.partial(_new, limited=variant == "new")
    per_day = load(lake, connect, spec, window, files_by_day)
    seconds = time.perf_counter() - began
    return {
        "seconds": seconds,
        "rss_before_kb": rss_before,
        "peak_rss_kb": _status_kib("VmHWM"),
        "per_day": {day.isoformat(): numbers for day, numbers in per_day.items()},
    }


def _status_kib(field: str) -> int:
    """A memory figure of this process from /proc/self/status (Linux), in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise KeyError(field)


def _new(lake, connect, spec, window, files_by_day, limited: bool) -> dict[date, list[int]]:
    from integration_pipelines.components.quarantine import divert_window
    from integration_pipelines.lib.warehouses.duckdb_window import MEMORY_LIMIT, DayCounts, load_window

    loaded = load_window(connect, spec, files_by_day, lake.fs, MEMORY_LIMIT if limited else None)
    refused = {day: files_by_day[day] for day, n in loaded.days.items() if n.refused}
    diverted = divert_window(lake, connect, spec, "zendesk", TICKETS, window, refused, "bench")
    counts = {day: loaded.days.get(day, DayCounts()) for day in window}
    return {day: [c.rows_in, c.inserted, c.matched, diverted.get(day, 0)] for day, c in counts.items()}


def _old(lake, connect, spec, window, files_by_day) -> dict[date, list[int]]:
    """The day-by-day load as the warehouse step ran it before the window load (now ``load_object``)."""
    from integration_pipelines.lib import quarantine

    per_day = {}
    for day in window:
        data = lake.read(files_by_day[day])
        good, rejects = quarantine.split_table(data, spec.primary_key, spec.version_column)
        diverted = quarantine.to_batch(
            rejects,
            source="zendesk",
            obj="tickets",
            day_of=lambda _, day=day: day,
            stage="load",
            run_id="bench",
            seen_at=datetime.now(UTC),
        )
        pulled = lake.read(lake.files(quarantine.lake_path("zendesk", "tickets"), [day]), quarantine.SCHEMA)
        quarantine.store(connect, pa.concat_tables([pa.Table.from_batches([diverted]), pulled]))
        numbers = [0, 0, 0, len(rejects)]
        if files_by_day[day]:
            rows_in, inserted, matched = _old_upsert(connect, spec, good)
            numbers[:3] = [rows_in, inserted, matched]
        per_day[day] = numbers
    return per_day


def _old_upsert(connect, table, data: pa.Table) -> tuple[int, int, int]:
    """``DuckDBExporter.upsert`` before the window load (schema evolution left out: one schema here)."""
    from integration_pipelines.lib.warehouses.base import LOADED_AT_COLUMN, newer_or_equal, quote_ident
    from integration_pipelines.lib.warehouses.duckdb import duckdb_type

    target = f"{quote_ident(table.schema)}.{quote_ident(table.name)}"
    keys = ", ".join(quote_ident(k) for k in table.primary_key)
    ordering = [c for c in (table.version_column, *table.tie_breakers) if c in data.column_names]
    order = ", ".join(f"{quote_ident(c)} DESC NULLS LAST" for c in ordering)
    with connect() as con:
        con.execute("BEGIN TRANSACTION")
        con.register("incoming", data)
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(table.schema)}")
        columns_ddl = [f"{quote_ident(f.name)} {duckdb_type(f.type)}" for f in data.schema]
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {target} ({', '.join(columns_ddl)}, "
            f"{quote_ident(LOADED_AT_COLUMN)} TIMESTAMPTZ, PRIMARY KEY ({keys}))"
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE staging AS SELECT * FROM incoming "
            f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY {order}) = 1"
        )
        before = con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]
        existing = con.execute(f"SELECT count(*) FROM staging s JOIN {target} t USING ({keys})").fetchone()[0]
        columns = [quote_ident(c) for c in data.column_names]
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c.strip('"') not in table.primary_key)
        loaded = quote_ident(LOADED_AT_COLUMN)
        con.execute(
            f"INSERT INTO {target} ({', '.join(columns)}, {loaded}) SELECT {', '.join(columns)}, now() FROM staging "
            f"ON CONFLICT ({keys}) DO UPDATE SET {updates}, {loaded} = excluded.{loaded} "
            f"WHERE {newer_or_equal(ordering, 'excluded', target)}"
        )
        con.execute("SELECT count(*) FROM staging").fetchone()
        after = con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]
        con.execute(f"SELECT count(*) FROM {target} WHERE is_deleted").fetchone()
        con.execute("DROP TABLE staging")
        con.unregister("incoming")
        con.execute("COMMIT")
    return data.num_rows, after - before, existing


def table_digest(database: str) -> tuple[int, int, int]:
    """(rows, distinct ids, order-independent hash of every column but _loaded_at) of the table and
    the quarantine."""
    with duckdb.connect(database, read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'zendesk' "
                "AND table_name = 'tickets' AND column_name <> '_loaded_at' ORDER BY ordinal_position"
            ).fetchall()
        ]
        columns = ", ".join(f'"{n}"' for n in names)
        rows, ids, digest = con.execute(
            f"SELECT count(*), count(DISTINCT id), sum(hash({columns})::HUGEINT) FROM zendesk.tickets"
        ).fetchone()
        quarantined = con.execute("SELECT sum(hash(id, day, reason, payload)::HUGEINT) FROM quarantine.records")
        return rows, ids, hash((digest, quarantined.fetchone()[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", default="100000,1000000", help="comma-separated ticket counts")
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--updated", type=float, default=0.3, help="share of tickets with a second version")
    parser.add_argument("--refused", type=int, default=5, help="rows without an id (quarantined)")
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument("--lake", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:  # a child: one load, its figures as JSON
        print(json.dumps(run_variant(args.variant, args.lake, args.database, args.days)))
        return
    for tickets in (int(n) for n in args.tickets.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            rows = write_lake(Path(tmp) / "lake", tickets, args.days, args.updated, args.refused)
            size = sum(f.stat().st_size for f in (Path(tmp) / "lake").rglob("*.parquet"))
            print(f"\n{tickets:,} tickets, {rows:,} rows over {args.days} days, {size / 1e6:.0f} MB of Parquet")
            results, digests = {}, {}
            for variant in VARIANTS:
                database = str(Path(tmp) / f"{variant}.duckdb")
                out = subprocess.run(
                    [sys.executable, "-m", "benchmarks.warehouse_load", "--variant", variant, "--lake",
                     str(Path(tmp) / "lake"), "--database", database, "--days", str(args.days)],
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                results[variant] = json.loads(out.stdout.strip().splitlines()[-1])
                digests[variant] = table_digest(database)
            old = results["old"]
            for variant, label in VARIANTS.items():
                r = results[variant]
                grew = (r["peak_rss_kb"] - r["rss_before_kb"]) / 1024
                print(
                    f"  {label:34} {rows / r['seconds']:>9,.0f} rows/s {r['seconds']:6.1f} s  "
                    f"peak RSS {r['peak_rss_kb'] / 1024:5.0f} MB (+{grew:4.0f} MB in the load)  "
                    f"{old['seconds'] / r['seconds']:5.2f}x rows/s {r['peak_rss_kb'] / old['peak_rss_kb']:5.2f}x RSS"
                )
            new = results["new"]
            record(
                Figure("memory", f"warehouse window load, {tickets:,} tickets: peak RSS", new["peak_rss_kb"] / 1024,
                       "MB", old["peak_rss_kb"] / 1024, "day-by-day load", better="lower",
                       benchmark="warehouse_load")
            )  # fmt: skip
            record(
                Figure("other", f"warehouse window load, {tickets:,} tickets", rows / new["seconds"], "rows/s",
                       rows / old["seconds"], "day-by-day load", benchmark="warehouse_load")
            )  # fmt: skip
            same_tables = len({digests[v] for v in VARIANTS}) == 1
            same_counts = all(results[v]["per_day"] == old["per_day"] for v in VARIANTS)
            print(
                f"  table rows {digests['new'][0]:,}; identical tables: {same_tables}, "
                f"identical per-day counts: {same_counts}"
            )


if __name__ == "__main__":
    main()
