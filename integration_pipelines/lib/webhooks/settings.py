"""Where the receiver and the pipeline find the inbox and the receiver its secrets: the environment."""

from __future__ import annotations

from collections.abc import Mapping

from integration_pipelines.lib import settings
from integration_pipelines.lib.webhooks.events import WebhookHandler
from integration_pipelines.lib.webhooks.receiver import DEFAULT_MAX_BODY_BYTES, ReceiverSettings
from integration_pipelines.lib.webhooks.signatures import secrets_from_environment

MAX_BODY_BYTES = settings.integer("WEBHOOK_MAX_BODY_BYTES", default=DEFAULT_MAX_BODY_BYTES, minimum=1)
PUBLIC_URL = settings.url("WEBHOOK_PUBLIC_URL")
PATH_SECRET = settings.text("WEBHOOK_PATH_SECRET", secret=True)


def receiver_settings(handlers: Mapping[str, WebhookHandler], local: bool = False) -> ReceiverSettings:
    """Secrets per vendor from each handler's variables (in the local environment, the sandbox's
    published ones when none is set); limits and the public URL from WEBHOOK_*."""
    secrets = {
        vendor: secrets_from_environment(h.secret_variables) or (list(h.sandbox_secrets) if local else [])
        for vendor, h in handlers.items()
    }
    return ReceiverSettings(
        handlers=handlers,
        secrets=secrets,
        max_body_bytes=MAX_BODY_BYTES.value(),
        public_url=PUBLIC_URL.read(),
        path_secret=PATH_SECRET.read(),
    )
