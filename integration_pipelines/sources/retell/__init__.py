"""Retell AI connector: phone-agent calls (transcripts, post-call analysis, cost) from list-calls."""

from integration_pipelines.sources.base import Source
from integration_pipelines.sources.retell import settings
from integration_pipelines.sources.retell.client import RetellClient, window_bounds
from integration_pipelines.sources.retell.feedback import FEEDBACK
from integration_pipelines.sources.retell.objects import OBJECTS, RetellObject
from integration_pipelines.sources.retell.resource import RetellResource
from integration_pipelines.sources.retell.webhooks import WEBHOOKS

SOURCE = Source(
    name="retell",
    title="Retell AI",
    objects=OBJECTS,
    resource_type=RetellResource,
    local_settings=settings.local,
    prod_settings=settings.prod,
    feedback=(FEEDBACK,),
    webhooks=WEBHOOKS,
)

__all__ = ["OBJECTS", "SOURCE", "RetellClient", "RetellObject", "RetellResource", "window_bounds"]
