"""SMS through Twilio's Messages API, one POST per recipient, with httpx.

Authenticates as the account (SID + auth token) or, preferably, with an API key (key SID + secret), which
can be revoked without rotating the account's token. Every recipient is tried even when one fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from integration_pipelines.lib.alerts.message import AlertMessage

TWILIO_API_URL = "https://api.twilio.com"


class SmsError(RuntimeError):
    """Twilio refused the message for some recipients (the numbers are named, never the credentials)."""


@dataclass(frozen=True)
class SmsChannel:
    account_sid: str
    username: str  # the account SID, or an API key SID
    password: str = field(repr=False)  # the auth token, or the API key's secret
    sender: str = ""
    recipients: tuple[str, ...] = ()
    api_url: str = TWILIO_API_URL
    timeout_seconds: float = 10.0
    name: str = "sms"

    @property
    def messages_url(self) -> str:
        return f"{self.api_url.rstrip('/')}/2010-04-01/Accounts/{self.account_sid}/Messages.json"

    def send(self, message: AlertMessage) -> None:
        failures: list[str] = []
        with httpx.Client(auth=(self.username, self.password), timeout=self.timeout_seconds) as client:
            for recipient in self.recipients:
                try:
                    response = client.post(
                        self.messages_url, data={"From": self.sender, "To": recipient, "Body": message.short_text}
                    )
                    response.raise_for_status()
                except httpx.HTTPStatusError as error:
                    failures.append(f"{recipient}: HTTP {error.response.status_code}")
                except httpx.HTTPError as error:
                    failures.append(f"{recipient}: {type(error).__name__}")
        if failures:
            raise SmsError(
                f"Twilio did not accept the SMS for {len(failures)} of {len(self.recipients)} "
                f"recipient(s): {'; '.join(failures)}"
            )
