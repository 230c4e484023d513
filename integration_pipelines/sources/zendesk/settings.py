"""Where Zendesk's settings come from: the sandbox's public test account locally, variables in prod."""

import os
from typing import Any

import dagster as dg

# The sandbox's published test account (not a secret: the sandbox accepts nothing else).
SANDBOX_SUBDOMAIN = "sandbox"
SANDBOX_EMAIL = "admin@sandbox.example"
SANDBOX_API_TOKEN = "sandbox-zendesk-api-token"

SANDBOX_WEBHOOK_SECRET = "sandbox-zendesk-webhook-secret"  # the sandbox's published signing secret


def local(sandbox_url: str) -> dict[str, Any]:
    return {
        "subdomain": SANDBOX_SUBDOMAIN,
        "email": SANDBOX_EMAIL,
        "api_token": SANDBOX_API_TOKEN,
        "base_url": f"{sandbox_url}/zendesk/{{subdomain}}",
    }


def prod() -> dict[str, Any]:
    """``ZENDESK_OAUTH_TOKEN`` when set, else ``ZENDESK_EMAIL`` + ``ZENDESK_API_TOKEN``."""
    if os.environ.get("ZENDESK_OAUTH_TOKEN"):
        credentials: dict[str, Any] = {"oauth_token": dg.EnvVar("ZENDESK_OAUTH_TOKEN")}
    else:
        credentials = {"email": dg.EnvVar("ZENDESK_EMAIL"), "api_token": dg.EnvVar("ZENDESK_API_TOKEN")}
    return {"subdomain": dg.EnvVar("ZENDESK_SUBDOMAIN"), **credentials}
