"""Slack: ``chat.postMessage`` through the ``slack_sdk`` client that dagster-slack ships.

dagster-slack's ``SlackResource`` always talks to slack.com; the base URL is kept configurable here so
an Enterprise Grid proxy or a local stand-in can receive the alert.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from integration_pipelines.lib.alerts.message import AlertMessage

SLACK_API_URL = "https://slack.com/api"


@dataclass(frozen=True)
class SlackChannel:
    """A bot token with ``chat:write``, invited to ``channel`` (a name such as ``#data-alerts`` or an id)."""

    token: str = field(repr=False)
    channel: str
    api_url: str = SLACK_API_URL
    timeout_seconds: float = 10.0
    name: str = "slack"

    def send(self, message: AlertMessage) -> None:
        from slack_sdk import WebClient  # imported when an alert is sent, not when the definitions load

        # slack_sdk takes whole seconds; its default retry handler retries a dropped connection once
        client = WebClient(
            token=self.token, base_url=self.api_url.rstrip("/") + "/", timeout=max(1, math.ceil(self.timeout_seconds))
        )
        client.chat_postMessage(channel=self.channel, text=message.text, unfurl_links=False, unfurl_media=False)
