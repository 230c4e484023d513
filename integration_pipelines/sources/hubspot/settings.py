"""Where HubSpot's settings come from: the sandbox's public private-app token locally, variables in prod."""

import os
from typing import Any

import dagster as dg

SANDBOX_ACCESS_TOKEN = "sandbox-hubspot-private-app-token"  # the sandbox's published test token

SANDBOX_WEBHOOK_SECRET = "sandbox-hubspot-client-secret"  # the sandbox app's published client secret


def local(sandbox_url: str) -> dict[str, Any]:
    return {"access_token": SANDBOX_ACCESS_TOKEN, "base_url": f"{sandbox_url}/hubspot"}


def prod() -> dict[str, Any]:
    """OAuth refresh when ``HUBSPOT_REFRESH_TOKEN`` is set, else a private app's ``HUBSPOT_ACCESS_TOKEN``."""
    if os.environ.get("HUBSPOT_REFRESH_TOKEN"):
        return {name: dg.EnvVar(f"HUBSPOT_{name.upper()}") for name in ("client_id", "client_secret", "refresh_token")}
    return {"access_token": dg.EnvVar("HUBSPOT_ACCESS_TOKEN")}
