"""Where Twilio's settings come from: the sandbox's public test account locally, variables in prod."""

import os
from typing import Any

import dagster as dg

from integration_pipelines.lib import settings

# The sandbox's published test account (not secrets: the sandbox accepts nothing else).
SANDBOX_ACCOUNT_SID = "AC5a9d1e0c7b3f4a2e8d6c1b0a9f8e7d6c"
SANDBOX_AUTH_TOKEN = "sandbox-twilio-auth-token"
SANDBOX_API_KEY_SID = "SK0f1e2d3c4b5a69788796a5b4c3d2e1f0"
SANDBOX_API_KEY_SECRET = "sandbox-twilio-api-key-secret"

# Twilio signs webhooks with the account's (primary) Auth Token, whatever credential the REST calls use.
SANDBOX_WEBHOOK_SECRET = SANDBOX_AUTH_TOKEN

# Days before a window whose sent messages are listed too (Twilio filters by the day sent, not updated),
# so status changes and redactions within them land in the day they happened.
UPDATE_LOOKBACK_DAYS = settings.number("TWILIO_UPDATE_LOOKBACK_DAYS", default=3.0)


def connector() -> dict[str, Any]:
    """Settings of the connector itself, the same in both environments (read when the definitions load)."""
    return {"update_lookback_days": UPDATE_LOOKBACK_DAYS.value()}


def local(sandbox_url: str) -> dict[str, Any]:
    return {
        "account_sid": SANDBOX_ACCOUNT_SID,
        "auth_token": SANDBOX_AUTH_TOKEN,
        "base_url": f"{sandbox_url}/twilio",
        **connector(),
    }


def prod() -> dict[str, Any]:
    """``TWILIO_API_KEY_SID`` + ``TWILIO_API_KEY_SECRET`` when set (Twilio's recommendation: revocable),
    else ``TWILIO_AUTH_TOKEN``; ``TWILIO_ACCOUNT_SID`` always (it is in every path)."""
    if os.environ.get("TWILIO_API_KEY_SID"):
        credentials: dict[str, Any] = {
            "api_key_sid": dg.EnvVar("TWILIO_API_KEY_SID"),
            "api_key_secret": dg.EnvVar("TWILIO_API_KEY_SECRET"),
        }
    else:
        credentials = {"auth_token": dg.EnvVar("TWILIO_AUTH_TOKEN")}
    return {
        "account_sid": dg.EnvVar("TWILIO_ACCOUNT_SID"),
        "base_url": os.environ.get("TWILIO_BASE_URL", "https://api.twilio.com"),
        **credentials,
        **connector(),
    }
