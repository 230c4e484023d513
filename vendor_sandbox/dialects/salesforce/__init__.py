"""Salesforce in the sandbox: login (``auth.py``), REST and SOQL (``dialect.py``, ``soql.py``), Bulk API 2.0
(``bulk.py``) and the org's sObjects (``render.py``)."""

from vendor_sandbox.dialects.salesforce.auth import CLIENT_ID, CLIENT_SECRET, USERNAME
from vendor_sandbox.dialects.salesforce.dialect import SalesforceDialect

DIALECTS = (SalesforceDialect,)

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "DIALECTS", "USERNAME", "SalesforceDialect"]  # the sandbox's test app
