"""Export throughput: rows/s of each exporter's upsert against the same engine's own bulk load.

Run from the repo root:  ``python -m benchmarks.exports [--rows 200000] [--engines duckdb,snowflake]``
(Redshift and BigQuery need servers this command does not start; their exporters take the same
Arrow table, so an engine is one more function here once a server is at hand.)

For each engine, on the same Arrow table of ticket-shaped rows (ids, timestamps, Arabic and English
text, a JSON ``_raw``): the baseline is the engine's plain bulk load into an empty table (DuckDB:
``CREATE TABLE AS SELECT`` from Arrow; Snowflake: ``write_pandas``), then the exporter's first load
(everything new) and a second load of the same rows (everything matched, nothing changes). Ratios
are exporter / baseline; the gap is what keyed upserts, deduplication and schema checks cost.
Each measurement is the best of ``--repeat`` runs on a fresh database.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

from benchmarks.figures import Figure, record
from integration_pipelines.lib.records import TIMESTAMP
from integration_pipelines.lib.warehouses.base import TableSpec

TICKETS = TableSpec("bench", "tickets", ("id",))
TEXTS = (
    "الطلب لم يصل حتى الآن، أرجو المساعدة",
    "Thanks, the refund arrived today!",
    "ممكن تغيير العنوان؟",
    "App crashes when I open my invoices",
    "الخدمة ممتازة والموظف كان متعاون جداً",
)


def tickets(rows: int) -> pa.Table:
    t0, extracted = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 5, tzinfo=UTC)
    ids = list(range(1, rows + 1))
    subjects = [TEXTS[i % len(TEXTS)] for i in ids]
    return pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "updated_at": pa.array([t0 + timedelta(seconds=i) for i in ids], TIMESTAMP),
            "is_deleted": pa.array([i % 50 == 0 for i in ids], pa.bool_()),
            "subject": pa.array(subjects, pa.string()),
            "_extracted_at": pa.array([extracted] * rows, TIMESTAMP),
            "_raw": pa.array(
                [json.dumps({"id": i, "subject": s}, ensure_ascii=False) for i, s in zip(ids, subjects, strict=True)],
                pa.string(),
            ),
        }
    )


def best_of(repeat: int, fresh: Callable[[], Any], work: Callable[[Any], object]) -> float:
    """Seconds of the fastest of ``repeat`` runs of ``work(state)``, each on ``fresh()`` state."""
    best = float("inf")
    for _ in range(repeat):
        state = fresh()
        start = time.perf_counter()
        work(state)
        best = min(best, time.perf_counter() - start)
    return best


def duckdb_engine(data: pa.Table, repeat: int) -> dict[str, float]:
    import duckdb

    from integration_pipelines.lib.warehouses.duckdb import DuckDBExporter

    folder = Path(tempfile.mkdtemp(prefix="bench-duckdb-"))
    counter = iter(range(10**6))

    def fresh() -> Callable[[], Any]:
        path = folder / f"db{next(counter)}.duckdb"

        @contextmanager
        def connect() -> Iterator[duckdb.DuckDBPyConnection]:
            con = duckdb.connect(str(path))
            try:
                yield con
            finally:
                con.close()

        return connect

    def bulk(connect: Callable) -> None:
        with connect() as con:
            con.register("incoming", data)
            con.execute("CREATE SCHEMA bench; CREATE TABLE bench.tickets AS SELECT * FROM incoming")

    def first(connect: Callable) -> None:
        DuckDBExporter(connect).upsert(TICKETS, data)

    def loaded() -> Callable:
        connect = fresh()
        first(connect)
        return connect

    return {
        "bulk load": best_of(repeat, fresh, bulk),
        "exporter, first load": best_of(repeat, fresh, first),
        "exporter, same rows again": best_of(repeat, loaded, first),
    }


def snowflake_engine(data: pa.Table, repeat: int) -> dict[str, float]:
    import fakesnow
    import pandas as pd
    import snowflake.connector
    import snowflake.connector.pandas_tools

    from integration_pipelines.lib.warehouses.snowflake import SnowflakeExporter

    counter = iter(range(10**6))

    def fresh() -> Callable[[], Any]:
        database = f"BENCH{next(counter)}"

        @contextmanager
        def connect() -> Iterator[Any]:
            con = snowflake.connector.connect(database=database, schema="PUBLIC")
            try:
                yield con
            finally:
                con.close()

        return connect

    def bulk(connect: Callable) -> None:
        with connect() as con:
            con.cursor().execute('CREATE SCHEMA "bench"')
            con.cursor().execute('USE SCHEMA "bench"')
            snowflake.connector.pandas_tools.write_pandas(
                con,
                data.to_pandas(types_mapper=pd.ArrowDtype),
                "tickets",
                auto_create_table=True,
                quote_identifiers=True,
                use_logical_type=True,
            )

    def first(connect: Callable) -> None:
        SnowflakeExporter(connect).upsert(TICKETS, data)

    def loaded() -> Callable:
        connect = fresh()
        first(connect)
        return connect

    with fakesnow.patch():
        return {
            "bulk load (write_pandas)": best_of(repeat, fresh, bulk),
            "exporter, first load": best_of(repeat, fresh, first),
            "exporter, same rows again": best_of(repeat, loaded, first),
        }


ENGINES = {"duckdb": duckdb_engine, "snowflake": snowflake_engine}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engines", default="duckdb,snowflake", help=f"comma-separated, from {sorted(ENGINES)}")
    args = parser.parse_args(argv)
    data = tickets(args.rows)
    print(f"{args.rows:,} ticket rows, {data.nbytes / 1e6:.0f} MB in Arrow; best of {args.repeat} runs each")
    for engine in (e.strip() for e in args.engines.split(",") if e.strip()):
        timings = ENGINES[engine](data, args.repeat)
        baseline = next(iter(timings.values()))
        print(
            f"\n{engine} (on this machine; fakesnow is DuckDB underneath, so Snowflake numbers show the "
            "exporter's overhead, not Snowflake's speed)"
            if engine == "snowflake"
            else f"\n{engine}"
        )
        for name, seconds in timings.items():
            print(f"  {name:<28} {args.rows / seconds:>12,.0f} rows/s   {baseline / seconds:>5.2f}x baseline")
        base_name, base_seconds = next(iter(timings.items()))
        for name, seconds in list(timings.items())[1:]:
            record(
                Figure(
                    "export",
                    f"{engine}: {name}, {args.rows:,} rows",
                    args.rows / seconds,
                    "rows/s",
                    args.rows / base_seconds,
                    base_name,
                    benchmark="exports",
                )
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
