"""A sync waiting on Zendesk's export quota says so in the step's log, as the Dagster UI shows it.

The HTTP client's waiting lines go to a plain Python logger; the local instance config (the one
``make dev`` writes) lists it under ``python_logs: managed_python_loggers``, which is what makes
Dagster copy them into the run's event log, against the step that waited."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from integration_pipelines.local_instance import ensure_local_instance
from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions
from vendor_sandbox.process import SandboxProcess

DAY = "2026-10-31"


@pytest.mark.slow
def test_a_rate_limit_wait_appears_in_the_steps_log(
    sandbox: SandboxProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.set_rate_limits(1.0, window_scale=0.1)  # Zendesk's 10 export requests per 6 s
    defs = pipeline_definitions(sandbox, tmp_path, per_page=20, export_requests_per_minute=100)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    ensure_local_instance(tmp_path / "dagster_home")
    raw = [k for k in defs.resolve_asset_graph().get_all_asset_keys() if k.path[:2] == ["raw", "zendesk"]]
    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def("zendesk_sync_job").execute_in_process(
            instance=instance, partition_key=DAY, asset_selection=raw
        )
        assert result.success
        logged = [
            (entry.step_key, entry.user_message)
            for entry in instance.all_logs(result.run_id)
            if entry.dagster_event is None and "waiting" in entry.user_message
        ]
    assert logged, "no waiting line in the run's event log"
    step, message = logged[0]
    assert step is not None and "zendesk" in step
    assert message.startswith("zendesk: waiting ") and " s for the incremental budget (100 requests/min; " in message
