"""What the ingest asset factory needs from any connector, whatever the vendor."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

import pyarrow as pa

from integration_pipelines.lib.http.client import ApiClient
from integration_pipelines.lib.records import Column


class SourceObject(Protocol):
    """One exportable object: its name, typed columns and how its rows are keyed and versioned."""

    name: str
    columns: tuple[Column, ...]
    primary_key: str
    version_column: str


class Page(Protocol):
    number: int
    batch: pa.RecordBatch


class SourceClient(Protocol):
    """An open connection to a vendor for one run."""

    api: ApiClient

    def pages(self, obj: SourceObject, start: datetime, end: datetime) -> Iterator[Page]: ...


class Connector(Protocol):
    """A Dagster resource that opens a ``SourceClient``."""

    def open_client(self) -> AbstractContextManager[SourceClient]: ...


