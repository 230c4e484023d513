"""Where Calendly's settings come from: the sandbox's published test token locally, variables in prod."""

import os
from typing import Any

import dagster as dg

SANDBOX_TOKEN = "sandbox-calendly-personal-access-token"  # the sandbox's published test token, not a secret

SANDBOX_WEBHOOK_SECRET = "sandbox-calendly-webhook-signing-key"  # the sandbox subscription's published signing key


def local(sandbox_url: str) -> dict[str, Any]:
    """No organization: the client discovers it from ``GET /users/me``, as it does in prod when unset."""
    return {"token": SANDBOX_TOKEN, "base_url": f"{sandbox_url}/calendly"}


def prod() -> dict[str, Any]:
    """``CALENDLY_TOKEN`` (a personal access token or an OAuth access token); ``CALENDLY_ORGANIZATION`` (the
    organization URI) when set, else the token's current organization."""
    settings: dict[str, Any] = {
        "token": dg.EnvVar("CALENDLY_TOKEN"),
        "base_url": os.environ.get("CALENDLY_BASE_URL", "https://api.calendly.com"),
    }
    if os.environ.get("CALENDLY_ORGANIZATION"):
        settings["organization"] = dg.EnvVar("CALENDLY_ORGANIZATION")
    return settings
