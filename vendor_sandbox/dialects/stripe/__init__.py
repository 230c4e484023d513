"""Stripe in the sandbox: endpoints (``dialect.py``), account data (``render.py``), change feed and webhooks."""

from vendor_sandbox.dialects.stripe.dialect import API_KEY, RATE_LIMIT, StripeDialect

DIALECTS = (StripeDialect,)

__all__ = ["API_KEY", "DIALECTS", "RATE_LIMIT", "StripeDialect"]
