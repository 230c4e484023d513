"""Where the receiver and the pipeline find the inbox and the receiver its secrets: the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping

from integration_pipelines.lib.webhooks.events import WebhookHandler
from integration_pipelines.lib.webhooks.receiver import DEFAULT_MAX_BODY_BYTES, ReceiverSettings
from integration_pipelines.lib.webhooks.signatures import secrets_from_environment


def _positive_int(name: str, default: int) -> int:
    value = os.environ.get(name, str(default)).strip()
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name} must be a whole number of bytes above 0, not {value!r}")
    return int(value)


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
        max_body_bytes=_positive_int("WEBHOOK_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
        public_url=os.environ.get("WEBHOOK_PUBLIC_URL") or None,
        path_secret=os.environ.get("WEBHOOK_PATH_SECRET") or None,
    )
