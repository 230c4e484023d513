"""The code location loads, and every job, schedule and sensor resolves, in both environments."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from integration_pipelines.definitions import defs as load_defs
from vendor_sandbox.dialects import zendesk as zendesk_sandbox

SOURCES = {
    "zendesk": ("tickets", "users", "organizations", "ticket_comments"),
    "salesforce": ("cases", "case_comments", "contacts", "accounts", "opportunities"),
    "hubspot": ("contacts", "companies", "tickets", "deals"),
    "intercom": ("conversations", "conversation_parts", "contacts"),
    "retell": ("calls",),
    "twilio": ("messages",),
    "calendly": ("scheduled_events", "invitees"),
    "stripe": ("customers", "subscriptions", "disputes", "refunds"),
}
EXPECTED_ASSETS = {
    f"{layer}/{system}/{obj}"
    for layer in ("raw", "warehouse")
    for system, objects in SOURCES.items()
    for obj in objects
}
FEEDBACK_TABLES = ("customer_feedback", "feedback_preprocessed", "feedback_sentiment")
MARTS = {
    f"marts/{name}" for name in ("fct_customer_feedback", "dim_customer", "agg_sentiment_daily", "fct_conversation")
}
# the dbt models the marts are built from: one staging model per exported table, two intermediate ones
DBT_MODELS = (
    MARTS
    | {f"staging/{system}/{obj}" for system, objects in SOURCES.items() for obj in objects}
    | {f"staging/feedback/{name}" for name in FEEDBACK_TABLES}
    | {"intermediate/int_customer_identities", "intermediate/int_message_authors"}
)


def error_chain(error: BaseException | None) -> list[str]:
    """The messages of an exception and of everything it was raised from (Dagster wraps load errors)."""
    chain = []
    while error is not None:
        chain.append(str(error))
        error = error.__cause__ or error.__context__
    return chain


@pytest.fixture
def local_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("INTEGRATION_PIPELINES_ENV", "local")
    monkeypatch.setenv("INTEGRATION_PIPELINES_HOME", str(tmp_path))
    return tmp_path


def test_definitions_load_and_everything_resolves(local_env: Path) -> None:
    defs = load_defs()
    dg.Definitions.validate_loadable(defs)
    keys = {node.key.to_user_string() for node in defs.resolve_asset_graph().asset_nodes}
    assert keys >= EXPECTED_ASSETS
    jobs = {job.name for job in defs.resolve_all_job_defs()}
    assert {f"{system}_sync_job" for system in SOURCES} | {"sync_all_job"} <= jobs
    for schedule in defs.schedules or []:
        assert defs.resolve_schedule_def(schedule.name).job_name in jobs
    for sensor in defs.sensors or []:
        defs.resolve_sensor_def(sensor.name)
    assert {s.name for s in defs.schedules or []} >= {f"{system}_sync_schedule" for system in SOURCES}
    for system in SOURCES:
        job = defs.resolve_job_def(f"{system}_sync_job")
        assert {k.to_user_string() for k in job.asset_layer.executable_asset_keys} == {
            key for key in EXPECTED_ASSETS if key.split("/")[1] == system
        }
    everything = defs.resolve_job_def("sync_all_job")
    assert {k.to_user_string() for k in everything.asset_layer.executable_asset_keys} == EXPECTED_ASSETS
    feedback = {f"feedback/{name}" for name in ("customer_feedback", "feedback_preprocessed", "feedback_sentiment")}
    main = defs.resolve_job_def("main_job")
    exports = {f"export/duckdb/{system}/{obj}" for system, objects in SOURCES.items() for obj in objects} | {
        f"export/duckdb/{key}" for key in feedback
    }
    assert {k.to_user_string() for k in main.asset_layer.executable_asset_keys} == (
        EXPECTED_ASSETS | feedback | {"feedback/sentiment_report"} | exports | DBT_MODELS
    )
    export_job = defs.resolve_job_def("export_job")
    assert {k.to_user_string() for k in export_job.asset_layer.executable_asset_keys} == exports | DBT_MODELS
    assert defs.resolve_schedule_def("nightly_export_schedule").job_name == "export_job"
    assert defs.resources["export_duckdb"].database == str(local_env / "export.duckdb")
    assert "sentiment" in defs.resources and defs.resources["sentiment"].provider == "offline"


def test_local_environment_points_at_the_sandbox(local_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTEGRATION_PIPELINES_SANDBOX_URL", "http://127.0.0.1:9999")
    resources = load_defs().resources
    assert resources["zendesk"].base_url == "http://127.0.0.1:9999/zendesk/{subdomain}"
    assert resources["zendesk"].api_token == zendesk_sandbox.API_TOKEN
    assert resources["salesforce"].login_url == "http://127.0.0.1:9999/salesforce"
    assert resources["hubspot"].base_url == "http://127.0.0.1:9999/hubspot"
    assert resources["intercom"].base_url == "http://127.0.0.1:9999/intercom"


def test_prod_environment_reads_credentials_from_env_vars(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INTEGRATION_PIPELINES_ENV", "prod")
    monkeypatch.delenv("ZENDESK_OAUTH_TOKEN", raising=False)
    defs = load_defs()
    dg.Definitions.validate_loadable(defs)
    zendesk = defs.resources["zendesk"]
    assert isinstance(zendesk.api_token, dg.EnvVar) and zendesk.api_token.env_var_name == "ZENDESK_API_TOKEN"
    assert isinstance(zendesk.subdomain, dg.EnvVar)
    for name in ("salesforce", "hubspot", "intercom"):
        resource = defs.resources[name]
        secrets = [v for k, v in resource if k in ("client_secret", "private_key", "access_token", "refresh_token")]
        assert secrets and all(isinstance(v, dg.EnvVar) for v in secrets if v is not None), name
    monkeypatch.setenv("ZENDESK_OAUTH_TOKEN", "x" * 12)
    zendesk = load_defs().resources["zendesk"]
    assert isinstance(zendesk.oauth_token, dg.EnvVar) and zendesk.api_token is None


def test_unknown_environment_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTEGRATION_PIPELINES_ENV", "staging")
    with pytest.raises(Exception) as excinfo:
        load_defs()
    assert any("INTEGRATION_PIPELINES_ENV must be one of local, prod" in text for text in error_chain(excinfo.value))


@pytest.mark.parametrize(
    ("tick", "partitions"),
    [
        (datetime(2026, 11, 21, 0, 0, tzinfo=UTC), ["2026-11-20", "2026-11-21"]),
        (datetime(2026, 11, 21, 13, 0, tzinfo=UTC), ["2026-11-21"]),
    ],
)
def test_sync_schedule_targets_today_and_after_midnight_yesterday(
    local_env: Path, tick: datetime, partitions: list[str]
) -> None:
    defs = load_defs()
    schedule = defs.resolve_schedule_def("zendesk_sync_schedule")
    assert schedule.cron_schedule == "0 * * * *"
    with dg.DagsterInstance.ephemeral() as instance:
        context = dg.build_schedule_context(
            instance=instance, scheduled_execution_time=tick, repository_def=defs.get_repository_def()
        )
        result = schedule.evaluate_tick(context)
    assert [r.partition_key for r in result.run_requests or []] == partitions
    assert len({r.run_key for r in result.run_requests or []}) == len(partitions)


def test_prod_exports_nothing_until_targets_are_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTEGRATION_PIPELINES_ENV", "prod")
    monkeypatch.delenv("EXPORT_TARGETS", raising=False)
    defs = load_defs()
    assert not any(node.key.path[0] == "export" for node in defs.resolve_asset_graph().asset_nodes)
    assert "nightly_export_schedule" not in {s.name for s in defs.schedules or []}


def test_prod_export_targets_take_every_secret_from_env_vars(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three warehouses at once: 27 export assets each, and every credential is an EnvVar (so no value
    reaches code, config or metadata); settings that are not secrets may be plain values."""
    monkeypatch.setenv("INTEGRATION_PIPELINES_ENV", "prod")
    monkeypatch.setenv("EXPORT_TARGETS", "snowflake, bigquery,redshift")
    monkeypatch.setenv("SNOWFLAKE_PRIVATE_KEY", "k" * 40)
    monkeypatch.delenv("SNOWFLAKE_PASSWORD", raising=False)
    monkeypatch.setenv("BIGQUERY_CREDENTIALS", "c" * 40)
    monkeypatch.setenv("REDSHIFT_IAM_ROLE", "arn:aws:iam::123456789012:role/redshift-load")
    defs = load_defs()
    dg.Definitions.validate_loadable(defs)
    exported = [n.key for n in defs.resolve_asset_graph().asset_nodes if n.key.path[0] == "export"]
    assert sorted({k.path[1] for k in exported}) == ["bigquery", "redshift", "snowflake"] and len(exported) == 81
    snowflake, bigquery, redshift = (defs.resources[k] for k in ("snowflake", "bigquery", "redshift"))
    secrets = [snowflake.user, snowflake.private_key, bigquery.gcp_credentials, redshift.user, redshift.password]
    assert all(isinstance(v, dg.EnvVar) for v in secrets)
    assert snowflake.password is None
    assert redshift.iam_role == "arn:aws:iam::123456789012:role/redshift-load" and redshift.sslmode == "require"
    assert redshift.load_statement == "copy"
    job = defs.resolve_job_def("export_job")
    assert {k.path[1] for k in job.asset_layer.executable_asset_keys if k.path[0] == "export"} == {
        "snowflake",
        "bigquery",
        "redshift",
    }
    assert {k.to_user_string() for k in job.asset_layer.executable_asset_keys if k.path[0] != "export"} == DBT_MODELS


def test_unknown_export_target_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, local_env: Path) -> None:
    monkeypatch.setenv("EXPORT_TARGETS", "duckdb,oracle")
    with pytest.raises(Exception) as excinfo:
        load_defs()
    assert any("EXPORT_TARGETS must be a comma-separated list" in text for text in error_chain(excinfo.value))
    assert any("(unknown: oracle)" in text for text in error_chain(excinfo.value))
