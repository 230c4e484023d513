"""The environment, read once when the definitions load, as an :class:`AlertsResource`.

Each channel has one switch: ``SLACK_BOT_TOKEN``/``SLACK_CHANNEL``, ``ALERT_EMAIL_TO``, ``ALERT_SMS_TO``.
Without it the channel is off and its other variables are ignored (a shared ``SMTP_HOST`` does not turn
email on). With it, a missing or malformed companion variable stops the load with the variable's name,
so a half-configured channel shows in ``dg check defs`` instead of as a silent first outage.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import dagster as dg

from integration_pipelines.defs.alerts.resource import DEFAULT_WEBSERVER_URL, AlertsResource
from integration_pipelines.lib.alerts.slack import SLACK_API_URL
from integration_pipelines.lib.alerts.sms import TWILIO_API_URL

TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class AlertSettingsError(ValueError):
    """A channel is switched on but a variable it needs is missing or malformed."""


def split_list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _require(env: Mapping[str, str], switch: str, names: tuple[str, ...]) -> None:
    missing = [name for name in names if not env.get(name)]
    if missing:
        raise AlertSettingsError(f"{switch} is set, so alerts also need {', '.join(missing)}")


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    if value not in TRUE + FALSE:
        raise AlertSettingsError(f"{name} must be true or false, not {value!r}")
    return value in TRUE


def _number(env: Mapping[str, str], name: str, default: float, kind: type[int] | type[float]) -> float:
    value = env.get(name, "").strip()
    try:
        return kind(value) if value else default
    except ValueError:
        raise AlertSettingsError(
            f"{name} must be a{'n integer' if kind is int else ' number'}, not {value!r}"
        ) from None


def _slack(env: Mapping[str, str]) -> dict[str, object]:
    if not (env.get("SLACK_BOT_TOKEN") or env.get("SLACK_CHANNEL")):
        return {}
    _require(env, "SLACK_BOT_TOKEN or SLACK_CHANNEL", ("SLACK_BOT_TOKEN", "SLACK_CHANNEL"))
    return {
        "slack_token": dg.EnvVar("SLACK_BOT_TOKEN"),
        "slack_channel": env["SLACK_CHANNEL"],
        "slack_api_url": env.get("SLACK_API_URL") or SLACK_API_URL,
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
        "smtp_port": int(_number(env, "SMTP_PORT", 587, int)),
        "smtp_username": env.get("SMTP_USERNAME") or None,
        "smtp_password": dg.EnvVar("SMTP_PASSWORD") if env.get("SMTP_PASSWORD") else None,
        "smtp_starttls": _flag(env, "SMTP_STARTTLS", True),
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
        "twilio_api_url": env.get("TWILIO_API_URL") or TWILIO_API_URL,
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
        webserver_url=(env.get("DAGSTER_WEBSERVER_URL") or DEFAULT_WEBSERVER_URL).rstrip("/"),
        timeout_seconds=_number(env, "ALERT_TIMEOUT_SECONDS", 10.0, float),
        **_slack(env),
        **_email(env),
        **_sms(env),
    )
