"""What the rest of the project needs from any vendor: its objects, a resource that opens a client, and
how its messages become feedback rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import dagster as dg
import pyarrow as pa

from integration_pipelines.lib.http.client import ApiClient
from integration_pipelines.lib.records import Column, Reject
from integration_pipelines.lib.text.feedback import FeedbackSource
from integration_pipelines.lib.webhooks.events import WebhookHandler


class SourceObject(Protocol):
    """One exportable object: its name, typed columns and how its rows are keyed and versioned."""

    name: str
    columns: tuple[Column, ...]
    primary_key: str
    version_column: str


@dataclass(frozen=True)
class ExportPage:
    """One response's records inside the window, typed as Arrow (what every connector yields)."""

    object: str
    number: int
    batch: pa.RecordBatch
    end_of_stream: bool
    rejects: tuple[Reject, ...] = ()  # records of the page that break the contract, for the quarantine
    repaired: int = 0  # records in ``batch`` whose text was repaired to U+FFFD


class SourceClient(Protocol):
    """An open connection to a vendor for one run."""

    api: ApiClient

    def pages(self, obj: SourceObject, start: datetime, end: datetime) -> Iterator[ExportPage]: ...


class Connector(Protocol):
    """A Dagster resource that opens a ``SourceClient``."""

    def open_client(self) -> AbstractContextManager[SourceClient]: ...


@dataclass(frozen=True)
class Source:
    """Everything the rest of the project knows about one vendor; each ``sources/{vendor}`` package
    exports one as ``SOURCE`` and the registry finds it there, so no other module lists vendors.

    ``local_settings`` receives the sandbox's base URL and returns resource settings for it (the
    sandbox's published test credentials, which are not secrets); ``prod_settings`` returns settings
    whose every credential is a ``dg.EnvVar``. Pacing (rate limits) is added by the vendor's
    component from its ``defs.yaml``."""

    name: str
    title: str
    objects: Mapping[str, SourceObject]
    resource_type: type[dg.ConfigurableResource]
    local_settings: Callable[[str], dict[str, Any]]
    prod_settings: Callable[[], dict[str, Any]]
    feedback: tuple[FeedbackSource, ...] = ()
    webhooks: WebhookHandler | None = None  # signature check and event mapping, when the vendor sends webhooks

    def resource(self, environment: str, sandbox_url: str, **pacing: float) -> dg.ConfigurableResource:
        settings = self.local_settings(sandbox_url) if environment == "local" else self.prod_settings()
        return self.resource_type(**settings, **pacing)
