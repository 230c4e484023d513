"""Zendesk Support connector: incremental exports of tickets, users, organizations and comments."""

from integration_pipelines.lib.connectors.zendesk.client import ZendeskClient
from integration_pipelines.lib.connectors.zendesk.objects import OBJECTS, ZendeskObject
from integration_pipelines.lib.connectors.zendesk.resource import ZendeskResource

__all__ = ["OBJECTS", "ZendeskClient", "ZendeskObject", "ZendeskResource"]
