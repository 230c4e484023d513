"""Where Retell's settings come from: the sandbox's published test key locally, variables in prod."""

import os
from typing import Any

import dagster as dg

SANDBOX_API_KEY = "sandbox-retell-api-key"  # the sandbox's published test key (not a secret)

# Retell signs webhooks with the account's API key (the one marked for webhooks), so locally the same key.
SANDBOX_WEBHOOK_SECRET = SANDBOX_API_KEY


def local(sandbox_url: str) -> dict[str, Any]:
    return {"api_key": SANDBOX_API_KEY, "base_url": f"{sandbox_url}/retell"}


def prod() -> dict[str, Any]:
    """``RETELL_API_KEY`` (the workspace's API key; the one with the webhook badge also signs webhooks);
    ``RETELL_BASE_URL`` only to reach another API host."""
    return {
        "api_key": dg.EnvVar("RETELL_API_KEY"),
        "base_url": os.environ.get("RETELL_BASE_URL", "https://api.retellai.com"),
    }
