"""Calendly API v2 in the sandbox: scheduled events and invitees (``dialect.py``) from the voices' meeting
scripts (``render.py``), with bookings and cancellations announced by signed webhooks (``changes.py``)."""

from vendor_sandbox.dialects.calendly.dialect import ACCESS_TOKEN, OAUTH_TOKEN, RATE_LIMIT, CalendlyDialect

DIALECTS = (CalendlyDialect,)

__all__ = ["ACCESS_TOKEN", "DIALECTS", "OAUTH_TOKEN", "RATE_LIMIT", "CalendlyDialect"]
