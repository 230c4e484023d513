"""HubSpot CRM connector: contacts, companies, tickets and deals by search (incremental) or list (full)."""

from integration_pipelines.sources.hubspot.client import HubSpotClient
from integration_pipelines.sources.hubspot.objects import OBJECTS, HubSpotObject
from integration_pipelines.sources.hubspot.resource import HubSpotResource

__all__ = ["OBJECTS", "HubSpotClient", "HubSpotObject", "HubSpotResource"]
