"""The inbox as a Dagster resource, for the webhook sensors and the raw assets' tombstones."""

from __future__ import annotations

import os

import dagster as dg
from pydantic import Field, PrivateAttr

from integration_pipelines.lib.environment import local_home
from integration_pipelines.lib.webhooks.inbox import Inbox

INBOX_URL_VAR = "WEBHOOK_INBOX_URL"


def inbox_url() -> str:
    """``WEBHOOK_INBOX_URL`` (e.g. ``postgresql+psycopg2://user:pass@host/db``), else a SQLite file in
    ``INTEGRATION_PIPELINES_HOME``, which the receiver and Dagster share on one machine."""
    return os.environ.get(INBOX_URL_VAR) or f"sqlite:///{local_home() / 'webhook_inbox.sqlite'}"


class WebhookInboxResource(dg.ConfigurableResource):
    """``url``: the inbox's SQLAlchemy URL (``WEBHOOK_INBOX_URL``; may hold a password, so an EnvVar)."""

    url: str = Field(description="sqlite:///path or postgresql+psycopg2://... (WEBHOOK_INBOX_URL)")
    _inbox: Inbox | None = PrivateAttr(default=None)

    def inbox(self) -> Inbox:
        if self._inbox is None:
            self._inbox = Inbox(self.url)
        return self._inbox

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._inbox is not None:
            self._inbox.close()
