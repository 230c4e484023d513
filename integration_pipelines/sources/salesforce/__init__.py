"""Salesforce connector: REST queryAll and Bulk API 2.0 pulls of cases, comments, contacts, accounts, deals."""

from integration_pipelines.sources.base import Source
from integration_pipelines.sources.salesforce import settings
from integration_pipelines.sources.salesforce.client import SalesforceClient
from integration_pipelines.sources.salesforce.feedback import FEEDBACK
from integration_pipelines.sources.salesforce.objects import OBJECTS, SalesforceObject
from integration_pipelines.sources.salesforce.resource import SalesforceResource
from integration_pipelines.sources.salesforce.webhooks import WEBHOOKS

SOURCE = Source(
    name="salesforce",
    title="Salesforce",
    objects=OBJECTS,
    resource_type=SalesforceResource,
    local_settings=settings.local,
    prod_settings=settings.prod,
    feedback=(FEEDBACK,),
    webhooks=WEBHOOKS,
)

__all__ = ["OBJECTS", "SOURCE", "SalesforceClient", "SalesforceObject", "SalesforceResource"]
