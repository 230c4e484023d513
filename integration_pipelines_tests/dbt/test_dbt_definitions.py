"""How the dbt project appears in the code location: sources are the export assets, marts in their
group with dbt tests as checks, in main_job and the nightly export runs; defined only when there is
an export to read; and the manifest is prepared when the definitions load."""

from __future__ import annotations

import os
import time
from pathlib import Path

import dagster as dg
import pytest

from integration_pipelines.definitions import defs as load_defs
from integration_pipelines.defs.automation.exports import with_dbt_models
from integration_pipelines.lib.dbt.project import dbt_target_name, manifest_is_stale

MARTS = {
    f"marts/{name}" for name in ("fct_customer_feedback", "dim_customer", "agg_sentiment_daily", "fct_conversation")
}


@pytest.fixture
def local_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("INTEGRATION_PIPELINES_ENV", "local")
    monkeypatch.setenv("INTEGRATION_PIPELINES_HOME", str(tmp_path))
    for name in ("EXPORT_TARGETS", "DBT_TARGET", "EXPORT_SCHEMA_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def dbt_nodes(defs: dg.Definitions) -> dict[str, dg.AssetSpec]:
    graph = defs.resolve_asset_graph()
    return {
        node.key.to_user_string(): node
        for node in graph.asset_nodes
        if node.key.path[0] in ("staging", "intermediate", "marts")
    }


def test_lineage_runs_from_the_exports_to_each_mart(local_env: Path) -> None:
    defs = load_defs()
    graph = defs.resolve_asset_graph()
    nodes = dbt_nodes(defs)
    assert set(nodes) >= MARTS
    assert {nodes[key].group_name for key in MARTS} == {"marts"}
    # every dbt source is the export asset that writes it, so lineage reaches back to raw/...
    exports = {node.key for node in graph.asset_nodes if node.key.path[0] == "export" and node.is_materializable}
    parents = {
        parent
        for node in nodes.values()
        for parent in node.parent_keys
        if parent.path[0] not in ("staging", "intermediate", "marts")
    }
    assert parents and parents <= exports and {p.path[1] for p in parents} == {"duckdb"}
    assert len(parents) == 27
    upstream = graph.asset_dep_graph["upstream"]

    def ancestors(key: dg.AssetKey) -> set[dg.AssetKey]:
        seen, todo = set(), [key]
        while todo:
            for parent in upstream.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    for mart in MARTS:
        assert any(k.path[0] == "raw" for k in ancestors(dg.AssetKey.from_user_string(mart))), mart
    # each mart's dbt tests are its asset checks, business rules included
    checks = {(key.asset_key.to_user_string(), key.name) for key in graph.asset_check_keys}
    for mart in MARTS:
        assert any(asset == mart for asset, _ in checks), mart
    assert ("marts/fct_customer_feedback", "negative_messages_have_a_customer") in checks
    assert ("marts/agg_sentiment_daily", "sentiment_shares_add_up") in checks


def test_nightly_export_runs_end_with_the_dbt_models(local_env: Path) -> None:
    defs = load_defs()
    export = dg.AssetKey(["export", "duckdb", "zendesk", "tickets"])
    requests = [
        dg.RunRequest(run_key="export 2026-10-30..2026-10-30", asset_selection=[export], partition_key="2026-10-30")
    ]
    [request] = with_dbt_models(requests, defs.get_repository_def())
    selected = {k.to_user_string() for k in request.asset_selection or []}
    assert "export/duckdb/zendesk/tickets" in selected and selected >= MARTS
    assert selected - {"export/duckdb/zendesk/tickets"} == set(dbt_nodes(defs))
    assert request.partition_key == "2026-10-30" and request.run_key == requests[0].run_key
    job = defs.resolve_job_def("export_job")
    assert {dg.AssetKey.from_user_string(k) for k in selected} <= set(job.asset_layer.executable_asset_keys)


def test_prod_has_no_dbt_models_until_something_is_exported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTEGRATION_PIPELINES_ENV", "prod")
    monkeypatch.delenv("EXPORT_TARGETS", raising=False)
    monkeypatch.delenv("DBT_TARGET", raising=False)
    defs = load_defs()
    assert not dbt_nodes(defs) and "dbt" not in (defs.resources or {})


def test_prod_dbt_reads_the_first_export_target(monkeypatch: pytest.MonkeyPatch) -> None:
    """EXPORT_TARGETS=snowflake,bigquery: dbt's target is snowflake and its sources are the Snowflake
    exports; dbt needs no Snowflake settings to load (dbt parse does not connect)."""
    monkeypatch.setenv("INTEGRATION_PIPELINES_ENV", "prod")
    monkeypatch.setenv("EXPORT_TARGETS", "snowflake,bigquery")
    monkeypatch.setenv("SNOWFLAKE_PASSWORD", "p" * 12)  # the export resource wants one credential
    monkeypatch.delenv("DBT_TARGET", raising=False)
    defs = load_defs()
    parents = {p for node in dbt_nodes(defs).values() for p in node.parent_keys if p.path[0] == "export"}
    assert {p.path[1] for p in parents} == {"snowflake"}
    assert defs.resources["dbt"].target == "snowflake"


def test_a_dbt_target_without_its_export_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTEGRATION_PIPELINES_ENV", "prod")
    monkeypatch.setenv("EXPORT_TARGETS", "snowflake")
    monkeypatch.setenv("DBT_TARGET", "redshift")
    with pytest.raises(Exception) as excinfo:
        load_defs()
    chain, error = [], excinfo.value
    while error is not None:
        chain.append(str(error))
        error = error.__cause__ or error.__context__
    assert any(
        "DBT_TARGET 'redshift' reads the redshift export, which EXPORT_TARGETS (snowflake) does not include" in text
        for text in chain
    )


@pytest.mark.parametrize(
    ("dbt_target", "exported", "expected"),
    [
        (None, ("duckdb",), "local"),
        (None, ("redshift", "duckdb"), "redshift"),
        (None, (), None),
        ("BigQuery", ("bigquery",), "bigquery"),
    ],
)
def test_dbt_target_is_dbt_target_or_the_first_export(
    monkeypatch: pytest.MonkeyPatch, dbt_target: str | None, exported: tuple[str, ...], expected: str | None
) -> None:
    if dbt_target is None:
        monkeypatch.delenv("DBT_TARGET", raising=False)
    else:
        monkeypatch.setenv("DBT_TARGET", dbt_target)
    assert dbt_target_name(exported) == expected


def test_manifest_is_stale_when_missing_or_older_than_a_project_file(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    model = project / "models" / "a.sql"
    model.write_text("select 1")
    manifest = project / "target" / "local" / "manifest.json"
    assert manifest_is_stale(manifest, project)
    manifest.parent.mkdir(parents=True)
    manifest.write_text("{}")
    (project / "target" / "run.sql").write_text("select 2")  # dbt's own output never counts
    assert not manifest_is_stale(manifest, project)
    later = time.time() + 5
    os.utime(model, (later, later))
    assert manifest_is_stale(manifest, project)


def test_models_a_failed_run_skipped_are_built_by_the_automation_sensor(local_env: Path) -> None:
    """After a main_job in which one vendor failed, the sensor that exports the others' tables also
    builds the models that run skipped (the exports' own condition is exercised end to end in
    test_main_job_isolation)."""
    from integration_pipelines.defs.text.automation import AFTER_FAILED_RUN, feedback_automation_sensor

    defs = load_defs()
    nodes = dbt_nodes(defs)
    assert {key: node.automation_condition for key, node in nodes.items()} == dict.fromkeys(nodes, AFTER_FAILED_RUN)
    targeted = feedback_automation_sensor.asset_selection.resolve(defs.resolve_asset_graph())
    assert {dg.AssetKey.from_user_string(key) for key in nodes} <= targeted
