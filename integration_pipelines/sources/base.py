"""What the ingest asset factory needs from any connector, whatever the vendor."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
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


@dataclass(frozen=True)
class ExportPage:
    """One response's records inside the window, typed as Arrow (what every connector yields)."""

    object: str
    number: int
    batch: pa.RecordBatch
    end_of_stream: bool


class SourceClient(Protocol):
    """An open connection to a vendor for one run."""

    api: ApiClient

    def pages(self, obj: SourceObject, start: datetime, end: datetime) -> Iterator[ExportPage]: ...


class Connector(Protocol):
    """A Dagster resource that opens a ``SourceClient``."""

    def open_client(self) -> AbstractContextManager[SourceClient]: ...


