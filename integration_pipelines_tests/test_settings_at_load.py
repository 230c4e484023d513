"""Malformed settings stop the code location when it loads, every bad variable named in one error,
rather than one at a time or only when the first run (an export, a sync) reaches them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from integration_pipelines.definitions import defs as load_defs
from integration_pipelines.lib.settings import SettingError
from integration_pipelines_tests.test_definitions_snapshot import DG, ROOT, dg_env

BAD = {
    "EXPORT_TIMEZONE": ("Mars/Base", "must be an IANA time zone"),
    "REDSHIFT_PORT": ("abc", "must be an integer from 1 to 65535"),
    "EXPORT_CHUNK_ROWS": ("abc", "must be an integer of at least 1"),
    "INTEGRATION_PIPELINES_PARTITIONS_START": ("yesterday", "must be a date as YYYY-MM-DD"),
    "EXPORT_CRON": ("nightly", "must be a cron expression"),
    "SENTIMENT_REQUESTS_PER_MINUTE": ("abc", "must be a number greater than 0"),
    "ZENDESK_REQUESTS_PER_MINUTE": ("lots", "must be a number greater than 0"),
    "RUN_MAX_RUNTIME_SECONDS": ("6h", "must be an integer of at least 1"),
    "HUBSPOT_REQUEST_DEADLINE_SECONDS": ("2 min", "must be a number greater than 0"),
    "SYNC_STEP_RETRIES": ("-1", "must be an integer of at least 0"),
    "INTERCOM_CONCURRENCY": ("two", "must be an integer of at least 1"),
    "SALESFORCE_FRESHNESS_FAIL_MINUTES": ("3h", "must be a number greater than 0"),
}


def test_loading_names_every_malformed_variable_at_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INTEGRATION_PIPELINES_ENV", "local")
    monkeypatch.setenv("INTEGRATION_PIPELINES_HOME", str(tmp_path))
    for name, (value, _) in BAD.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingError) as excinfo:
        load_defs()
    message = str(excinfo.value)
    assert message.startswith(f"{len(BAD)} settings need fixing:"), message
    for name, (value, expected) in BAD.items():
        assert f"{name} {expected}" in message and repr(value) in message, name


@pytest.mark.parametrize("name", ["EXPORT_CHUNK_ROWS", "EXPORT_SCHEMA_PREFIX", "REDSHIFT_PORT"])
def test_a_setting_only_runs_read_still_fails_the_load(
    name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The chunk size and schema prefix are used when an export runs, REDSHIFT_PORT only when Redshift is
    a target; a typo in any of them is still an error as soon as the definitions load."""
    monkeypatch.setenv("INTEGRATION_PIPELINES_ENV", "local")
    monkeypatch.setenv("INTEGRATION_PIPELINES_HOME", str(tmp_path))
    monkeypatch.delenv("EXPORT_TARGETS", raising=False)
    monkeypatch.setenv(name, "x-1")
    with pytest.raises(SettingError, match=f"^{name} must be .*, not 'x-1'$"):
        load_defs()


@pytest.mark.slow
def test_dg_check_defs_fails_naming_each_malformed_variable(tmp_path: Path) -> None:
    proc = subprocess.run(
        [DG, "check", "defs"],
        cwd=ROOT,
        env=dg_env(tmp_path, **{name: value for name, (value, _) in BAD.items()}),
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    for name, (value, expected) in BAD.items():
        assert f"{name} {expected}" in output and repr(value) in output, name
    assert "ModuleNotFoundError" not in output and "could not convert" not in output
