"""An Intercom contact without a usable updated_at (null, or not a time) is quarantined and the rest of
the day lands, where it used to stop the whole Intercom sync on every run. Real sandbox over HTTP
(its Intercom dialect serves the broken contacts from a search of their day), DuckDB in tmp_path."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from integration_pipelines_tests.defs.test_quarantine_sync import metadata, quarantine_checks, quarantine_rows
from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions
from vendor_sandbox.process import SandboxProcess

DAY = "2026-10-30"


def sync_intercom(sandbox: SandboxProcess, home: Path) -> dg.ExecuteInProcessResult:
    job = pipeline_definitions(sandbox, home).resolve_job_def("intercom_sync_job")
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), partition_key=DAY, raise_on_error=False)


def contact_ids(home: Path) -> set[str]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return {row[0] for row in con.execute("SELECT id FROM intercom.contacts").fetchall()}


def test_contacts_without_a_usable_updated_at_are_quarantined_and_the_rest_land(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    clean = sync_intercom(sandbox, tmp_path / "clean")
    assert clean.success
    try:
        made = [
            sandbox.admin("intercom", "poison_contact", at=f"{DAY}T12:00:00Z", kind=kind)["id"]
            for kind in ("null_version", "bad_version")
        ]
        result = sync_intercom(sandbox, tmp_path / "poisoned")
    finally:
        sandbox.admin("intercom", "reset")
    assert result.success  # used to fail: "a record has no 'updated_at'"
    assert contact_ids(tmp_path / "poisoned") == contact_ids(tmp_path / "clean")  # nothing else lost
    raw = metadata(result, "raw/intercom/contacts")
    assert (
        raw["quarantined"],
        raw["window_quarantined_null_version"],
        raw["window_quarantined_malformed_version"],
    ) == (2, 1, 1)
    rows = quarantine_rows(tmp_path / "poisoned")
    assert sorted((row[0], row[2], row[3]) for row in rows) == sorted(
        [("contacts", "malformed_version", made[1]), ("contacts", "null_version", made[0])]
    )
    checks = quarantine_checks(result)
    assert not checks["warehouse/intercom/contacts"].passed
    assert checks["warehouse/intercom/contacts"].severity == dg.AssetCheckSeverity.WARN
    assert checks["warehouse/intercom/conversations"].passed
