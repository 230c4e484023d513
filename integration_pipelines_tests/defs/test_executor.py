"""One setting chooses how runs execute their steps, and the local instance keeps production's limits.

Locally every job runs in one process (``in_process``), in prod a process per step (``multiprocess``);
``INTEGRATION_PIPELINES_EXECUTOR`` overrides either. The local instance ``make dev`` writes must hold
the same pool limits as the production ``dagster.yaml``: they are what keeps two runs off one vendor's
rate budget or one DuckDB file, whichever executor runs the steps. Pools and step retries under the
in-process executor are tested where they matter (test_duckdb_pools.py, test_step_retry.py and
test_main_job_isolation.py all execute in-process)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import yaml

from integration_pipelines.deployment_settings import EXECUTOR, run_executor
from integration_pipelines.lib.settings import SettingError
from integration_pipelines.local_instance import LOCAL_INSTANCE_YAML, ensure_local_instance

PRODUCTION = yaml.safe_load((Path(__file__).resolve().parents[2] / "dagster.yaml").read_text())
LOCAL = yaml.safe_load(LOCAL_INSTANCE_YAML)


def test_the_local_instance_has_productions_pools_and_progress_logger(tmp_path: Path) -> None:
    assert LOCAL["concurrency"]["pools"] == PRODUCTION["concurrency"]["pools"] == {"default_limit": 1}
    assert LOCAL["python_logs"] == PRODUCTION["python_logs"]
    with dg.DagsterInstance.from_config(str(ensure_local_instance(tmp_path / "home").parent)) as instance:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
        assert instance.managed_python_loggers == ["integration_pipelines.progress"]


@pytest.mark.parametrize(
    ("environment", "setting", "expected"),
    [
        ("local", None, "in_process"),
        ("prod", None, "multiprocess"),
        ("local", "multiprocess", "multiprocess"),
        ("prod", "IN_PROCESS", "in_process"),
    ],
)
def test_the_executor_follows_the_environment_unless_set(
    monkeypatch: pytest.MonkeyPatch, environment: str, setting: str | None, expected: str
) -> None:
    monkeypatch.setenv("INTEGRATION_PIPELINES_ENV", environment)
    if setting is None:
        monkeypatch.delenv(EXECUTOR.name, raising=False)
    else:
        monkeypatch.setenv(EXECUTOR.name, setting)
    assert run_executor().name == expected


def test_a_mistyped_executor_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(EXECUTOR.name, "threads")
    with pytest.raises(SettingError, match="INTEGRATION_PIPELINES_EXECUTOR must be one of in_process, multiprocess"):
        run_executor()


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["in_process", "multiprocess"])
def test_every_job_of_the_code_location_gets_it(monkeypatch: pytest.MonkeyPatch, executor: str) -> None:
    monkeypatch.setenv("INTEGRATION_PIPELINES_ENV", "local")
    monkeypatch.setenv(EXECUTOR.name, executor)
    from integration_pipelines.definitions import defs

    jobs = defs().resolve_all_job_defs()
    assert {job.name for job in jobs} >= {"main_job", "sync_all_job", "zendesk_sync_job"}
    assert {job.executor_def.name for job in jobs} == {executor}


@pytest.mark.parametrize("engine", ["celery", "k8s"])
def test_the_distributed_engines_are_dagsters_own(monkeypatch: pytest.MonkeyPatch, engine: str) -> None:
    """celery is dagster-celery's executor, k8s is dagster-k8s' job executor (both imported only when
    chosen: test_light_import.py); a real run on Celery workers is in engines/test_celery_fleet.py."""
    monkeypatch.setenv(EXECUTOR.name, engine)
    executor = run_executor()
    assert executor.name == engine


def _load_errors(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    from integration_pipelines.deployment_settings import check_environment

    for name in ("INTEGRATION_PIPELINES_LAKE_URL", "INTEGRATION_PIPELINES_DUCKDB_PATH", EXECUTOR.name):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        check_environment()
    except SettingError as error:
        return str(error)
    return ""


def test_k8s_with_a_local_lake_or_duckdb_file_is_refused_when_the_definitions_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pods share no disk: a local lake folder or DuckDB file under the k8s engine would give every step
    its own copy, so the load names both variables (and never echoes the DuckDB value, which for
    MotherDuck may carry a token). An object-store lake with a MotherDuck database passes, and so do
    local paths under the engines that run on one machine (or on hosts that share a volume)."""
    both = _load_errors(
        monkeypatch,
        INTEGRATION_PIPELINES_EXECUTOR="k8s",
        INTEGRATION_PIPELINES_LAKE_URL="/data/lake",
        INTEGRATION_PIPELINES_DUCKDB_PATH="/data/secret-token-in-path.duckdb",
    )
    assert both.startswith("2 settings need fixing")
    assert "INTEGRATION_PIPELINES_LAKE_URL must be an object-store URL" in both
    assert "INTEGRATION_PIPELINES_DUCKDB_PATH must name a MotherDuck database" in both
    assert "secret-token-in-path" not in both
    file_url = _load_errors(
        monkeypatch, INTEGRATION_PIPELINES_EXECUTOR="k8s", INTEGRATION_PIPELINES_LAKE_URL="file:///data/lake"
    )
    assert file_url.startswith("INTEGRATION_PIPELINES_LAKE_URL must be an object-store URL")
    assert (
        _load_errors(
            monkeypatch,
            INTEGRATION_PIPELINES_EXECUTOR="k8s",
            INTEGRATION_PIPELINES_LAKE_URL="s3://bucket/lake",
            INTEGRATION_PIPELINES_DUCKDB_PATH="md:integration_pipelines",
        )
        == ""
    )
    for engine in ("celery", "multiprocess", "in_process"):
        local = {"INTEGRATION_PIPELINES_LAKE_URL": "/data/lake", "INTEGRATION_PIPELINES_DUCKDB_PATH": "/data/w.duckdb"}
        assert _load_errors(monkeypatch, INTEGRATION_PIPELINES_EXECUTOR=engine, **local) == ""
