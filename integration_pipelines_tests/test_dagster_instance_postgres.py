"""The production dagster.yaml really stores runs and events in PostgreSQL.

Why: a typo in dagster.yaml (or the psycopg2/psycopg3 scheme trap) only shows up
when Dagster talks to a real server, so we materialize against one and read the
rows back with plain SQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import psycopg2
import pytest
from dagster_postgres import (
    PostgresEventLogStorage,
    PostgresRunStorage,
    PostgresScheduleStorage,
)

from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions
from integration_pipelines_tests.fixtures.postgres import PostgresInfo, production_instance
from vendor_sandbox.process import SandboxProcess

PARTITION_KEY = "2026-10-30"  # a day inside the test sandbox's world


@pytest.fixture
def instance(
    postgres_database: PostgresInfo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[dg.DagsterInstance]:
    """Instance built from the repo's dagster.yaml, pointed at a fresh database."""
    home = production_instance(tmp_path / "dagster_home", postgres_database, monkeypatch)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.from_config(str(home)) as inst:
        yield inst


def test_materialization_lands_in_postgres(
    instance: dg.DagsterInstance,
    postgres_database: PostgresInfo,
    sandbox: SandboxProcess,
    tmp_path: Path,
) -> None:
    assert isinstance(instance.run_storage, PostgresRunStorage)
    assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
    assert isinstance(instance.schedule_storage, PostgresScheduleStorage)

    job = pipeline_definitions(sandbox, tmp_path / "data").resolve_job_def("zendesk_sync_job")
    result = job.execute_in_process(instance=instance, partition_key=PARTITION_KEY)
    assert result.success
    asset_key = dg.AssetKey(["raw", "zendesk", "tickets"])

    with psycopg2.connect(postgres_database.dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT status FROM runs WHERE run_id = %s", (result.run_id,))
        assert cur.fetchall() == [("SUCCESS",)]
        cur.execute(
            "SELECT asset_key, count(*) FROM event_logs WHERE run_id = %s"
            " AND dagster_event_type = 'ASSET_MATERIALIZATION' AND partition = %s GROUP BY asset_key",
            (result.run_id, PARTITION_KEY),
        )
        counts = dict(cur.fetchall())
        cur.execute("SELECT count(*) FROM event_logs WHERE run_id = %s", (result.run_id,))
        assert cur.fetchone()[0] > 20  # the whole run's event stream, not just materializations
    conn.close()
    assert counts == {
        dg.AssetKey([layer, "zendesk", obj]).to_string(): 1
        for layer in ("raw", "warehouse")
        for obj in ("tickets", "users", "organizations", "ticket_comments")
    }

    latest = instance.get_latest_materialization_event(asset_key)
    assert latest is not None
    assert latest.run_id == result.run_id
    assert latest.asset_materialization is not None
    assert latest.asset_materialization.partition == PARTITION_KEY
    assert latest.asset_materialization.metadata["window_requests"].value >= 1


def test_pools_allow_one_step_at_a_time_and_ten_runs(instance: dg.DagsterInstance) -> None:
    """The production instance queues runs (10 at once) and lets one step per pool run at a time:
    one sync per vendor account, one export per warehouse."""
    config = instance.get_concurrency_config()
    assert config.pool_config.default_pool_limit == 1
    assert config.run_queue_config is not None and config.run_queue_config.max_concurrent_runs == 10
