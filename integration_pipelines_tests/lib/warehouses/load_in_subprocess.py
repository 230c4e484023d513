"""A load run in its own process so a test can SIGKILL it mid-way: ``python -m`` this module with
``duckdb PATH ROWS VERSION`` or ``redshift DSN S3_ENDPOINT BUCKET ROWS VERSION``. Prints ``loading``
just before the upsert starts and ``done SECONDS`` (the upsert's duration) after it commits."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from integration_pipelines_tests.lib.warehouses.samples import TICKETS, row, table


def tickets(rows: int, version: float) -> pa.Table:
    """``rows`` tickets at one version, built column-wise (millions of rows in a second or two)."""
    template = table([row(1, version)])
    ids = pa.array(range(1, rows + 1), pa.int64())
    subjects = pc.binary_join_element_wise(f"v{version} ticket", pc.cast(ids, pa.string()), " ")
    columns = {name: pa.repeat(template.column(name)[0], rows) for name in template.column_names}
    columns.update(id=ids, subject=subjects)
    return pa.table(columns, schema=template.schema)


def main(argv: list[str]) -> None:
    engine, *args = argv
    if engine == "duckdb":
        import duckdb

        from integration_pipelines.lib.warehouses.duckdb import DuckDBExporter

        path, rows, version = args[0], int(args[1]), float(args[2])

        @contextmanager
        def connect() -> Iterator[Any]:
            con = duckdb.connect(path)
            try:
                yield con
            finally:
                con.close()

        exporter: Any = DuckDBExporter(connect)
    else:
        import boto3
        import psycopg2

        from integration_pipelines.lib.warehouses.redshift import RedshiftExporter
        from integration_pipelines.lib.warehouses.redshift_loading import PostgresTestLoader
        from integration_pipelines_tests.fixtures.moto_s3 import CREDENTIALS

        dsn, endpoint, bucket, rows, version = args[0], args[1], args[2], int(args[3]), float(args[4])
        s3 = boto3.client("s3", endpoint_url=endpoint, **CREDENTIALS)

        @contextmanager
        def connect() -> Iterator[Any]:
            con = psycopg2.connect(dsn, application_name="killed-load")
            try:
                yield con
            finally:
                con.close()

        exporter = RedshiftExporter(connect, s3, bucket, "staging", PostgresTestLoader(s3, page_size=100))
    data = tickets(rows, version)
    print("loading", flush=True)
    began = time.monotonic()
    exporter.upsert(TICKETS, data)
    print(f"done {time.monotonic() - began:.3f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
