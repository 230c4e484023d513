"""Intercom in the sandbox: endpoints (``dialect.py``), search (``search.py``), objects (``render.py``)."""

from vendor_sandbox.dialects.intercom.dialect import ACCESS_TOKEN, RATE_LIMIT, SUPPORTED_VERSIONS, IntercomDialect

DIALECTS = (IntercomDialect,)

__all__ = ["ACCESS_TOKEN", "DIALECTS", "RATE_LIMIT", "SUPPORTED_VERSIONS", "IntercomDialect"]
