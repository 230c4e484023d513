"""Intercom connector: conversations, their parts (the messages) and contacts, through the search APIs."""

from integration_pipelines.sources.base import Source
from integration_pipelines.sources.intercom import settings
from integration_pipelines.sources.intercom.client import IntercomClient, search_bounds
from integration_pipelines.sources.intercom.feedback import FEEDBACK
from integration_pipelines.sources.intercom.objects import OBJECTS, IntercomObject
from integration_pipelines.sources.intercom.resource import IntercomResource
from integration_pipelines.sources.intercom.webhooks import WEBHOOKS

SOURCE = Source(
    name="intercom",
    title="Intercom",
    objects=OBJECTS,
    resource_type=IntercomResource,
    local_settings=settings.local,
    prod_settings=settings.prod,
    feedback=(FEEDBACK,),
    webhooks=WEBHOOKS,
)

__all__ = ["OBJECTS", "SOURCE", "IntercomClient", "IntercomObject", "IntercomResource", "search_bounds"]
