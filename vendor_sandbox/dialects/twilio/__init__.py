"""Twilio Programmable Messaging in the sandbox: endpoints (``dialect.py``), messages (``render.py``),
change feed (``changes.py``) and webhooks (``webhooks.py``)."""

from vendor_sandbox.dialects.twilio.dialect import (
    ACCOUNT_SID,
    API_KEY_SECRET,
    API_KEY_SID,
    AUTH_TOKEN,
    RATE_LIMIT,
    TwilioDialect,
)

DIALECTS = (TwilioDialect,)

__all__ = ["ACCOUNT_SID", "API_KEY_SECRET", "API_KEY_SID", "AUTH_TOKEN", "DIALECTS", "RATE_LIMIT", "TwilioDialect"]
