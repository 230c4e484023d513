"""Twilio Programmable Messaging connector: SMS and WhatsApp messages from the Messages list."""

from integration_pipelines.sources.base import Source
from integration_pipelines.sources.twilio import settings
from integration_pipelines.sources.twilio.client import TwilioClient
from integration_pipelines.sources.twilio.feedback import FEEDBACK
from integration_pipelines.sources.twilio.objects import OBJECTS, TwilioObject
from integration_pipelines.sources.twilio.resource import TwilioResource
from integration_pipelines.sources.twilio.webhooks import WEBHOOKS

SOURCE = Source(
    name="twilio",
    title="Twilio",
    objects=OBJECTS,
    resource_type=TwilioResource,
    local_settings=settings.local,
    prod_settings=settings.prod,
    feedback=(FEEDBACK,),
    webhooks=WEBHOOKS,
)

__all__ = ["OBJECTS", "SOURCE", "TwilioClient", "TwilioObject", "TwilioResource"]
