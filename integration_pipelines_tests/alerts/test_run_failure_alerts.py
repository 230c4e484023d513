"""Real failed runs on a real instance, then the sensor evaluated on them, delivering to loopback
stand-ins for Slack, Twilio and an SMTP server with STARTTLS."""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import dagster as dg
import pytest

from integration_pipelines.defs.alerts.sensor import run_failure_alert_sensor
from integration_pipelines.defs.alerts.settings import alerts_resource_from_env
from integration_pipelines.lib.partitions import range_tags
from integration_pipelines_tests.alerts.failing_job import (
    ERROR_TEXT,
    JOB_NAME,
    PLANTED_SECRET,
    SECRET_VARIABLE,
    STEP_KEY,
    failing_definitions,
    secret_forms,
)
from integration_pipelines_tests.alerts.standins import SmtpServer, VendorApis
from integration_pipelines_tests.fixtures.net import free_port

SLACK_TOKEN = "xoxb-1111-2222-alertsTOKEN"
SMTP_PASSWORD = "abcd efgh ijkl mnop"  # a Gmail app password's shape
TWILIO_SID = "AC" + "1" * 32
TWILIO_TOKEN = "twilio-auth-token-0123456789"
WEBSERVER = "https://dagster.example.com"


@dataclass(frozen=True)
class FailedRuns:
    instance: dg.DagsterInstance
    defs: dg.Definitions
    single: dg.ExecuteInProcessResult  # partition 2026-10-30
    ranged: dg.ExecuteInProcessResult  # partitions 2026-10-27..2026-10-30 in one run


@pytest.fixture(scope="module")
def failed_runs() -> Iterator[FailedRuns]:
    with pytest.MonkeyPatch.context() as patch, dg.DagsterInstance.ephemeral() as instance:
        patch.setenv(SECRET_VARIABLE, PLANTED_SECRET)
        defs = failing_definitions()
        job = defs.resolve_job_def(JOB_NAME)
        single = job.execute_in_process(instance=instance, partition_key="2026-10-30", raise_on_error=False)
        ranged = job.execute_in_process(
            instance=instance, tags=range_tags("2026-10-27", "2026-10-30"), raise_on_error=False
        )
        assert not single.success and not ranged.success
        yield FailedRuns(instance, defs, single, ranged)


@pytest.fixture
def alert_env(no_alert_variables: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch = no_alert_variables
    monkeypatch.setenv(SECRET_VARIABLE, PLANTED_SECRET)
    monkeypatch.setenv("DAGSTER_WEBSERVER_URL", WEBSERVER + "/")
    return monkeypatch


def configure_slack(env: pytest.MonkeyPatch, api_url: str) -> None:
    env.setenv("SLACK_BOT_TOKEN", SLACK_TOKEN)
    env.setenv("SLACK_CHANNEL", "#data-alerts")
    env.setenv("SLACK_API_URL", api_url)


def configure_email(env: pytest.MonkeyPatch, port: int) -> None:
    env.setenv("SMTP_HOST", "127.0.0.1")
    env.setenv("SMTP_PORT", str(port))
    env.setenv("SMTP_USERNAME", "alerts@example.com")
    env.setenv("SMTP_PASSWORD", SMTP_PASSWORD)
    env.setenv("ALERT_EMAIL_FROM", "Dagster <alerts@example.com>")
    env.setenv("ALERT_EMAIL_TO", "oncall@example.com, data-team@example.com")


def configure_sms(env: pytest.MonkeyPatch, api_url: str) -> None:
    env.setenv("TWILIO_ACCOUNT_SID", TWILIO_SID)
    env.setenv("TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
    env.setenv("TWILIO_API_URL", api_url)
    env.setenv("ALERT_SMS_FROM", "+15005550006")
    env.setenv("ALERT_SMS_TO", "+966500000001")


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def evaluate(runs: FailedRuns, result: dg.ExecuteInProcessResult) -> tuple[object, list[str]]:
    """The sensor, as the daemon would evaluate it for ``result``'s run; returns its result and log lines."""
    # The daemon hands the sensor its repository (the sensor reads the configured secrets from it); a test
    # can only do the same through this beta parameter, so its warning, and only it, is expected here.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Parameter `repository_def`", category=dg.BetaWarning)
        context = dg.build_run_status_sensor_context(
            sensor_name="run_failure_alert_sensor",
            dagster_event=result.get_run_failure_event(),
            dagster_instance=runs.instance,
            dagster_run=result.dagster_run,
            resources={"alerts": alerts_resource_from_env()},
            repository_def=runs.defs.get_repository_def(),
        ).for_run_failure()
    captured = Captured()
    context.log.addHandler(captured)
    with context:
        returned = run_failure_alert_sensor(context)
    return returned, captured.lines


def assert_no_secret(*texts: str | bytes) -> None:
    for text in texts:
        value = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        for form in secret_forms():
            assert form not in value


def run_link(result: dg.ExecuteInProcessResult) -> str:
    return f"{WEBSERVER}/runs/{result.run_id}"


@pytest.mark.slow
def test_a_failed_run_alerts_slack_email_and_sms_once_each_without_the_secret(
    failed_runs: FailedRuns, vendor_apis: VendorApis, smtp_server: SmtpServer, alert_env: pytest.MonkeyPatch
) -> None:
    configure_slack(alert_env, vendor_apis.url + "/api")
    configure_email(alert_env, smtp_server.port)
    configure_sms(alert_env, vendor_apis.url)
    result = failed_runs.single

    returned, log = evaluate(failed_runs, result)

    assert returned is None
    assert any(line.endswith("alert sent via slack, email, sms") for line in log), log
    (slack,), (sms,), (email,) = vendor_apis.slack(), vendor_apis.twilio(), smtp_server.emails
    slack_text = slack.json()["text"]
    assert slack.json()["channel"] == "#data-alerts"
    assert slack.headers["Authorization"] == f"Bearer {SLACK_TOKEN}"
    assert email.recipients == ["oncall@example.com", "data-team@example.com"]
    assert smtp_server.logins == [("alerts@example.com", SMTP_PASSWORD)]  # after STARTTLS: required by the server
    parsed = email.parsed()
    assert parsed["Subject"] == f"Dagster run failed: {JOB_NAME} [2026-10-30]"
    email_text = parsed.get_content()
    (sms_text,) = sms.form()["Body"]
    assert sms.form()["To"] == ["+966500000001"] and sms.form()["From"] == ["+15005550006"]
    assert sms.path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    for text in (slack_text, email_text, sms_text):
        assert JOB_NAME in text and "2026-10-30" in text and STEP_KEY in text
        assert ERROR_TEXT in text and "***" in text
        assert run_link(result) in text
    for text in (slack_text, email_text):
        assert f"Failed step: {STEP_KEY}" in text and result.run_id in text
        assert "bad credential ***" in text and "account=***" in text  # JSON-escaped and URL-encoded forms
    assert_no_secret(slack.raw, sms.raw, email.raw, slack_text, sms_text, email_text, *log)


@pytest.mark.slow
def test_a_channel_that_is_down_or_failing_never_fails_the_sensor(
    failed_runs: FailedRuns, vendor_apis: VendorApis, smtp_server: SmtpServer, alert_env: pytest.MonkeyPatch
) -> None:
    """Slack's URL has no server behind it and Twilio answers 500: email still goes out, the failures are
    logged by channel name without any secret, and the sensor returns normally."""
    configure_slack(alert_env, f"http://127.0.0.1:{free_port()}/api")
    configure_email(alert_env, smtp_server.port)
    configure_sms(alert_env, vendor_apis.url)
    vendor_apis.failing.add("twilio")
    result = failed_runs.ranged

    returned, log = evaluate(failed_runs, result)

    assert returned is None
    assert any(line.endswith("alert sent via email; failed: slack, sms") for line in log), log
    warnings = [line for line in log if line.startswith("alert channel ")]
    assert [w.split()[2] for w in warnings] == ["slack", "sms"]
    assert "HTTP 500" in warnings[1]
    (email,) = smtp_server.emails
    text = email.parsed().get_content()
    assert "Partitions: 2026-10-27 to 2026-10-30" in text and run_link(result) in text
    assert len(vendor_apis.twilio()) == 1 and not vendor_apis.slack()
    for secret in (SLACK_TOKEN, SMTP_PASSWORD, TWILIO_TOKEN):
        assert all(secret not in line for line in log)
    assert_no_secret(email.raw, text, *log)


@pytest.mark.slow
def test_a_channel_that_hangs_is_cut_off_by_its_timeout(
    failed_runs: FailedRuns, vendor_apis: VendorApis, smtp_server: SmtpServer, alert_env: pytest.MonkeyPatch
) -> None:
    configure_email(alert_env, smtp_server.port)
    configure_sms(alert_env, vendor_apis.url)
    alert_env.setenv("ALERT_TIMEOUT_SECONDS", "0.5")
    vendor_apis.delay = 3.0
    started = time.monotonic()

    _, log = evaluate(failed_runs, failed_runs.single)

    assert time.monotonic() - started < 2.5
    assert any(line.endswith("alert sent via email; failed: sms") for line in log), log
    assert len(smtp_server.emails) == 1


@pytest.mark.slow
def test_unconfigured_channels_send_nothing(
    failed_runs: FailedRuns, vendor_apis: VendorApis, smtp_server: SmtpServer, alert_env: pytest.MonkeyPatch
) -> None:
    """Only email configured: the HTTP stand-ins hear nothing. Nothing configured: nothing is sent at all.
    Variables of a channel whose switch is unset (SMTP_HOST without ALERT_EMAIL_TO) turn nothing on."""
    configure_email(alert_env, smtp_server.port)
    _, log = evaluate(failed_runs, failed_runs.single)
    assert any(line.endswith("alert sent via email") for line in log), log
    assert len(smtp_server.emails) == 1 and vendor_apis.requests == []

    alert_env.delenv("ALERT_EMAIL_TO")
    alert_env.setenv("TWILIO_ACCOUNT_SID", TWILIO_SID)
    alert_env.setenv("SLACK_API_URL", vendor_apis.url + "/api")
    _, log = evaluate(failed_runs, failed_runs.single)
    assert any("no alert channel is configured" in line for line in log), log
    assert len(smtp_server.emails) == 1 and vendor_apis.requests == []
