"""Each setting rejects a malformed value with a message an operator can act on: the variable's name,
the value found (never a secret's) and the form expected; good values come back typed."""

from __future__ import annotations

from datetime import date

import pytest

from integration_pipelines import deployment_settings as ds
from integration_pipelines.components.vendor_sync import EnvSetting
from integration_pipelines.defs.alerts import settings as alerts
from integration_pipelines.lib import environment, partitions, settings
from integration_pipelines.lib.settings import Setting, SettingError
from integration_pipelines.lib.webhooks import settings as webhooks

INTEGER = "an integer"
NUMBER = "a number greater than 0"
FLAG = "true or false"
ZONE = "an IANA time zone (e.g. UTC or Europe/Berlin)"
URL = "URL (e.g."

BAD = [
    (environment.ENVIRONMENT, "staging", "one of local, prod"),
    (environment.SANDBOX_URL, "127.0.0.1:8765", URL),
    (partitions.PARTITIONS_START, "yesterday", "a date as YYYY-MM-DD (e.g. 2025-01-01)"),
    (partitions.PARTITIONS_START, "2025-02-30", "a date as YYYY-MM-DD"),
    (partitions.PARTITIONS_START, "01/02/2025", "a date as YYYY-MM-DD"),
    (ds.EXPORT_TARGETS, "duckdb,oracle", "a comma-separated list of duckdb, snowflake, bigquery, redshift"),
    (ds.EXPORT_CRON, "every night", "a cron expression (e.g. '0 2 * * *')"),
    (ds.EXPORT_CRON, "0 2 30 2 *", "a cron expression"),
    (ds.EXPORT_CRON, "0 0 2 * * *", "a cron expression"),
    (ds.EXPORT_TIMEZONE, "Mars/Base", ZONE),
    (ds.EXPORT_TIMEZONE, "../x", ZONE),
    (ds.EXPORT_TIMEZONE, "/etc/passwd", ZONE),
    (ds.EXPORT_TIMEZONE, "Europe", ZONE),
    (ds.EXPORT_TIMEZONE, "x" * 300, ZONE),
    (ds.EXPORT_CHUNK_ROWS, "abc", "an integer of at least 1 (e.g. 100000)"),
    (ds.EXPORT_CHUNK_ROWS, "0", "an integer of at least 1"),
    (ds.EXPORT_CHUNK_ROWS, "1.5", "an integer of at least 1"),
    (ds.EXPORT_SCHEMA_PREFIX, "ip-", "letters, digits and underscores, not starting with a digit (e.g. ip_)"),
    (ds.EXPORT_SCHEMA_PREFIX, "1st_", "letters, digits and underscores"),
    (ds.EXPORT_SCHEMA_PREFIX, 'x"; drop schema y; --', "letters, digits and underscores"),
    (ds.DBT_TARGET, "duckdb", "one of local, snowflake, bigquery, redshift"),
    (ds.BIGQUERY_API_ENDPOINT, "localhost:9050", URL),
    (ds.BIGQUERY_ANONYMOUS, "maybe", FLAG),
    (ds.REDSHIFT_PORT, "abc", "an integer from 1 to 65535 (e.g. 5439)"),
    (ds.REDSHIFT_PORT, "70000", "an integer from 1 to 65535"),
    (ds.REDSHIFT_SSLMODE, "required", "one of disable, allow, prefer, require, verify-ca, verify-full"),
    (ds.REDSHIFT_LOAD_STATEMENT, "unload", "one of copy, insert"),
    (ds.S3_ENDPOINT_URL, "http://", URL),
    (ds.SENTIMENT_PROVIDER, "gpt", "one of offline, openai, azure_openai, anthropic, bedrock, vertex"),
    (ds.SENTIMENT_BASE_URL, "ftp://llm.example", "a http or https URL"),
    (ds.SENTIMENT_AZURE_ENDPOINT, "http://acme.openai.azure.com", "a https URL"),
    (ds.SENTIMENT_REQUESTS_PER_MINUTE, "abc", NUMBER),
    (ds.SENTIMENT_REQUESTS_PER_MINUTE, "0", NUMBER),
    (ds.SENTIMENT_REQUESTS_PER_MINUTE, "inf", NUMBER),
    (ds.SENTIMENT_REQUESTS_PER_MINUTE, "nan", NUMBER),
    (alerts.WEBSERVER_URL, "dagster.acme.com", URL),
    (alerts.TIMEOUT_SECONDS, "-1", NUMBER),
    (alerts.SMTP_PORT, "smtp", "an integer from 1 to 65535 (e.g. 587)"),
    (alerts.SMTP_STARTTLS, "maybe", FLAG),
    (webhooks.MAX_BODY_BYTES, "1MB", "an integer of at least 1"),
    (webhooks.PUBLIC_URL, "hooks.acme.com", URL),
    (EnvSetting(env="ZENDESK_SYNC_CRON", default="0 * * * *"), "hourly", "a cron expression (e.g. '0 * * * *')"),
    (EnvSetting(env="ZENDESK_REQUESTS_PER_MINUTE", default=700), "ten", "a number greater than 0 (e.g. 700.0)"),
]


def name_of(setting: Setting | EnvSetting) -> str:
    return setting.env if isinstance(setting, EnvSetting) else setting.name


def read(setting: Setting | EnvSetting, monkeypatch: pytest.MonkeyPatch, value: str) -> object:
    """Through the environment, as the code location reads it."""
    if isinstance(setting, EnvSetting):
        monkeypatch.setenv(setting.env, value)
        return setting.number() if isinstance(setting.default, float | int) else setting.cron()
    monkeypatch.setenv(setting.name, value)
    return setting.read()


@pytest.mark.parametrize(("setting", "value", "expected"), BAD, ids=[f"{name_of(s)}={v[:20]}" for s, v, _ in BAD])
def test_a_malformed_value_names_the_variable_the_value_and_the_expected_form(
    setting: Setting | EnvSetting, value: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = name_of(setting)
    with pytest.raises(SettingError) as excinfo:
        read(setting, monkeypatch, value)
    message = str(excinfo.value)
    assert message.startswith(f"{name} must be "), message
    assert expected in message and f"not {value!r}" in message, message
    assert "invalid literal" not in message and "could not convert" not in message, message


@pytest.mark.parametrize(
    ("setting", "value", "typed"),
    [
        (environment.ENVIRONMENT, " PROD ", "prod"),
        (partitions.PARTITIONS_START, "2024-06-30", date(2024, 6, 30)),
        (ds.EXPORT_TARGETS, "Snowflake, bigquery,,snowflake", ("snowflake", "bigquery")),
        (ds.EXPORT_CRON, "@daily", "@daily"),
        (ds.EXPORT_TIMEZONE, "Asia/Riyadh", "Asia/Riyadh"),
        (ds.EXPORT_CHUNK_ROWS, "50", 50),
        (ds.EXPORT_SCHEMA_PREFIX, "ip_", "ip_"),
        (ds.BIGQUERY_ANONYMOUS, "Yes", True),
        (ds.BIGQUERY_ANONYMOUS, "off", False),
        (ds.REDSHIFT_PORT, "5432", 5432),
        (ds.REDSHIFT_LOAD_STATEMENT, "INSERT", "insert"),
        (ds.S3_ENDPOINT_URL, "http://127.0.0.1:5000", "http://127.0.0.1:5000"),
        (ds.SENTIMENT_REQUESTS_PER_MINUTE, "0.5", 0.5),
    ],
)
def test_a_good_value_is_read_typed(
    setting: Setting, value: str, typed: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert read(setting, monkeypatch, value) == typed


@pytest.mark.parametrize("setting", [s for s in ds.SETTINGS if s.default is not None], ids=lambda s: s.name)
def test_unset_or_blank_means_the_default(setting: Setting, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(setting.name, raising=False)
    assert setting.read() == setting.default
    monkeypatch.setenv(setting.name, "  ")
    assert setting.read() == setting.default


def test_the_defaults_are_themselves_valid() -> None:
    """A default is what an operator gets without setting anything, so it must pass its own check."""
    for setting in ds.SETTINGS:
        if setting.default is not None and isinstance(setting.default, str | int | float):
            assert setting.read({setting.name: str(setting.default)}) == setting.default, setting.name


def test_a_secret_value_never_appears_in_the_message() -> None:
    secret = settings.Setting("ACME_TOKEN", int, "an integer", secret=True)
    with pytest.raises(SettingError) as excinfo:
        secret.read({"ACME_TOKEN": "hunter2-token"})
    assert "ACME_TOKEN must be an integer" in str(excinfo.value) and "hunter2" not in str(excinfo.value)


def test_check_names_every_malformed_setting_in_one_error() -> None:
    env = {"EXPORT_TIMEZONE": "Mars/Base", "REDSHIFT_PORT": "abc", "EXPORT_CRON": "0 2 * * *"}
    with pytest.raises(SettingError) as excinfo:
        settings.check([lambda s=s: s.read(env) for s in (ds.EXPORT_TIMEZONE, ds.REDSHIFT_PORT, ds.EXPORT_CRON)])
    lines = str(excinfo.value).splitlines()
    assert lines[0] == "2 settings need fixing:"
    assert lines[1].startswith("- EXPORT_TIMEZONE must be") and lines[2].startswith("- REDSHIFT_PORT must be")


def test_check_passes_when_every_setting_is_good() -> None:
    settings.check([lambda: ds.REDSHIFT_PORT.read({"REDSHIFT_PORT": "5439"})])
