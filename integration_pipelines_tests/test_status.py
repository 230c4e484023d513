"""``integration-pipelines status`` against the real sandbox over HTTP, a closed port and a real Dagster instance."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from integration_pipelines.cli import main
from integration_pipelines.components.ingest_assets import build_ingest_assets
from integration_pipelines.lib.lake import LakeResource
from integration_pipelines.lib.webhooks.resource import WebhookInboxResource
from integration_pipelines.sources import registry
from integration_pipelines_tests.fixtures.sandbox import intercom_resource
from vendor_sandbox.dialects.llm import OPENAI_API_KEY
from vendor_sandbox.faults import FaultConfig
from vendor_sandbox.process import SandboxProcess

CLI = [sys.executable, "-m", "integration_pipelines.cli", "status"]
# every variable the status reads: cleared so the developer's own environment cannot change a test
OWN_PREFIXES = (
    "INTEGRATION_PIPELINES_",
    "ZENDESK_",
    "SALESFORCE_",
    "HUBSPOT_",
    "INTERCOM_",
    "SENTIMENT_",
    "EXPORT_",
    "SNOWFLAKE_",
    "BIGQUERY_",
    "REDSHIFT_",
    "DAGSTER_HOME",
)
SOURCES = {"zendesk", "salesforce", "hubspot", "intercom", "retell", "twilio", "calendly", "stripe"}
SECRET = "zd-Tok3n-n3ver-pr1nted-7f3a9c"  # distinctive: any appearance in the output is a leak
WRONG_TOKEN = "wr0ng-intercom-t0ken-5b2e11"


def clean_env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_PREFIXES)}
    env.update({"INTEGRATION_PIPELINES_HOME": str(tmp_path / "home"), **values})
    return env


def use_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **values: str) -> None:
    """The same clean environment for an in-process ``main([...])``."""
    for name in list(os.environ):
        if name.startswith(OWN_PREFIXES):
            monkeypatch.delenv(name)
    for name, value in clean_env(tmp_path, **values).items():
        if os.environ.get(name) != value:
            monkeypatch.setenv(name, value)


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=120)


def by_name(document: dict) -> dict[str, dict]:
    return {row["name"]: row for row in document["integrations"]}


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_every_source_is_configured_and_healthy_against_the_sandbox(
    sandbox: SandboxProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Locally the sources talk to the sandbox; an OpenAI-compatible sentiment provider is checked too."""
    use_env(
        monkeypatch,
        tmp_path,
        INTEGRATION_PIPELINES_SANDBOX_URL=sandbox.url,
        SENTIMENT_PROVIDER="openai",
        SENTIMENT_MODEL="gpt-4o-mini",
        SENTIMENT_API_KEY=OPENAI_API_KEY,
        SENTIMENT_BASE_URL=f"{sandbox.url}/openai/v1",
    )
    assert main(["status", "--json", "--timeout", "10"]) == 0
    document = json.loads(capsys.readouterr().out)
    rows = by_name(document)
    assert document["environment"] == "local" and document["healthy"] is True
    assert {r["name"] for r in document["integrations"] if r["kind"] == "source"} == SOURCES
    for name in SOURCES:
        row = rows[name]
        assert row["configured"] is True and row["missing_variables"] == [], name
        assert row["health"]["status"] == "healthy", row
        assert 0 < row["health"]["latency_ms"] < 10_000, name
    assert rows["salesforce"]["quota_remaining"] > 0  # Sforce-Limit-Info on the sandbox's answers
    assert rows["sentiment"]["provider"] == "openai (gpt-4o-mini)"
    assert rows["sentiment"]["health"]["status"] == "healthy" and rows["sentiment"]["health"]["latency_ms"] > 0
    assert rows["duckdb"]["health"]["status"] == "healthy"
    assert {r["name"] for r in document["integrations"] if r["kind"] == "warehouse"} == {
        "duckdb",
        "snowflake",
        "bigquery",
        "redshift",
    }
    assert sandbox.stats()  # the checks really reached the sandbox


@pytest.mark.slow
def test_a_vendor_without_its_variables_is_not_configured_and_no_secret_is_printed(tmp_path: Path) -> None:
    """prod: Zendesk has only its API token set; status names what is missing, never a value, and the
    offline sentiment model is healthy without anything."""
    env = clean_env(
        tmp_path,
        INTEGRATION_PIPELINES_ENV="prod",
        ZENDESK_API_TOKEN=SECRET,
        SNOWFLAKE_PASSWORD=SECRET + "-sf",
    )
    for args in (["--json"], []):
        proc = run_cli(env, *args)
        assert proc.returncode == 0, proc.stdout + proc.stderr  # nothing configured is unhealthy
        assert SECRET not in proc.stdout + proc.stderr
    document = json.loads(run_cli(env, "--json").stdout)
    rows = by_name(document)
    zendesk = rows["zendesk"]
    assert zendesk["configured"] is False and zendesk["health"]["status"] == "skipped"
    assert zendesk["missing_variables"] == ["ZENDESK_SUBDOMAIN", "ZENDESK_EMAIL"]
    assert "ZENDESK_OAUTH_TOKEN" in zendesk["note"]  # the alternative, from the vendor's own settings
    assert rows["hubspot"]["missing_variables"] == ["HUBSPOT_ACCESS_TOKEN"]
    assert rows["intercom"]["missing_variables"] == ["INTERCOM_ACCESS_TOKEN"]
    assert rows["retell"]["missing_variables"] == ["RETELL_API_KEY"]
    assert rows["twilio"]["missing_variables"] == ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"]
    assert "TWILIO_API_KEY_SID" in rows["twilio"]["note"]  # the alternative credentials
    assert rows["calendly"]["missing_variables"] == ["CALENDLY_TOKEN"]
    assert rows["stripe"]["missing_variables"] == ["STRIPE_API_KEY"]
    assert rows["snowflake"]["missing_variables"] == ["SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER", "SNOWFLAKE_DATABASE"]
    assert rows["sentiment"]["provider"] == "offline model" and rows["sentiment"]["health"]["status"] == "healthy"


@pytest.mark.slow
def test_an_unhealthy_configured_integration_fails_the_command_with_redacted_errors(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """prod: Intercom at the sandbox with a token it refuses, Redshift on a closed loopback port."""
    env = clean_env(
        tmp_path,
        INTEGRATION_PIPELINES_ENV="prod",
        INTERCOM_ACCESS_TOKEN=WRONG_TOKEN,
        INTERCOM_BASE_URL=f"{sandbox.url}/intercom",
        EXPORT_TARGETS="redshift",
        REDSHIFT_HOST="127.0.0.1",
        REDSHIFT_PORT=str(closed_port()),
        REDSHIFT_USER="loader",
        REDSHIFT_PASSWORD=SECRET,
        REDSHIFT_DATABASE="analytics",
        REDSHIFT_S3_BUCKET="staging",
        REDSHIFT_SSLMODE="disable",
    )
    proc = run_cli(env, "--json", "--timeout", "5")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    output = proc.stdout + proc.stderr
    assert WRONG_TOKEN not in output and SECRET not in output
    document = json.loads(proc.stdout)
    rows = by_name(document)
    assert document["healthy"] is False
    intercom = rows["intercom"]["health"]
    assert intercom["status"] == "unhealthy" and "HTTP 401" in intercom["detail"]
    assert intercom["latency_ms"] is not None
    redshift = rows["redshift"]["health"]
    assert rows["redshift"]["configured"] is True and redshift["status"] == "unhealthy"
    assert "refused" in redshift["detail"].lower() or "connect" in redshift["detail"].lower()
    table = run_cli(env, "--timeout", "5")
    assert table.returncode == 1
    assert "unhealthy" in table.stdout and "HTTP 401" in table.stdout
    assert WRONG_TOKEN not in table.stdout + table.stderr and SECRET not in table.stdout + table.stderr


def test_a_sandbox_that_is_not_there_makes_every_source_unhealthy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_env(monkeypatch, tmp_path, INTEGRATION_PIPELINES_SANDBOX_URL=f"http://127.0.0.1:{closed_port()}")
    assert main(["status", "--json", "--timeout", "3"]) == 1
    rows = by_name(json.loads(capsys.readouterr().out))
    for name in SOURCES:
        assert rows[name]["configured"] is True and rows[name]["health"]["status"] == "unhealthy", rows[name]


@pytest.mark.slow
def test_the_last_sync_comes_from_the_dagster_instance(
    sandbox: SandboxProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """One real materialization of Intercom's raw assets (with 429s from the sandbox) into a temporary
    DAGSTER_HOME; status reports its time, rows and 429s as the materializations recorded them."""
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    sandbox.set_faults(FaultConfig(rate_429=0.3, burst_429=1, retry_after_seconds=0, seed=5))
    raw = [
        a
        for a in build_ingest_assets(registry.get("intercom"))
        if isinstance(a, dg.AssetsDefinition) and a.node_def.name == "raw_intercom"
    ]
    with dg.DagsterInstance.get() as instance:
        result = dg.materialize(
            raw,
            partition_key="2026-10-30",
            instance=instance,
            resources={
                "intercom": intercom_resource(sandbox),
                "lake": LakeResource(url=str(tmp_path / "lake")),
                "webhook_inbox": WebhookInboxResource(url=f"sqlite:///{tmp_path / 'inbox.sqlite'}"),
            },
        )
    sandbox.set_faults(FaultConfig())
    assert result.success
    metadata = [
        {k: v.value for k, v in e.materialization.metadata.items()} for e in result.get_asset_materialization_events()
    ]
    rows = sum(m["dagster/row_count"] for m in metadata)
    http_429s = sum(m.get("window_http_429s", m.get("http_429s", 0)) for m in metadata)
    assert rows > 0 and http_429s > 0

    use_env(
        monkeypatch,
        tmp_path,
        DAGSTER_HOME=str(dagster_home),
        INTEGRATION_PIPELINES_SANDBOX_URL=sandbox.url,
    )
    assert main(["status", "--json", "--no-health"]) == 0
    document = json.loads(capsys.readouterr().out)
    intercom = by_name(document)["intercom"]
    assert document["dagster_home"] == str(dagster_home)
    assert intercom["last_success_at"] is not None
    assert intercom["last_success"]["run_id"] == result.run_id
    assert intercom["last_success"]["status"] == "SUCCESS"
    assert intercom["last_success"]["rows"] == rows
    assert intercom["last_run"]["http_429s"] == http_429s
    assert by_name(document)["zendesk"]["last_success"] is None  # never synced in this instance

    assert main(["status", "--no-health"]) == 0
    table = capsys.readouterr().out
    intercom_line = next(line for line in table.splitlines() if "Intercom" in line)
    assert f"{rows:,}" in intercom_line and str(http_429s) in intercom_line


def test_the_table_names_every_column_and_integration(
    sandbox: SandboxProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_env(monkeypatch, tmp_path, INTEGRATION_PIPELINES_SANDBOX_URL=sandbox.url)
    assert main(["status", "--timeout", "10"]) == 0
    out = capsys.readouterr().out
    for header in ("Integration", "Kind", "Provider", "Configured", "Health", "Latency", "Last sync", "Rows", "429s"):
        assert header in out
    for title in ("Salesforce", "HubSpot", "Zendesk", "Intercom", "Sentiment", "DuckDB", "Snowflake", "BigQuery"):
        assert title in out
    assert "Redshift" in out and "offline model" in out and "healthy" in out
    assert "missing SNOWFLAKE_ACCOUNT" in out  # names, for the warehouses nobody configured


def test_status_help_lists_its_options() -> None:
    out = subprocess.run([*CLI, "--help"], capture_output=True, text=True, check=True).stdout
    for option in ("--json", "--no-health", "--timeout"):
        assert option in out
    assert "DAGSTER_HOME" in out


def test_demo_help_names_the_job_it_runs() -> None:
    demo_help = [sys.executable, "-m", "integration_pipelines.cli", "demo", "--help"]
    out = subprocess.run(demo_help, capture_output=True, text=True, check=True).stdout
    assert "main_job" in out and "sync_all_job" not in out
