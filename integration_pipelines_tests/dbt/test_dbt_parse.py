"""``dbt parse`` succeeds for every target with placeholder settings (no connection is made), and each
target reads the exported schemas under EXPORT_SCHEMA_PREFIX with the warehouse's own incremental
strategy."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from integration_pipelines.lib.dbt.project import DBT_PROJECT_DIR, dbt_executable

PLACEHOLDERS = {
    "SNOWFLAKE_ACCOUNT": "xy12345.eu-west-1",
    "SNOWFLAKE_USER": "loader",
    "SNOWFLAKE_PASSWORD": "placeholder",
    "SNOWFLAKE_DATABASE": "ANALYTICS",
    "SNOWFLAKE_WAREHOUSE": "TRANSFORMING",
    "SNOWFLAKE_ROLE": "TRANSFORMER",
    "BIGQUERY_PROJECT": "example-project",
    "BIGQUERY_LOCATION": "EU",
    "REDSHIFT_HOST": "example.abc123.eu-west-1.redshift.amazonaws.com",
    "REDSHIFT_PORT": "5439",
    "REDSHIFT_USER": "loader",
    "REDSHIFT_PASSWORD": "placeholder",
    "REDSHIFT_DATABASE": "analytics",
    "EXPORT_SCHEMA_PREFIX": "ip_",
}
# one source per export schema: each vendor's tables and the feedback tables
SOURCES = ("zendesk", "salesforce", "hubspot", "intercom", "retell", "twilio", "calendly", "stripe", "feedback")
TARGETS = {"local": "duckdb", "snowflake": "snowflake", "bigquery": "bigquery", "redshift": "redshift"}


@pytest.fixture(scope="module")
def manifests(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """One ``dbt parse`` per target, all four at once, each into its own folder."""
    root = tmp_path_factory.mktemp("dbt_parse")
    env = {
        **os.environ,
        **PLACEHOLDERS,
        "EXPORT_DUCKDB_PATH": str(root / "export.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    running = {
        target: subprocess.Popen(
            [
                dbt_executable(),
                "parse",
                "--target",
                target,
                "--profiles-dir",
                ".",
                "--target-path",
                str(root / target),
                "--log-path",
                str(root / target),
            ],
            cwd=DBT_PROJECT_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for target in TARGETS
    }
    outputs = {target: proc.communicate(timeout=300)[0] for target, proc in running.items()}
    for target, proc in running.items():
        assert proc.returncode == 0, f"dbt parse --target {target}:\n{outputs[target][-3000:]}"
    return {target: json.loads(Path(root / target / "manifest.json").read_text()) for target in TARGETS}


@pytest.mark.slow
@pytest.mark.parametrize("target", TARGETS)
def test_dbt_parse_succeeds_for_every_target(manifests: dict[str, dict], target: str) -> None:
    manifest = manifests[target]
    assert manifest["metadata"]["adapter_type"] == TARGETS[target]
    sources = {node["source_name"]: node for node in manifest["sources"].values()}
    assert set(sources) == set(SOURCES)
    assert all(node["schema"] == f"ip_{name}" for name, node in sources.items())  # EXPORT_SCHEMA_PREFIX
    models = {node["name"]: node for node in manifest["nodes"].values() if node["resource_type"] == "model"}
    assert {"fct_customer_feedback", "dim_customer", "agg_sentiment_daily", "fct_conversation"} <= set(models)
    assert models["dim_customer"]["schema"] == "ip_marts"
    daily = models["agg_sentiment_daily"]["config"]
    assert daily["materialized"] == "incremental"
    if target == "bigquery":  # BigQuery replaces day partitions; the others delete and insert the days
        assert daily["incremental_strategy"] == "insert_overwrite"
        assert daily["partition_by"]["field"] == "message_date"
    else:
        assert daily["incremental_strategy"] == "delete+insert" and daily["unique_key"] == "message_date"
