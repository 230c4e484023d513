"""Salesforce connector: REST queryAll and Bulk API 2.0 pulls of cases, comments, contacts, accounts, deals."""

from integration_pipelines.sources.salesforce.client import SalesforceClient
from integration_pipelines.sources.salesforce.objects import OBJECTS, SalesforceObject
from integration_pipelines.sources.salesforce.resource import SalesforceResource

__all__ = ["OBJECTS", "SalesforceClient", "SalesforceObject", "SalesforceResource"]
