"""Calendly connector: scheduled events (meetings) and their invitees (bookings, answers, cancellations)."""

from integration_pipelines.sources.base import Source
from integration_pipelines.sources.calendly import settings
from integration_pipelines.sources.calendly.client import CalendlyClient
from integration_pipelines.sources.calendly.feedback import FEEDBACK
from integration_pipelines.sources.calendly.objects import OBJECTS, CalendlyObject
from integration_pipelines.sources.calendly.resource import CalendlyResource
from integration_pipelines.sources.calendly.webhooks import WEBHOOKS

SOURCE = Source(
    name="calendly",
    title="Calendly",
    objects=OBJECTS,
    resource_type=CalendlyResource,
    local_settings=settings.local,
    prod_settings=settings.prod,
    feedback=(FEEDBACK,),
    webhooks=WEBHOOKS,
)

__all__ = ["OBJECTS", "SOURCE", "CalendlyClient", "CalendlyObject", "CalendlyResource"]
