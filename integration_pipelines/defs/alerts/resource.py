"""The ``alerts`` resource: which channels are on and their settings, secrets as ``dg.EnvVar``s.

A channel is on only when its settings are present (see ``settings.py``), so an unconfigured deployment
loads and runs with the sensor doing nothing.
"""

from __future__ import annotations

import dagster as dg
from pydantic import Field

from integration_pipelines.lib.alerts.delivery import Channel
from integration_pipelines.lib.alerts.slack import SLACK_API_URL, SlackChannel
from integration_pipelines.lib.alerts.sms import TWILIO_API_URL, SmsChannel
from integration_pipelines.lib.alerts.smtp import EmailChannel

DEFAULT_WEBSERVER_URL = "http://127.0.0.1:3000"


class AlertsResource(dg.ConfigurableResource):
    """Where failed-run alerts go (Slack, email over SMTP, SMS through Twilio)."""

    webserver_url: str = Field(
        default=DEFAULT_WEBSERVER_URL, description="Base URL of the Dagster UI, for run links (DAGSTER_WEBSERVER_URL)."
    )
    timeout_seconds: float = Field(default=10.0, gt=0, description="Per channel (ALERT_TIMEOUT_SECONDS).")

    slack_token: str | None = Field(default=None, description="Bot token (SLACK_BOT_TOKEN); a secret.")
    slack_channel: str | None = Field(default=None, description="Channel name or id (SLACK_CHANNEL).")
    slack_api_url: str = Field(default=SLACK_API_URL, description="Slack Web API base (SLACK_API_URL).")

    smtp_host: str | None = Field(default=None, description="SMTP server (SMTP_HOST), e.g. smtp.gmail.com.")
    smtp_port: int = Field(default=587, description="SMTP_PORT: 587 STARTTLS, 465 implicit TLS.")
    smtp_username: str | None = Field(default=None, description="SMTP_USERNAME.")
    smtp_password: str | None = Field(default=None, description="SMTP_PASSWORD (Gmail: an app password); a secret.")
    smtp_starttls: bool = Field(default=True, description="SMTP_STARTTLS.")
    email_from: str | None = Field(default=None, description="ALERT_EMAIL_FROM.")
    email_to: list[str] = Field(default_factory=list, description="ALERT_EMAIL_TO, comma-separated.")

    twilio_account_sid: str | None = Field(default=None, description="TWILIO_ACCOUNT_SID.")
    twilio_auth_token: str | None = Field(default=None, description="TWILIO_AUTH_TOKEN; a secret.")
    twilio_api_key: str | None = Field(default=None, description="TWILIO_API_KEY (an SK... key SID).")
    twilio_api_secret: str | None = Field(default=None, description="TWILIO_API_SECRET; a secret.")
    twilio_api_url: str = Field(default=TWILIO_API_URL, description="TWILIO_API_URL.")
    sms_from: str | None = Field(default=None, description="ALERT_SMS_FROM: a Twilio number or sender id.")
    sms_to: list[str] = Field(default_factory=list, description="ALERT_SMS_TO, comma-separated E.164 numbers.")

    def channels(self) -> list[Channel]:
        channels: list[Channel] = []
        if self.slack_token and self.slack_channel:
            channels.append(
                SlackChannel(
                    token=self.slack_token,
                    channel=self.slack_channel,
                    api_url=self.slack_api_url,
                    timeout_seconds=self.timeout_seconds,
                )
            )
        if self.smtp_host and self.email_from and self.email_to:
            channels.append(
                EmailChannel(
                    host=self.smtp_host,
                    port=self.smtp_port,
                    sender=self.email_from,
                    recipients=tuple(self.email_to),
                    username=self.smtp_username,
                    password=self.smtp_password,
                    starttls=self.smtp_starttls,
                    timeout_seconds=self.timeout_seconds,
                )
            )
        credentials = (
            (self.twilio_api_key, self.twilio_api_secret)
            if self.twilio_api_key
            else (self.twilio_account_sid, self.twilio_auth_token)
        )
        if self.twilio_account_sid and self.sms_from and self.sms_to and all(credentials):
            username, password = credentials
            channels.append(
                SmsChannel(
                    account_sid=self.twilio_account_sid,
                    username=str(username),
                    password=str(password),
                    sender=self.sms_from,
                    recipients=tuple(self.sms_to),
                    api_url=self.twilio_api_url,
                    timeout_seconds=self.timeout_seconds,
                )
            )
        return channels

    def own_secrets(self) -> list[str | None]:
        """The channels' credentials, so an error quoting one (say, a failed login) is masked too."""
        return [self.slack_token, self.smtp_password, self.twilio_auth_token, self.twilio_api_secret]
