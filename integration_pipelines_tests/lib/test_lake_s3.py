"""The lake on object storage: the same contract as on a local folder, on a real S3 API (a moto server
process) through s3fs, configured only by AWS's own environment variables.

What differs from a folder and is pinned here: S3 has no empty folders (a new day has nothing to
list until its first object), no rename (commit is copy + delete, each object appearing whole), and
listings that s3fs caches per process (a reader must still see what another process committed since).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

import duckdb
import pytest

from integration_pipelines.lib import lake as lake_module
from integration_pipelines.lib.lake import Lake
from integration_pipelines.lib.warehouses.base import TableSpec
from integration_pipelines.lib.warehouses.duckdb_window import load_window
from integration_pipelines_tests.fixtures.moto_s3 import CREDENTIALS, MotoS3Server
from integration_pipelines_tests.lib.test_lake import ASSET, DAYS, SCHEMA, batch, three_day_batches


def s3_environment(endpoint_url: str) -> dict[str, str]:
    """What a deployment sets for a lake on S3: AWS's standard variables, nothing of ours."""
    return {
        "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
        "AWS_DEFAULT_REGION": CREDENTIALS["region_name"],
        "AWS_ENDPOINT_URL_S3": endpoint_url,
    }


@pytest.fixture
def bucket(moto_s3_server: MotoS3Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh bucket, and the process environment pointing s3fs at the moto server."""
    for name, value in s3_environment(moto_s3_server.endpoint_url).items():
        monkeypatch.setenv(name, value)
    name = f"lake-{uuid.uuid4().hex[:12]}"
    moto_s3_server.client().create_bucket(Bucket=name)
    yield name


def objects(server: MotoS3Server, bucket: str) -> list[str]:
    listed = server.client().list_objects_v2(Bucket=bucket).get("Contents", [])
    return sorted(o["Key"] for o in listed)


def test_one_object_per_utc_day_and_nothing_visible_before_commit(moto_s3_server: MotoS3Server, bucket: str) -> None:
    """Two batches over three UTC days on s3://: before commit no reader sees a file (whatever is
    uploaded so far is a hidden .tmp object); after commit exactly three part objects, 5 + 6 + 7 rows,
    the 18 ids, no .tmp left."""
    lake = Lake(f"s3://{bucket}/lake")
    writer = lake.writer(ASSET, SCHEMA, run_id="run-a", day_column="updated_at")
    for b in three_day_batches():
        writer.write(b)
    writer.write(batch([]))
    assert all(key.rsplit("/", 1)[-1].startswith(".part-") for key in objects(moto_s3_server, bucket))
    assert lake.files(ASSET, DAYS) == []

    published = writer.commit()
    assert writer.rows_by_day == {DAYS[0]: 5, DAYS[1]: 6, DAYS[2]: 7}
    keys = objects(moto_s3_server, bucket)
    assert len(keys) == 3 and all("/day=" in k and k.rsplit("/", 1)[-1].startswith("part-") for k in keys)
    assert lake.files(ASSET, DAYS) == published
    assert sorted(lake.read(published).column("id").to_pylist()) == list(range(1, 19))
    sizes = moto_s3_server.client().list_objects_v2(Bucket=bucket)["Contents"]
    assert writer.bytes_written == sum(o["Size"] for o in sizes)
    assert lake.days(ASSET) == DAYS


def test_abort_leaves_no_object(moto_s3_server: MotoS3Server, bucket: str) -> None:
    """abort() after writing three days leaves the bucket empty."""
    lake = Lake(f"s3://{bucket}/lake")
    writer = lake.writer(ASSET, SCHEMA, run_id="run-a", day_column="updated_at")
    for b in three_day_batches():
        writer.write(b)
    writer.abort()
    assert objects(moto_s3_server, bucket) == []
    assert lake.files(ASSET, DAYS) == []


@contextmanager
def _kept_open(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """The connection as ``load_window``'s ``connect()`` yields it, left open for the test's queries."""
    yield con


@pytest.mark.slow
def test_a_reader_sees_what_another_process_committed_after_it_listed(
    moto_s3_server: MotoS3Server, bucket: str
) -> None:
    """A reader lists the days (empty, and s3fs caches that listing), then another process commits
    three files, as a raw step on one worker does before the warehouse step on another: the reader's
    next listing must show them, and DuckDB must load all 18 rows from S3."""
    url = f"s3://{bucket}/lake"
    reader = Lake(url)
    assert reader.files(ASSET, DAYS) == [] and reader.days(ASSET) == []
    script = textwrap.dedent(
        f"""
        from integration_pipelines.lib.lake import Lake
        from integration_pipelines_tests.lib.test_lake import ASSET, SCHEMA, three_day_batches
        writer = Lake({url!r}).writer(ASSET, SCHEMA, run_id="other", day_column="updated_at")
        for b in three_day_batches():
            writer.write(b)
        print(len(writer.commit()))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "3", done.stderr[-2000:]

    assert len(reader.files(ASSET, DAYS)) == 3 and reader.days(ASSET) == DAYS
    spec = TableSpec("zendesk", "tickets", ("id",), tie_breakers=())
    with duckdb.connect() as con:
        files = {day: reader.files(ASSET, [day]) for day in DAYS}
        result = load_window(lambda: _kept_open(con), spec, files, reader.fs)
        assert result is not None
        assert con.execute("select count(*), count(distinct id) from zendesk.tickets").fetchone() == (18, 18)


def test_stale_tmp_objects_go_when_a_writer_opens_the_day(
    moto_s3_server: MotoS3Server, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run killed before commit leaves a .tmp object; S3 gives its age as LastModified (not mtime).
    Seen at once by a writer opening that day it is kept (it may be a live run's); seen two hours
    later it is removed."""
    lake = Lake(f"s3://{bucket}/lake")
    killed = lake.writer(ASSET, SCHEMA, run_id="killed", day_column="updated_at")
    killed.write(batch([(1, datetime(2026, 10, 30, 12, tzinfo=UTC))]))
    for writer, handle, _ in killed._writers.values():  # the upload finished, the process died before the rename
        writer.close()
        handle.close()
    (debris,) = objects(moto_s3_server, bucket)
    assert debris.endswith(".tmp")

    lake.writer(ASSET, SCHEMA, run_id="live", day_column="updated_at").write(
        batch([(2, datetime(2026, 10, 30, 13, tzinfo=UTC))])
    )
    assert debris in objects(moto_s3_server, bucket)

    later = lake_module.time.time() + 2 * 3600
    monkeypatch.setattr(lake_module.time, "time", lambda: later)
    late = lake.writer(ASSET, SCHEMA, run_id="late", day_column="updated_at")
    late.write(batch([(3, datetime(2026, 10, 30, 14, tzinfo=UTC))]))
    assert debris not in objects(moto_s3_server, bucket)
    (published,) = late.commit()
    assert lake.files(ASSET, [date(2026, 10, 30)]) == [published]
