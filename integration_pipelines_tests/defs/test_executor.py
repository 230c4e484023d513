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
