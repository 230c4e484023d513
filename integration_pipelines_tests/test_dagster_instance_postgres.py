"""The production dagster.yaml really stores runs and events in PostgreSQL.

Why: a typo in dagster.yaml (or the psycopg2/psycopg3 scheme trap) only shows up
when Dagster talks to a real server, so we materialize against one and read the
rows back with plain SQL.
"""

from __future__ import annotations

import shutil
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

from integration_pipelines_tests.fixtures.postgres import (  # noqa: F401
    PostgresInfo,
    postgres_database,
    postgres_server,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
PARTITION_KEY = "2024-01-02"


@dg.asset(partitions_def=dg.DailyPartitionsDefinition(start_date="2024-01-01"))
def pg_instance_smoke(context) -> str:
    """Tiny stand-in asset; only its run/event rows matter here.

    `context` stays unannotated: under `from __future__ import annotations` the hint is a
    string, which dagster's definition-time check rejects.
    """
    return context.partition_key


def _assets_to_materialize() -> list[dg.AssetsDefinition]:
    """Swap in the project's own daily-partitioned assets here; the first one is checked."""
    return [pg_instance_smoke]


@pytest.fixture
def instance(
    postgres_database: PostgresInfo,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[dg.DagsterInstance]:
    """Instance built from the repo's dagster.yaml, pointed at a fresh database."""
    for name, value in {
        "DAGSTER_PG_HOST": postgres_database.host,
        "DAGSTER_PG_PORT": str(postgres_database.port),
        "DAGSTER_PG_USER": postgres_database.user,
        "DAGSTER_PG_PASSWORD": postgres_database.password,
        "DAGSTER_PG_DB": postgres_database.dbname,
    }.items():
        monkeypatch.setenv(name, value)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.from_config(str(home)) as inst:
        yield inst


def test_materialization_lands_in_postgres(
    instance: dg.DagsterInstance,
    postgres_database: PostgresInfo,  # noqa: F811
) -> None:
    assert isinstance(instance.run_storage, PostgresRunStorage)
    assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
    assert isinstance(instance.schedule_storage, PostgresScheduleStorage)

    assets = _assets_to_materialize()
    asset_key = next(iter(assets[0].keys))
    result = dg.materialize(assets, instance=instance, partition_key=PARTITION_KEY)
    assert result.success

    with psycopg2.connect(postgres_database.dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT status FROM runs WHERE run_id = %s", (result.run_id,))
        assert cur.fetchall() == [("SUCCESS",)]
        cur.execute(
            "SELECT count(*) FROM event_logs WHERE run_id = %s"
            " AND dagster_event_type = 'ASSET_MATERIALIZATION'"
            " AND asset_key = %s AND partition = %s",
            (result.run_id, asset_key.to_string(), PARTITION_KEY),
        )
        assert cur.fetchone() == (1,)
    conn.close()

    latest = instance.get_latest_materialization_event(asset_key)
    assert latest is not None
    assert latest.run_id == result.run_id
    assert latest.asset_materialization is not None
    assert latest.asset_materialization.partition == PARTITION_KEY
