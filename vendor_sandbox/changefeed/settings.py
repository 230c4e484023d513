"""Webhook settings: where deliveries go, how they are signed and how hard the sender retries.

The secrets default to fixed, published sandbox values so a receiver's test configuration can name
them; nothing about them is secret. Salesforce outbound messages are not signed: a receiver checks
the ``OrganizationId`` instead, which is the sandbox org's id (``SALESFORCE_ORG_ID``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

ZENDESK_WEBHOOK_SECRET = "sandbox-zendesk-webhook-secret"  # the webhook's signing secret
HUBSPOT_CLIENT_SECRET = "sandbox-hubspot-client-secret"  # HubSpot signs with the app's client secret
INTERCOM_CLIENT_SECRET = "sandbox-intercom-client-secret"  # Intercom signs with the app's client secret
RETELL_API_KEY = "sandbox-retell-api-key"  # Retell signs with the account's API key (the one with the webhook badge)
TWILIO_AUTH_TOKEN = "sandbox-twilio-auth-token"  # Twilio signs with the account's Auth Token
CALENDLY_SIGNING_KEY = "sandbox-calendly-webhook-signing-key"  # given when the subscription is created
STRIPE_WEBHOOK_SECRET = "whsec_sandbox_stripe_endpoint_secret"  # the endpoint's signing secret
DEFAULT_SECRETS = {
    "zendesk": ZENDESK_WEBHOOK_SECRET,
    "hubspot": HUBSPOT_CLIENT_SECRET,
    "intercom": INTERCOM_CLIENT_SECRET,
    "salesforce": "",
    "retell": RETELL_API_KEY,
    "twilio": TWILIO_AUTH_TOKEN,
    "calendly": CALENDLY_SIGNING_KEY,
    "stripe": STRIPE_WEBHOOK_SECRET,
}
SECRET_ENV = "SANDBOX_WEBHOOK_SECRET_{vendor}"  # e.g. SANDBOX_WEBHOOK_SECRET_ZENDESK
# Attempts per delivery, first one included, roughly as each vendor documents its retries (spread
# over minutes to hours there; the sandbox keeps the count and shrinks the waits by ``backoff``).
VENDOR_ATTEMPTS = {
    "zendesk": 4,
    "hubspot": 10,
    "intercom": 2,
    "salesforce": 10,
    "retell": 4,  # the first try and up to 3 retries
    "twilio": 2,  # one retry on a connect failure or timeout, by default
    "calendly": 8,  # retried with backoff for up to 24 hours
    "stripe": 10,  # retried with backoff for up to 3 days
}


@dataclass
class WebhookSettings:
    target: str | None = None  # receiver base URL; a vendor's deliveries go to ``{target}/{vendor}``
    secrets: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SECRETS))
    interval: float | None = None  # seconds between background changes; None: only on request
    max_attempts: int | None = None  # None: each vendor's own count (VENDOR_ATTEMPTS)
    backoff_seconds: float = 1.0  # wait before the second attempt, doubling after each failure
    max_backoff_seconds: float = 60.0
    timeout_seconds: float = 10.0
    seed: int = 7
    sandbox_url: str = ""  # the sandbox's own base URL, filled in once it listens

    def attempts(self, vendor: str) -> int:
        return self.max_attempts if self.max_attempts is not None else VENDOR_ATTEMPTS.get(vendor, 3)

    def url_for(self, vendor: str) -> str | None:
        return f"{self.target.rstrip('/')}/{vendor}" if self.target else None


def parse_secrets(pairs: Iterable[str], environ: dict[str, str] | None = None) -> dict[str, str]:
    """Published defaults, then ``SANDBOX_WEBHOOK_SECRET_<VENDOR>`` variables, then ``vendor=secret`` options."""
    environ = dict(os.environ) if environ is None else environ
    secrets = dict(DEFAULT_SECRETS)
    for vendor in DEFAULT_SECRETS:
        value = environ.get(SECRET_ENV.format(vendor=vendor.upper()))
        if value:
            secrets[vendor] = value
    for pair in pairs:
        vendor, sep, secret = pair.partition("=")
        if not sep or not vendor.strip():
            raise ValueError(f"--webhook-secret wants vendor=secret, got {pair!r}")
        secrets[vendor.strip()] = secret
    return secrets
