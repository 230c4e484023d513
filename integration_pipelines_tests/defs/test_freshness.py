"""synced_recently: fails for a source never synced or synced too long ago, passes after a sync."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from integration_pipelines.components.freshness import CHECK_NAME, freshness_result
from integration_pipelines.components.vendor_sync import vendor_components
from integration_pipelines.lib.settings import SettingError
from integration_pipelines_tests.defs.test_zendesk_assets import DAY, run_sync
from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions
from vendor_sandbox.process import SandboxProcess

KEY = dg.AssetKey(["raw", "zendesk", "tickets"])
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def test_a_sync_older_than_the_window_fails_and_says_how_old() -> None:
    window = timedelta(hours=3)
    assert freshness_result(KEY, NOW - timedelta(hours=2, minutes=59), NOW, window).passed
    stale = freshness_result(KEY, NOW - timedelta(hours=4), NOW, window)
    assert not stale.passed
    assert stale.metadata["minutes_since_sync"].value == 240.0
    assert "4.0 h ago" in stale.description
    never = freshness_result(KEY, None, NOW, window)
    assert not never.passed and "never synced" in never.description


@pytest.mark.slow
def test_freshness_job_fails_before_the_first_sync_and_passes_after(sandbox: SandboxProcess, tmp_path: Path) -> None:
    """Through Dagster on one instance: the checks-only job reads the instance's latest materializations."""
    defs = pipeline_definitions(sandbox, tmp_path)
    freshness_job = defs.resolve_job_def("zendesk_freshness_job")
    with dg.DagsterInstance.ephemeral() as instance:
        before = freshness_job.execute_in_process(instance=instance, raise_on_error=False)
        results = {e.asset_key: e for e in before.get_asset_check_evaluations() if e.check_name == CHECK_NAME}
        assert set(results) == {
            dg.AssetKey(["raw", "zendesk", o]) for o in ("tickets", "ticket_comments", "users", "organizations")
        }
        assert not any(e.passed for e in results.values())
        sync = run_sync(defs, DAY, DAY, instance)
        assert sync.success
        assert not [e for e in sync.get_asset_check_evaluations() if e.check_name == CHECK_NAME], "not in sync runs"
        after = freshness_job.execute_in_process(instance=instance)
        assert all(e.passed for e in after.get_asset_check_evaluations() if e.check_name == CHECK_NAME)


def test_a_malformed_freshness_window_fails_the_load_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZENDESK_FRESHNESS_FAIL_MINUTES", "three hours")
    with pytest.raises(SettingError, match="ZENDESK_FRESHNESS_FAIL_MINUTES"):
        vendor_components()["zendesk"].freshness()
