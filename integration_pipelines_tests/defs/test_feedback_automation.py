"""After a sync, the feedback tables of the synced day are requested by themselves (with only one
vendor synced, and for any day of the last week), and nothing is requested without a sync."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from integration_pipelines.defs.text.automation import feedback_automation_sensor
from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions
from vendor_sandbox.process import SandboxProcess

FEEDBACK = [
    dg.AssetKey(["feedback", name]) for name in ("customer_feedback", "feedback_preprocessed", "feedback_sentiment")
]


@pytest.mark.slow
def test_a_sync_requests_the_feedback_of_its_day(sandbox: SandboxProcess, tmp_path: Path) -> None:
    defs = pipeline_definitions(sandbox, tmp_path)
    today = datetime.now(UTC).date()
    recent, old = (today - timedelta(days=2)).isoformat(), (today - timedelta(days=30)).isoformat()
    assert feedback_automation_sensor.default_status == dg.DefaultSensorStatus.RUNNING
    with dg.DagsterInstance.ephemeral() as instance:
        idle = dg.evaluate_automation_conditions(defs=defs, instance=instance)
        assert idle.total_requested == 0
        job = defs.resolve_job_def("intercom_sync_job")
        for day in (recent, old):
            assert job.execute_in_process(instance=instance, partition_key=day).success
        result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=idle.cursor)
        assert result.get_requested_partitions(FEEDBACK[0]) == {recent}  # not 30 days ago, nor missing days
        again = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=result.cursor)
        assert again.get_requested_partitions(FEEDBACK[0]) == set()  # handled once
