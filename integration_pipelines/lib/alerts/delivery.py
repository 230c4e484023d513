"""Sends one alert through every channel; a channel that fails is logged and skipped, never raised.

An alert exists because something already failed: a Slack outage or a wrong SMTP password must not
also fail the sensor (which would hide the alert the other channels can still deliver).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from integration_pipelines.lib.alerts.message import AlertMessage, cut
from integration_pipelines.lib.http.redact import Redactor

FAILURE_LOG_CHARS = 500


class Channel(Protocol):
    name: str

    def send(self, message: AlertMessage) -> None: ...


@dataclass(frozen=True)
class Delivery:
    sent: tuple[str, ...]
    failed: tuple[str, ...]

    def summary(self) -> str:
        if not self.sent and not self.failed:
            return "no alert channel is configured"
        return f"alert sent via {', '.join(self.sent) or 'no channel'}" + (
            f"; failed: {', '.join(self.failed)}" if self.failed else ""
        )


def deliver(message: AlertMessage, channels: Sequence[Channel], redactor: Redactor, log: logging.Logger) -> Delivery:
    """Try each channel once; a failure's text is redacted too (SDK errors can quote the request)."""
    sent: list[str] = []
    failed: list[str] = []
    for channel in channels:
        try:
            channel.send(message)
        except Exception as error:  # any failure of one channel is that channel's alone
            failed.append(channel.name)
            reason = cut(redactor.text(f"{type(error).__name__}: {error}"), FAILURE_LOG_CHARS)
            log.warning("alert channel %s failed to send: %s", channel.name, reason)
        else:
            sent.append(channel.name)
    return Delivery(sent=tuple(sent), failed=tuple(failed))
