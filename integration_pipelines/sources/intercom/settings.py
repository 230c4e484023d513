"""Where Intercom's settings come from: the sandbox's public token locally, variables in prod."""

import os
from typing import Any

import dagster as dg

SANDBOX_ACCESS_TOKEN = "sandbox-intercom-access-token"  # the sandbox's published test token

SANDBOX_WEBHOOK_SECRET = "sandbox-intercom-client-secret"  # the sandbox app's published client secret


def local(sandbox_url: str) -> dict[str, Any]:
    return {"access_token": SANDBOX_ACCESS_TOKEN, "base_url": f"{sandbox_url}/intercom"}


def prod() -> dict[str, Any]:
    return {
        "access_token": dg.EnvVar("INTERCOM_ACCESS_TOKEN"),
        "base_url": os.environ.get("INTERCOM_BASE_URL", "https://api.intercom.io"),
        "api_version": os.environ.get("INTERCOM_API_VERSION", "2.11"),
    }
