from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from integration_pipelines_tests.alerts.standins import SmtpServer, VendorApis, self_signed_certificate

ALERT_VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_CHANNEL",
    "SLACK_API_URL",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USERNAME",
    "SMTP_PASSWORD",
    "SMTP_STARTTLS",
    "ALERT_EMAIL_FROM",
    "ALERT_EMAIL_TO",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_API_KEY",
    "TWILIO_API_SECRET",
    "TWILIO_API_URL",
    "ALERT_SMS_FROM",
    "ALERT_SMS_TO",
    "DAGSTER_WEBSERVER_URL",
    "ALERT_TIMEOUT_SECONDS",
)


@pytest.fixture
def no_alert_variables(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No channel configured, whatever the machine's environment holds."""
    for name in ALERT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def vendor_apis() -> Iterator[VendorApis]:
    apis = VendorApis().start()
    yield apis
    apis.stop()


@pytest.fixture
def smtp_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """The server's self-signed certificate becomes the only CA the SMTP client trusts (SSL_CERT_FILE),
    so STARTTLS is verified exactly as against Gmail."""
    certificate = self_signed_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    server = SmtpServer(certificate).start()
    yield server
    server.stop()
