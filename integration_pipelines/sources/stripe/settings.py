"""Where Stripe's settings come from: the sandbox's published test key locally, variables in prod."""

import os
from typing import Any

import dagster as dg

# The sandbox's published restricted test key (not a secret: the sandbox accepts nothing else).
SANDBOX_API_KEY = "rk_test_51SandboxStripeRestrictedKeyForIntegrationPipelines"

SANDBOX_WEBHOOK_SECRET = "whsec_sandbox_stripe_endpoint_secret"  # the sandbox endpoint's published signing secret


def local(sandbox_url: str) -> dict[str, Any]:
    return {"api_key": SANDBOX_API_KEY, "base_url": f"{sandbox_url}/stripe"}


def prod() -> dict[str, Any]:
    """``STRIPE_API_KEY`` (a restricted ``rk_...`` key with read access, or a secret ``sk_...`` key);
    ``STRIPE_API_VERSION`` pins the ``Stripe-Version`` of list responses (events keep the version they
    were made with); ``STRIPE_HISTORY_START`` moves the first window's list backfill."""
    settings: dict[str, Any] = {"api_key": dg.EnvVar("STRIPE_API_KEY")}
    for variable, field in (
        ("STRIPE_BASE_URL", "base_url"),
        ("STRIPE_API_VERSION", "api_version"),
        ("STRIPE_HISTORY_START", "history_start"),
    ):
        if os.environ.get(variable):
            settings[field] = os.environ[variable]
    return settings
