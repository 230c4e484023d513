"""The environment, read once when the definitions load, as an :class:`AlertsResource`.

Each channel has one switch: ``SLACK_BOT_TOKEN``/``SLACK_CHANNEL``, ``ALERT_EMAIL_TO``, ``ALERT_SMS_TO``.
Without it the channel is off and its other variables are ignored (a shared ``SMTP_HOST`` does not turn
email on). With it, a missing or malformed companion variable stops the load with the variable's name,
so a half-configured channel shows in ``dg check defs`` instead of as a silent first outage.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TypeVar

import dagster as dg

from integration_pipelines.defs.alerts.resource import DEFAULT_WEBSERVER_URL, AlertsResource
from integration_pipelines.lib.alerts.slack import SLACK_API_URL
from integration_pipelines.lib.alerts.sms import TWILIO_API_URL
from integration_pipelines.lib.settings import Setting, SettingError, flag, integer, number, url

T = TypeVar("T")
WEBSERVER_URL = url("DAGSTER_WEBSERVER_URL", default=DEFAULT_WEBSERVER_URL)
TIMEOUT_SECONDS = number("ALERT_TIMEOUT_SECONDS", default=10.0)
SLACK_API = url("SLACK_API_URL", default=SLACK_API_URL)
SMTP_PORT = integer("SMTP_PORT", default=587, minimum=1, maximum=65535)
SMTP_STARTTLS = flag("SMTP_STARTTLS", default=True)
TWILIO_API = url("TWILIO_API_URL", default=TWILIO_API_URL)


class AlertSettingsError(SettingError):
    """A channel is switched on but a variable it needs is missing or malformed."""


def split_list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _require(env: Mapping[str, str], switch: str, names: tuple[str, ...]) -> None:
    missing = [name for name in names if not env.get(name)]
    if missing:
        raise AlertSettingsError(f"{switch} is set, so alerts also need {', '.join(missing)}")


def _read(setting: Setting[T], env: Mapping[str, str]) -> T:
    """The setting's value from ``env``, its error raised as this module's."""
    try:
        return setting.value(env)
    except SettingError as error:
        raise AlertSettingsError(str(error)) from None


def _slack(env: Mapping[str, str]) -> dict[str, object]:
    if not (env.get("SLACK_BOT_TOKEN") or env.get("SLACK_CHANNEL")):
        return {}
    _require(env, "SLACK_BOT_TOKEN or SLACK_CHANNEL", ("SLACK_BOT_TOKEN", "SLACK_CHANNEL"))
    return {
        "slack_token": dg.EnvVar("SLACK_BOT_TOKEN"),
        "slack_channel": env["SLACK_CHANNEL"],
        "slack_api_url": _read(SLACK_API, env),
    }


def _email(env: Mapping[str, str]) -> dict[str, object]:
    recipients = split_list(env.get("ALERT_EMAIL_TO"))
    if not recipients:
        return {}
    _require(env, "ALERT_EMAIL_TO", ("SMTP_HOST", "ALERT_EMAIL_FROM"))
    if bool(env.get("SMTP_USERNAME")) != bool(env.get("SMTP_PASSWORD")):
        raise AlertSettingsError("SMTP_USERNAME and SMTP_PASSWORD go together: set both or neither")
    return {
        "smtp_host": env["SMTP_HOST"],
        "smtp_port": _read(SMTP_PORT, env),
        "smtp_username": env.get("SMTP_USERNAME") or None,
        "smtp_password": dg.EnvVar("SMTP_PASSWORD") if env.get("SMTP_PASSWORD") else None,
        "smtp_starttls": _read(SMTP_STARTTLS, env),
        "email_from": env["ALERT_EMAIL_FROM"],
        "email_to": recipients,
    }


def _sms(env: Mapping[str, str]) -> dict[str, object]:
    recipients = split_list(env.get("ALERT_SMS_TO"))
    if not recipients:
        return {}
    _require(env, "ALERT_SMS_TO", ("TWILIO_ACCOUNT_SID", "ALERT_SMS_FROM"))
    settings: dict[str, object] = {
        "twilio_account_sid": env["TWILIO_ACCOUNT_SID"],
        "sms_from": env["ALERT_SMS_FROM"],
        "sms_to": recipients,
        "twilio_api_url": _read(TWILIO_API, env),
    }
    if env.get("TWILIO_API_KEY") or env.get("TWILIO_API_SECRET"):
        _require(env, "TWILIO_API_KEY or TWILIO_API_SECRET", ("TWILIO_API_KEY", "TWILIO_API_SECRET"))
        settings.update(twilio_api_key=dg.EnvVar("TWILIO_API_KEY"), twilio_api_secret=dg.EnvVar("TWILIO_API_SECRET"))
    else:
        _require(env, "ALERT_SMS_TO (without TWILIO_API_KEY)", ("TWILIO_AUTH_TOKEN",))
        settings["twilio_auth_token"] = dg.EnvVar("TWILIO_AUTH_TOKEN")
    return settings


def alerts_resource_from_env(env: Mapping[str, str] | None = None) -> AlertsResource:
    env = os.environ if env is None else env
    return AlertsResource(
        webserver_url=_read(WEBSERVER_URL, env).rstrip("/"),
        timeout_seconds=_read(TIMEOUT_SECONDS, env),
        **_slack(env),
        **_email(env),
        **_sms(env),
    )
