"""Zendesk Support connector: incremental exports of tickets, users, organizations and comments."""

from integration_pipelines.sources.zendesk.client import ZendeskClient
from integration_pipelines.sources.zendesk.objects import OBJECTS, ZendeskObject
from integration_pipelines.sources.zendesk.resource import ZendeskResource

__all__ = ["OBJECTS", "ZendeskClient", "ZendeskObject", "ZendeskResource"]
