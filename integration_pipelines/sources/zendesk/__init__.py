"""Zendesk Support connector: incremental exports of tickets, users, organizations and comments."""

from integration_pipelines.sources.base import Source
from integration_pipelines.sources.zendesk import settings
from integration_pipelines.sources.zendesk.client import ZendeskClient
from integration_pipelines.sources.zendesk.feedback import FEEDBACK
from integration_pipelines.sources.zendesk.objects import OBJECTS, ZendeskObject
from integration_pipelines.sources.zendesk.resource import ZendeskResource
from integration_pipelines.sources.zendesk.webhooks import WEBHOOKS

SOURCE = Source(
    name="zendesk",
    title="Zendesk",
    objects=OBJECTS,
    resource_type=ZendeskResource,
    local_settings=settings.local,
    prod_settings=settings.prod,
    feedback=(FEEDBACK,),
    webhooks=WEBHOOKS,
)

__all__ = ["OBJECTS", "SOURCE", "ZendeskClient", "ZendeskObject", "ZendeskResource"]
