"""HubSpot's CRM v3 API in the sandbox: endpoints (``dialect.py``) and records (``render.py``)."""

from vendor_sandbox.dialects.hubspot.dialect import (
    ACCESS_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    DAILY_LIMIT,
    PORTAL_ID,
    REFRESH_TOKEN,
    SEARCH_CAP,
    HubSpotDialect,
)

DIALECTS = (HubSpotDialect,)

__all__ = [
    "ACCESS_TOKEN",
    "CLIENT_ID",
    "CLIENT_SECRET",
    "DAILY_LIMIT",
    "DIALECTS",
    "PORTAL_ID",
    "REFRESH_TOKEN",
    "SEARCH_CAP",
    "HubSpotDialect",
]
