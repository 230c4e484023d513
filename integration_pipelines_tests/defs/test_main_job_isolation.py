"""One failed source does not hold back the others: after a ``main_job`` whose Zendesk pull is refused
(wrong token, HTTP 401), the run is failed, and the automation conditions (what the running
``feedback_automation_sensor`` evaluates, here evaluated and executed in-process as the demo does)
bring the other three sources' messages into customer_feedback and feedback_sentiment and export
them, with Zendesk's rows in neither.

Why it needs a test: Dagster skips every step downstream of a failed one, and customer_feedback
(hence sentiment and all 19 exports) reads every vendor's tables; Dagster's own ``any_deps_updated``
also ignores updates made by a run that selected the downstream asset, so without our condition the
good sources' rows would wait for the next successful sync."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from integration_pipelines.defs.automation.catch_up import baseline, run_requested
from integration_pipelines.defs.text.automation import feedback_automation_sensor
from integration_pipelines.local_instance import ensure_local_instance
from integration_pipelines.sources import registry
from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions
from vendor_sandbox.process import SandboxProcess

DAY = "2026-10-31"
# the conditions look at the last week; the test world ends on 2026-11-01, so evaluate "then"
EVALUATED_AT = datetime(2026, 11, 1, 12, tzinfo=UTC)
GOOD_SOURCES = set(registry.names()) - {"zendesk"}  # Zendesk is the source made to fail
FEEDBACK_TABLES = ("customer_feedback", "feedback_preprocessed", "feedback_sentiment")


def _counts_by_source(path: Path, table: str) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        return dict(con.execute(f"SELECT source, count(*) FROM feedback.{table} GROUP BY source").fetchall())


def _tables(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
        return {f"{s}.{t}": con.execute(f'SELECT count(*) FROM "{s}"."{t}"').fetchone()[0] for s, t in names}


@pytest.mark.slow
def test_a_failed_source_leaves_the_others_feedback_and_exports(
    sandbox: SandboxProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export_path = tmp_path / "export.duckdb"
    exports = {"duckdb": {"export_duckdb": DuckDBResource(database=str(export_path))}}
    broken = pipeline_definitions(sandbox, tmp_path, exports=exports, api_token="not-the-token")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    ensure_local_instance(tmp_path / "dagster_home")
    assert dg.AssetKey(["export", "duckdb", "feedback", "customer_feedback"]) in (
        feedback_automation_sensor.asset_selection.resolve(broken.resolve_asset_graph())
    )
    with dg.DagsterInstance.get() as instance:
        cursor = baseline(broken, instance, EVALUATED_AT)
        run = broken.resolve_job_def("main_job").execute_in_process(
            instance=instance, partition_key=DAY, raise_on_error=False
        )
        assert not run.success
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
        landed = {
            e.asset_key.path[1] for e in run.get_asset_materialization_events() if e.asset_key.path[0] == "warehouse"
        }
        assert landed == GOOD_SOURCES  # Zendesk's pull failed, the others' loads landed ...
        assert not any(e.asset_key.path[0] in ("feedback", "export") for e in run.get_asset_materialization_events())

        catch_up = run_requested(broken, instance, cursor, evaluation_time=EVALUATED_AT)

    # ... and the automation built the rest for the day, in one run, from those three sources
    assert catch_up.success and len(catch_up.runs) == 1
    partition, keys, _ = catch_up.runs[0]
    assert partition == DAY
    assert {k.to_user_string() for k in keys if k.path[0] == "feedback"} == {f"feedback/{t}" for t in FEEDBACK_TABLES}
    assert not [k for k in keys if "zendesk" in k.path]

    warehouse = tmp_path / "warehouse.duckdb"
    feedback = _counts_by_source(warehouse, "customer_feedback")
    assert set(feedback) == GOOD_SOURCES and all(feedback.values())
    customers = dict(
        duckdb.connect(str(warehouse), read_only=True)
        .execute(
            "SELECT source, count(*) FROM feedback.feedback_preprocessed WHERE author_role = 'customer' GROUP BY 1"
        )
        .fetchall()
    )
    assert _counts_by_source(warehouse, "feedback_preprocessed") == feedback
    assert _counts_by_source(warehouse, "feedback_sentiment") == customers  # customers' messages only
    for table in FEEDBACK_TABLES:
        assert _counts_by_source(export_path, table) == _counts_by_source(warehouse, table), table

    # every table that landed is exported with exactly its rows; nothing of Zendesk exists anywhere
    working, exported = _tables(warehouse), _tables(export_path)
    assert not [name for name in (*working, *exported) if name.startswith("zendesk.")]
    assert {name: rows for name, rows in exported.items() if name.split(".")[0] in GOOD_SOURCES} == {
        name: rows for name, rows in working.items() if name.split(".")[0] in GOOD_SOURCES
    }
    objects = sum(len(source.objects) for name, source in registry.sources().items() if name in GOOD_SOURCES)
    assert len([n for n in exported if n.split(".")[0] in GOOD_SOURCES]) == objects == 20


@pytest.mark.slow
def test_a_successful_sync_leaves_the_exports_to_their_schedule(sandbox: SandboxProcess, tmp_path: Path) -> None:
    """The exports' condition only catches up after a failed run: an ordinary sync rebuilds the
    feedback tables but exports nothing (the nightly schedule keeps the export cadence)."""
    exports = {"duckdb": {"export_duckdb": DuckDBResource(database=str(tmp_path / "export.duckdb"))}}
    defs = pipeline_definitions(sandbox, tmp_path, exports=exports)
    with dg.DagsterInstance.ephemeral() as instance:
        cursor = baseline(defs, instance, EVALUATED_AT)
        assert (
            defs.resolve_job_def("intercom_sync_job").execute_in_process(instance=instance, partition_key=DAY).success
        )
        result = dg.evaluate_automation_conditions(
            defs=defs,
            instance=instance,
            asset_selection=feedback_automation_sensor.asset_selection,
            evaluation_time=EVALUATED_AT,
            cursor=cursor,
        )
    requested = {
        n.key.path[0] for n in defs.resolve_asset_graph().asset_nodes if result.get_requested_partitions(n.key)
    }
    assert requested == {"feedback"}
