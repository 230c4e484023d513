"""Which channels the environment turns on, and that a half-configured channel stops the load by name."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from integration_pipelines.definitions import defs as load_defs
from integration_pipelines.defs.alerts.settings import AlertSettingsError, alerts_resource_from_env
from integration_pipelines.lib.alerts.slack import SlackChannel
from integration_pipelines.lib.alerts.sms import SmsChannel
from integration_pipelines.lib.alerts.smtp import EmailChannel

EMAIL = {
    "SMTP_HOST": "smtp.gmail.com",
    "SMTP_USERNAME": "alerts@acme.com",
    "SMTP_PASSWORD": "app pass word",
    "ALERT_EMAIL_FROM": "alerts@acme.com",
    "ALERT_EMAIL_TO": "a@acme.com,  b@acme.com ,",
}
SMS_KEY = {
    "TWILIO_ACCOUNT_SID": "AC1",
    "TWILIO_API_KEY": "SK1",
    "TWILIO_API_SECRET": "api-secret",
    "ALERT_SMS_FROM": "+15005550006",
    "ALERT_SMS_TO": "+966500000001,+966500000002",
}


def test_nothing_configured_means_no_channel() -> None:
    resource = alerts_resource_from_env({"SMTP_HOST": "smtp.example.com", "TWILIO_ACCOUNT_SID": "AC1"})
    assert resource.channels() == [] and resource.webserver_url == "http://127.0.0.1:3000"


def test_every_channel_with_its_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_CHANNEL": "#alerts", **EMAIL, **SMS_KEY}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    resource = alerts_resource_from_env(env)
    for field in ("slack_token", "smtp_password", "twilio_api_key", "twilio_api_secret"):
        assert isinstance(getattr(resource, field), dg.EnvVar), field
    with dg.build_resources({"alerts": resource}) as built:
        slack, email, sms = built.alerts.channels()
    assert isinstance(slack, SlackChannel) and slack.api_url == "https://slack.com/api"
    assert isinstance(email, EmailChannel) and (email.port, email.starttls) == (587, True)
    assert email.recipients == ("a@acme.com", "b@acme.com") and email.password == "app pass word"
    assert isinstance(sms, SmsChannel) and (sms.username, sms.password) == ("SK1", "api-secret")
    assert sms.messages_url == "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json"
    assert sms.recipients == ("+966500000001", "+966500000002")
    assert "app pass word" not in repr(email) and "api-secret" not in repr(sms)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "also need SLACK_CHANNEL"),
        ({**EMAIL, "SMTP_HOST": ""}, "ALERT_EMAIL_TO is set, so alerts also need SMTP_HOST"),
        ({**EMAIL, "SMTP_PASSWORD": ""}, "SMTP_USERNAME and SMTP_PASSWORD go together"),
        ({**EMAIL, "SMTP_PORT": "smtp"}, "SMTP_PORT must be an integer"),
        ({**EMAIL, "SMTP_STARTTLS": "maybe"}, "SMTP_STARTTLS must be true or false"),
        ({**SMS_KEY, "TWILIO_API_SECRET": ""}, "also need TWILIO_API_SECRET"),
        ({**SMS_KEY, "TWILIO_API_KEY": "", "TWILIO_API_SECRET": ""}, "also need TWILIO_AUTH_TOKEN"),
        ({"ALERT_TIMEOUT_SECONDS": "soon"}, "ALERT_TIMEOUT_SECONDS must be a number"),
    ],
)
def test_a_half_configured_channel_is_an_error_naming_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(AlertSettingsError, match=message):
        alerts_resource_from_env(env)


@pytest.mark.slow
def test_the_definitions_load_with_no_alert_variables(no_alert_variables: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch = no_alert_variables
    monkeypatch.setenv("INTEGRATION_PIPELINES_ENV", "local")
    monkeypatch.setenv("INTEGRATION_PIPELINES_HOME", str(tmp_path))
    defs = load_defs()
    dg.Definitions.validate_loadable(defs)
    sensor = defs.resolve_sensor_def("run_failure_alert_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert isinstance(sensor, dg.RunStatusSensorDefinition)
    assert defs.resources["alerts"].channels() == []
