"""A pull whose requests outlast their retries is run again by Dagster after a pause, and lands
exactly; when the storm outlasts the step retries too, the run fails clearly; bad credentials are
never retried. Real sandbox (503 storms), real Dagster step retries, DuckDB in tmp_path."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import dagster as dg
import pytest

from integration_pipelines_tests.defs.test_zendesk_assets import DAY, assert_tables_exact, run_sync
from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

FEW_ATTEMPTS = {"max_attempts": 2, "retry_budget": 3}  # a storm exhausts them in milliseconds


def step_retries(instance: dg.DagsterInstance) -> list[dg.EventLogEntry]:
    return [
        entry
        for record in instance.get_run_records()
        for entry in instance.all_logs(record.dagster_run.run_id, of_type=dg.DagsterEventType.STEP_UP_FOR_RETRY)
    ]


def messages(instance: dg.DagsterInstance, run_id: str) -> str:
    return "\n".join(entry.user_message for entry in instance.all_logs(run_id))


def test_a_storm_outlasting_the_requests_retries_is_resumed_by_a_step_retry(
    sandbox: SandboxProcess, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNC_STEP_RETRY_WAIT_SECONDS", "1")
    defs = pipeline_definitions(sandbox, tmp_path, **FEW_ATTEMPTS)
    sandbox.set_faults(rate_503=1.0)  # every request fails until the step has asked for its retry
    with dg.DagsterInstance.ephemeral() as instance:

        def calm_after_the_first_retry() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not step_retries(instance):
                time.sleep(0.05)
            sandbox.set_faults(None)

        watcher = threading.Thread(target=calm_after_the_first_retry, daemon=True)
        watcher.start()
        result = run_sync(defs, DAY, DAY, instance, raise_on_error=False)
        watcher.join()
        retries = step_retries(instance)
        logged = messages(instance, result.run_id)
    assert result.success
    assert [entry.step_key for entry in retries] == ["raw_zendesk"]
    assert "the step runs again in 1s (retry 1 of 2)" in logged
    assert_tables_exact(tmp_path, world, DAY, DAY)  # every row once: the failed attempt published nothing


def test_a_storm_outlasting_the_step_retries_fails_clearly(
    sandbox: SandboxProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNC_STEP_RETRY_WAIT_SECONDS", "0.2")
    monkeypatch.setenv("SYNC_STEP_RETRIES", "1")
    sandbox.set_faults(rate_503=1.0)
    with dg.DagsterInstance.ephemeral() as instance:
        result = run_sync(pipeline_definitions(sandbox, tmp_path, **FEW_ATTEMPTS), DAY, DAY, instance, False)
        retries = step_retries(instance)
    assert not result.success
    assert [entry.step_key for entry in retries] == ["raw_zendesk"]  # one retry, then the clear failure
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert failure.step_key == "raw_zendesk"
    assert "gave up on GET" in failure.step_failure_data.error.to_string()


def test_rejected_credentials_are_not_retried(sandbox: SandboxProcess, tmp_path: Path) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        defs = pipeline_definitions(sandbox, tmp_path, api_token="not-the-token-4f1e")
        result = run_sync(defs, DAY, DAY, instance, raise_on_error=False)
        assert not result.success
        assert step_retries(instance) == []
