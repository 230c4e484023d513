"""A load SIGKILLed half-way through, in a real process, then run again: the table is exactly what it
was before the killed load, and the rerun gives exactly what one clean load gives (DuckDB file, and
Redshift's flow on PostgreSQL + moto S3, where the kill lands while staged rows are being inserted)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import duckdb
import psycopg2
import pytest

from integration_pipelines_tests.fixtures.moto_s3 import MotoS3Server
from integration_pipelines_tests.fixtures.postgres import PostgresInfo

MODULE = "integration_pipelines_tests.lib.warehouses.load_in_subprocess"
BEFORE, AFTER = 1_000, 200_000  # rows of the first (clean) load and of the load that gets killed
AFTER_DUCKDB = 2_000_000  # DuckDB upserts ~0.5M rows/s: enough to land a kill inside the transaction


def start(*args: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", MODULE, *args], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "loading"
    return proc


def kill(proc: subprocess.Popen) -> None:
    assert proc.poll() is None, "the load finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def finish(*args: str) -> float:
    """Run a load to the end; returns how long its upsert took."""
    proc = subprocess.run([sys.executable, "-m", MODULE, *args], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.split()[:2] == ["loading", "done"], proc.stderr
    return float(proc.stdout.split()[2])


def test_duckdb_load_killed_mid_transaction(tmp_path: Path) -> None:
    """1,000 tickets at version 1; a load of 2,000,000 at version 2 is killed as soon as the database
    file starts growing (DuckDB writes the new row groups into the file before it commits): the file
    reopens with exactly the 1,000 version-1 rows; run again, 2,000,000 version-2 rows."""
    path = str(tmp_path / "target.duckdb")
    finish("duckdb", path, str(BEFORE), "1")
    size = os.path.getsize(path)
    proc = start("duckdb", path, str(AFTER_DUCKDB), "2")
    deadline = time.monotonic() + 120
    while os.path.getsize(path) == size:
        assert time.monotonic() < deadline and proc.poll() is None, "the load never started writing"
        time.sleep(0.005)
    kill(proc)
    with duckdb.connect(path) as con:
        assert con.execute("SELECT count(*), min(subject), max(subject) FROM zendesk.tickets").fetchone() == (
            BEFORE,
            "v1.0 ticket 1",
            "v1.0 ticket 999",
        )
    finish("duckdb", path, str(AFTER_DUCKDB), "2")
    with duckdb.connect(path) as con:
        assert (
            con.execute(
                "SELECT count(*), count(DISTINCT id), count(*) FILTER (WHERE subject LIKE 'v2.0 %') "
                "FROM zendesk.tickets"
            ).fetchone()
            == (AFTER_DUCKDB,) * 3
        )


def test_redshift_flow_load_killed_while_staging(postgres_database: PostgresInfo, moto_s3_server: MotoS3Server) -> None:
    """Same on PostgreSQL: the kill lands while the staged Parquet rows are inserted into the temp table
    (seen in pg_stat_activity). PostgreSQL rolls the transaction back: 1,000 version-1 rows, no staging
    table left; the rerun loads all 200,000 at version 2 and removes its staged object."""
    bucket = f"killed-{uuid.uuid4().hex[:12]}"
    s3 = moto_s3_server.client()
    s3.create_bucket(Bucket=bucket)
    args = (postgres_database.dsn, moto_s3_server.endpoint_url, bucket)
    finish("redshift", *args, str(BEFORE), "1")
    proc = start("redshift", *args, str(AFTER), "2")
    deadline = time.monotonic() + 60
    watcher = psycopg2.connect(postgres_database.dsn)
    watcher.autocommit = True  # and no `with watcher`: that opens a transaction, freezing pg_stat_activity
    try:
        with watcher.cursor() as cur:
            while True:
                cur.execute(
                    "SELECT query FROM pg_stat_activity WHERE application_name = 'killed-load' "
                    "AND query LIKE 'INSERT INTO \"stg\\_%%'"
                )
                if cur.fetchone():
                    break
                assert time.monotonic() < deadline and proc.poll() is None, "never saw the staging inserts"
                time.sleep(0.02)
    finally:
        watcher.close()
    kill(proc)

    def state() -> tuple:
        with psycopg2.connect(postgres_database.dsn) as con, con.cursor() as cur:
            cur.execute(
                "SELECT count(*), count(*) FILTER (WHERE subject LIKE 'v1.0 %%'), "
                "count(*) FILTER (WHERE subject LIKE 'v2.0 %%') FROM zendesk.tickets"
            )
            counts = cur.fetchone()
            cur.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'stg\\_%%'")
            return (*counts, cur.fetchone()[0])

    deadline = time.monotonic() + 30  # the server notices the dead client and rolls back
    while state()[3] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert state() == (BEFORE, BEFORE, 0, 0)
    finish("redshift", *args, str(AFTER), "2")
    assert state() == (AFTER, 0, AFTER, 0)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert len(keys) == 1  # the killed load's staged object is left (SIGKILL runs no cleanup); the rerun's is gone


pytestmark = pytest.mark.timeout(300)
