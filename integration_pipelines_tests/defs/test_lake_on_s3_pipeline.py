"""A real sync with the lake on S3: the code location as deployed (``dagster job execute``, the
multiprocess executor, so the raw step and the warehouse step run in different processes), its lake at
``s3://`` on a moto S3 server, configured by ``INTEGRATION_PIPELINES_LAKE_URL`` and AWS's own variables.

What must hold: the run succeeds, the lake lives only in the bucket (one part object per day, nothing
on local disk), the warehouse step of one process loads what the raw step of another wrote, and the
warehouse tables equal, row for row, those of the same sync with a local lake in one process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from benchmarks.main_job import operator_env, window_tags
from integration_pipelines.local_instance import ensure_local_instance
from integration_pipelines_tests.fixtures.moto_s3 import MotoS3Server
from integration_pipelines_tests.fixtures.pipeline import TABLES, VOLATILE_COLUMNS
from integration_pipelines_tests.lib.test_lake_s3 import s3_environment
from vendor_sandbox.process import SandboxProcess

DAYS = ("2026-10-30", "2026-10-31")
JOB = "zendesk_sync_job"


def run_sync(home: Path, sandbox_url: str, executor: str, extra_env: dict[str, str]) -> tuple[str, list[str]]:
    """``dagster job execute`` of the Zendesk sync for DAYS in a fresh ``home``; (run id, output tail)."""
    dagster_home = home / "dagster_home"
    ensure_local_instance(dagster_home)
    env = {k: v for k, v in operator_env(home, sandbox_url, executor).items() if not k.startswith("AWS_")}
    env.update(extra_env)  # the S3 run's AWS variables only: none of this shell's reach the local-lake run
    tags = window_tags(date.fromisoformat(DAYS[0]), date.fromisoformat(DAYS[-1]))
    command = [sys.executable, "-m", "dagster", "job", "execute", "-m", "integration_pipelines.definitions"]
    command += ["-a", "defs", "-j", JOB, "--tags", json.dumps(tags)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=home, timeout=300)
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        (run,) = instance.get_runs(limit=1)
        assert run.status == dg.DagsterRunStatus.SUCCESS, (done.stdout[-3000:], done.stderr[-3000:])
    return run.run_id, done.stderr.splitlines()[-20:]


def step_pids(home: Path, run_id: str) -> dict[str, int]:
    with dg.DagsterInstance.from_config(str(home / "dagster_home")) as instance:
        return {
            e.dagster_event.step_key: e.dagster_event.pid
            for e in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_START)
        }


def table_rows(path: Path, table: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = [r[0] for r in con.execute(f"describe zendesk.{table}").fetchall() if r[0] not in VOLATILE_COLUMNS]
        listed = ", ".join(f'"{n}"' for n in names)
        return con.execute(f"select {listed} from zendesk.{table} order by all").fetchall()


@pytest.mark.slow
def test_a_sync_with_its_lake_on_s3_lands_what_a_local_lake_lands(
    sandbox: SandboxProcess, moto_s3_server: MotoS3Server, tmp_path: Path
) -> None:
    bucket = f"lake-{uuid.uuid4().hex[:12]}"
    moto_s3_server.client().create_bucket(Bucket=bucket)
    on_s3, local = tmp_path / "on_s3", tmp_path / "local"
    s3_env = {**s3_environment(moto_s3_server.endpoint_url), "INTEGRATION_PIPELINES_LAKE_URL": f"s3://{bucket}/lake"}

    run_id, _ = run_sync(on_s3, sandbox.url, "multiprocess", s3_env)
    run_sync(local, sandbox.url, "in_process", {})

    pids = step_pids(on_s3, run_id)
    assert pids["raw_zendesk"] != pids["warehouse_zendesk"], pids  # written by one process, read by another
    assert not (on_s3 / "lake").exists()  # the lake is in the bucket only
    listed = moto_s3_server.client().list_objects_v2(Bucket=bucket, Prefix="lake/raw/zendesk/tickets/")
    keys = [o["Key"] for o in listed.get("Contents", [])]
    assert sorted(k.split("/")[-2] for k in keys) == [f"day={d}" for d in DAYS], keys
    assert all(k.rsplit("/", 1)[-1].startswith("part-") for k in keys)

    for table in TABLES:
        remote, here = table_rows(on_s3 / "warehouse.duckdb", table), table_rows(local / "warehouse.duckdb", table)
        assert len(remote) == len(here) > 0, table
        assert remote == here, table
