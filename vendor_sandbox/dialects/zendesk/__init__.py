"""Zendesk Support in the sandbox: incremental exports (``dialect.py``) and their JSON (``render.py``)."""

from vendor_sandbox.dialects.zendesk.dialect import API_TOKEN, EMAIL, OAUTH_TOKEN, SUBDOMAIN, ZendeskDialect

DIALECTS = (ZendeskDialect,)

__all__ = ["API_TOKEN", "DIALECTS", "EMAIL", "OAUTH_TOKEN", "SUBDOMAIN", "ZendeskDialect"]
