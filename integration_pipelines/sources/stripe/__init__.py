"""Stripe connector: customers, subscriptions, disputes and refunds, read through the Events API."""

from integration_pipelines.sources.base import Source
from integration_pipelines.sources.stripe import settings
from integration_pipelines.sources.stripe.client import StripeClient
from integration_pipelines.sources.stripe.feedback import FEEDBACK
from integration_pipelines.sources.stripe.objects import OBJECTS, StripeObject
from integration_pipelines.sources.stripe.resource import StripeResource
from integration_pipelines.sources.stripe.webhooks import WEBHOOKS

SOURCE = Source(
    name="stripe",
    title="Stripe",
    objects=OBJECTS,
    resource_type=StripeResource,
    local_settings=settings.local,
    prod_settings=settings.prod,
    feedback=(FEEDBACK,),
    webhooks=WEBHOOKS,
)

__all__ = ["OBJECTS", "SOURCE", "StripeClient", "StripeObject", "StripeResource"]
