"""Loading the definitions imports no warehouse SDK, LLM SDK, model code, dbt or the sandbox.

The code server, ``dg check defs`` and every run and step worker load the definitions; what they
import before any step runs is paid in every one of those processes. A warehouse's SDK is imported
when an export to it runs (or when its target is configured), an LLM SDK when a provider is built,
the sentiment models when text is scored, dagster-dbt and dbt-core when a dbt step runs (the dbt
assets load from the spec cache). Checked in a fresh interpreter per environment, because
this test process has long imported everything; speed and memory are measured in
``benchmarks/import_cost.py``, not here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# top-level modules a definitions load must not import (each, or any submodule of it)
HEAVY = (
    "snowflake.connector",
    "snowflake.snowpark",
    "google.cloud.bigquery",
    "redshift_connector",
    "psycopg",
    "psycopg2",
    "boto3",
    "botocore",
    "dagster_snowflake",
    "dagster_gcp",
    "dagster_aws",
    "pandas",
    "openai",
    "anthropic",
    "sklearn",
    "scipy",
    "matplotlib",
    "slack_sdk",
    "jwt",
    "vendor_sandbox",
    "dagster_dbt",
    "dbt",
    "dbt_common",
    "agate",
    "networkx",
    "sqlglot",
)

PROBE = """
import json, sys
import integration_pipelines.definitions as d
loaded = d.defs()
graph = loaded.resolve_asset_graph()
assets = len(list(graph.asset_nodes))
dbt_models = sum(1 for key in graph.get_all_asset_keys() if key.path[0] in ("staging", "intermediate", "marts"))
imported = [h for h in sys.argv[1:] if any(m == h or m.startswith(h + ".") for m in sys.modules)]
print(json.dumps({"assets": assets, "dbt_models": dbt_models, "imported": imported}))
"""


def _load(tmp_path: Path, **settings: str) -> dict:
    """Load the definitions in a fresh interpreter with only this project's settings given here."""
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EXPORT_", "INTEGRATION_PIPELINES_"))}
    env.update(DAGSTER_HOME=str(home), INTEGRATION_PIPELINES_HOME=str(tmp_path / "home"), **settings)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *HEAVY], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("environment", ["local", "prod"])
def test_loading_the_definitions_imports_no_sdk_model_or_sandbox(tmp_path: Path, environment: str) -> None:
    """local: the sandbox's settings and the DuckDB export, with the dbt models on it; prod: nothing but
    the environment set (no export target configured, the offline sentiment model, no alert channel)."""
    probe = _load(tmp_path, INTEGRATION_PIPELINES_ENV=environment)
    assert probe["assets"] > 30  # the definitions really loaded: raw, warehouse and feedback assets at least
    if environment == "local":
        assert probe["dbt_models"] > 20  # the dbt models are there, without dbt imported
    assert probe["imported"] == []


@pytest.mark.slow
def test_prod_exporting_loads_its_dbt_models_without_dbt(tmp_path: Path) -> None:
    """prod exporting to DuckDB: the dbt models read that export, and still neither dagster-dbt nor
    dbt-core is imported to load them."""
    probe = _load(tmp_path, INTEGRATION_PIPELINES_ENV="prod", EXPORT_TARGETS="duckdb")
    assert probe["dbt_models"] > 20
    assert not {"dagster_dbt", "dbt", "dbt_common", "agate", "networkx"} & set(probe["imported"])


@pytest.mark.slow
def test_a_configured_warehouse_loads_its_own_integration_only(tmp_path: Path) -> None:
    """prod exporting to Redshift: dagster-aws (boto3, psycopg2) is imported for its resources, and
    neither Snowflake's nor BigQuery's integration is."""
    probe = _load(
        tmp_path,
        INTEGRATION_PIPELINES_ENV="prod",
        EXPORT_TARGETS="redshift",
        REDSHIFT_IAM_ROLE="arn:aws:iam::123456789012:role/redshift-load",
    )
    assert {"dagster_aws", "boto3"} <= set(probe["imported"])
    assert not {"dagster_snowflake", "snowflake.connector", "dagster_gcp", "google.cloud.bigquery"} & set(
        probe["imported"]
    )
