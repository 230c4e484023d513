"""HubSpot CRM connector: contacts, companies, tickets and deals by search (incremental) or list (full)."""

from integration_pipelines.sources.base import Source
from integration_pipelines.sources.hubspot import settings
from integration_pipelines.sources.hubspot.client import HubSpotClient
from integration_pipelines.sources.hubspot.feedback import FEEDBACK
from integration_pipelines.sources.hubspot.objects import OBJECTS, HubSpotObject
from integration_pipelines.sources.hubspot.resource import HubSpotResource
from integration_pipelines.sources.hubspot.webhooks import WEBHOOKS

SOURCE = Source(
    name="hubspot",
    title="HubSpot",
    objects=OBJECTS,
    resource_type=HubSpotResource,
    local_settings=settings.local,
    prod_settings=settings.prod,
    feedback=(FEEDBACK,),
    webhooks=WEBHOOKS,
)

__all__ = ["OBJECTS", "SOURCE", "HubSpotClient", "HubSpotObject", "HubSpotResource"]
