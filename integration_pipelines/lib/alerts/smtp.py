"""Email over SMTP with ``smtplib``: STARTTLS on 587 by default, implicit TLS on 465.

Gmail: ``smtp.gmail.com``, port 587, the account as username and an app password (Google refuses the
account password over SMTP once 2-step verification is on).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage

from integration_pipelines.lib.alerts.message import AlertMessage

IMPLICIT_TLS_PORT = 465


@dataclass(frozen=True)
class EmailChannel:
    host: str
    sender: str
    recipients: tuple[str, ...]
    port: int = 587
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = True
    timeout_seconds: float = 10.0
    name: str = "email"

    def compose(self, message: AlertMessage) -> EmailMessage:
        email = EmailMessage()
        email["Subject"] = message.subject
        email["From"] = self.sender
        email["To"] = ", ".join(self.recipients)
        email.set_content(message.text)
        return email

    def send(self, message: AlertMessage) -> None:
        tls = ssl.create_default_context()
        if self.port == IMPLICIT_TLS_PORT:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_seconds, context=tls)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_seconds)
        with smtp:
            if self.starttls and self.port != IMPLICIT_TLS_PORT:
                smtp.starttls(context=tls)
            if self.username:
                smtp.login(self.username, self.password or "")
            refused = smtp.send_message(self.compose(message), to_addrs=list(self.recipients))
        if refused:  # some recipients accepted: still a failure worth reporting
            raise smtplib.SMTPRecipientsRefused(refused)
