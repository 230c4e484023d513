"""Intercom connector: conversations, their parts (the messages) and contacts, through the search APIs."""

from integration_pipelines.sources.intercom.client import IntercomClient, search_bounds
from integration_pipelines.sources.intercom.objects import OBJECTS, IntercomObject
from integration_pipelines.sources.intercom.resource import IntercomResource

__all__ = ["OBJECTS", "IntercomClient", "IntercomObject", "IntercomResource", "search_bounds"]
