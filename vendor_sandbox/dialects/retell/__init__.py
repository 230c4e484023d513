"""Retell AI in the sandbox: endpoints (``dialect.py``), calls (``render.py``), change feed and webhooks."""

from vendor_sandbox.dialects.retell.dialect import API_KEY, MAX_LIMIT, RATE_LIMIT, RetellDialect

DIALECTS = (RetellDialect,)

__all__ = ["API_KEY", "DIALECTS", "MAX_LIMIT", "RATE_LIMIT", "RetellDialect"]
