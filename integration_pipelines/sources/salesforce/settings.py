"""Where Salesforce's settings come from: the sandbox's public connected app locally, variables in prod."""

import os
from typing import Any

import dagster as dg

from integration_pipelines.lib import settings

# The sandbox's published connected app (not a secret: the sandbox accepts nothing else).
SANDBOX_CLIENT_ID = "3MVG9sandbox.salesforce.connected.app.client.id"
SANDBOX_CLIENT_SECRET = "sandbox-salesforce-client-secret"

SANDBOX_ORGANIZATION_ID = "00D5g0000000001EAA"  # the sandbox org, named in its outbound messages

# Bulk results chunks downloaded at once per job. 4: five objects' jobs at once stay at 20 requests in
# flight, under the 25 long-running (20 s+) requests Salesforce allows an org at a time.
BULK_RESULT_CONCURRENCY = settings.integer("SALESFORCE_BULK_RESULT_CONCURRENCY", default=4, minimum=1, maximum=16)


def connector() -> dict[str, Any]:
    """Settings of the connector itself, the same in both environments (read when the definitions load)."""
    return {"bulk_result_concurrency": BULK_RESULT_CONCURRENCY.value()}


def local(sandbox_url: str) -> dict[str, Any]:
    return {
        "client_id": SANDBOX_CLIENT_ID,
        "client_secret": SANDBOX_CLIENT_SECRET,
        "login_url": f"{sandbox_url}/salesforce",
        **connector(),
    }


def prod() -> dict[str, Any]:
    """JWT bearer when ``SALESFORCE_PRIVATE_KEY`` is set (a connected app's certificate key), else the
    client credentials flow."""
    if os.environ.get("SALESFORCE_PRIVATE_KEY"):
        credentials: dict[str, Any] = {
            "username": dg.EnvVar("SALESFORCE_USERNAME"),
            "private_key": dg.EnvVar("SALESFORCE_PRIVATE_KEY"),
        }
    else:
        credentials = {"client_secret": dg.EnvVar("SALESFORCE_CLIENT_SECRET")}
    return {
        "client_id": dg.EnvVar("SALESFORCE_CLIENT_ID"),
        "login_url": os.environ.get("SALESFORCE_LOGIN_URL", "https://login.salesforce.com"),
        **credentials,
        **connector(),
    }
