"""Typed pages of one Salesforce object's changes in [start, end) of SystemModstamp, deletes included.

Small windows go through REST ``queryAll`` (``nextRecordsUrl`` paging); windows whose ``COUNT()``
exceeds ``bulk_threshold_rows`` (or every window, with ``force_bulk``) go through a Bulk API 2.0
``queryAll`` job. Both paths build the same plain values from describe's field types, so the same
window gives the same rows, ``_raw`` included, whichever path pulled it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import closing
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import pyarrow as pa

from integration_pipelines.lib.http.client import ApiClient
from integration_pipelines.lib.http.errors import ConfigurationError, IntegrationError
from integration_pipelines.lib.records import Column, arrow_schema, convert_records
from integration_pipelines.sources.base import ExportPage
from integration_pipelines.sources.salesforce.auth import INTEGRATION, Login
from integration_pipelines.sources.salesforce.bulk import BulkQuery, BulkSettings
from integration_pipelines.sources.salesforce.objects import (
    OBJECTS,
    FieldSpec,
    SalesforceObject,
    columns_of,
    from_csv,
    from_json,
    select_fields,
)

Mode = Literal["rest", "bulk"]


def _ceil_ms(moment: datetime) -> datetime:
    """Salesforce keeps milliseconds: rounding both window ends up keeps [start, end) exact."""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment + timedelta(microseconds=-moment.microsecond % 1000)


def soql_datetime(moment: datetime) -> str:
    """A SOQL datetime literal such as ``2026-10-01T00:00:00Z``."""
    moment = _ceil_ms(moment)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{moment.microsecond // 1000:03d}Z" if moment.microsecond else "Z")


def _stamp(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.fff``: compares as text with the first 23 characters of a normalised value."""
    moment = _ceil_ms(moment)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


class SalesforceClient:
    """One run's connection to an org: describe (cached per run), window queries, quota as reported."""

    def __init__(
        self,
        api: ApiClient,
        login: Login,
        *,
        api_version: str = "60.0",
        batch_size: int = 2000,
        bulk_threshold_rows: int | None = 50_000,
        force_bulk: bool = False,
        bulk: BulkSettings | None = None,
    ) -> None:
        self.api = api
        self.login = login
        self.api_version = api_version
        self.batch_size = batch_size
        self.bulk_threshold_rows = bulk_threshold_rows
        self.force_bulk = force_bulk
        self.bulk_settings = bulk or BulkSettings()
        self.modes: dict[str, Mode] = {}  # object name → the path its last pull took
        self.estimates: dict[str, int] = {}  # object name → COUNT() of its last window, when asked
        self._fields: dict[str, list[FieldSpec]] = {}

    # ------------------------------------------------------------ schema
    def fields(self, obj: SalesforceObject | str) -> list[FieldSpec]:
        """The fields this run queries, from describe; unknown objects and fields fail clearly."""
        spec = self._object(obj)
        if spec.sobject not in self._fields:
            describe = self.api.request_json("GET", f"{self._data}/sobjects/{spec.sobject}/describe")
            if not isinstance(describe, dict):
                raise IntegrationError(INTEGRATION, f"describe of {spec.sobject} returned {type(describe).__name__}")
            fields, problems = select_fields(spec, describe)
            if problems:
                raise ConfigurationError(
                    INTEGRATION,
                    f"{spec.sobject} ({spec.name}) cannot be pulled as configured: "
                    f"{'; '.join(problems)}. Check the object's field list and "
                    "the integration user's field-level security.",
                )
            self._fields[spec.sobject] = fields
        return self._fields[spec.sobject]

    def columns(self, obj: SalesforceObject | str) -> tuple[Column, ...]:
        """This run's typed columns (what the lake writer's schema must be built from)."""
        return columns_of(self.fields(obj))

    def schema(self, obj: SalesforceObject | str) -> pa.Schema:
        return arrow_schema(self.columns(obj))

    # ------------------------------------------------------------ reads
    def check_credentials(self) -> dict[str, Any]:
        """The org's limits: a cheap call that proves the session works."""
        return self.api.request_json("GET", f"{self._data}/limits")

    @property
    def api_usage(self) -> tuple[int, int] | None:
        """(used, limit) of the org's 24-hour API allowance, from the last Sforce-Limit-Info seen."""
        return self.login.session.usage

    def estimate(self, obj: SalesforceObject | str, start: datetime, end: datetime) -> int:
        spec = self._object(obj)
        body = self.api.request_json(
            "GET", f"{self._data}/queryAll", params={"q": f"SELECT COUNT() FROM {spec.sobject}{_where(start, end)}"}
        )
        total = body.get("totalSize") if isinstance(body, dict) else None
        if not isinstance(total, int):
            raise IntegrationError(INTEGRATION, f"COUNT() of {spec.sobject} returned no totalSize")
        self.estimates[spec.name] = total
        return total

    def choose_mode(self, obj: SalesforceObject | str, start: datetime, end: datetime) -> Mode:
        if self.force_bulk:
            return "bulk"
        if self.bulk_threshold_rows is None:
            return "rest"
        return "bulk" if self.estimate(obj, start, end) > self.bulk_threshold_rows else "rest"

    def pages(self, obj: SalesforceObject | str, start: datetime, end: datetime) -> Iterator[ExportPage]:
        spec = self._object(obj)
        fields = self.fields(spec)
        soql = (
            f"SELECT {', '.join(f.name for f in fields)} FROM {spec.sobject}{_where(start, end)} "
            "ORDER BY SystemModstamp, Id"
        )
        mode = self.choose_mode(spec, start, end)
        self.modes[spec.name] = mode
        records = self._bulk(soql, fields) if mode == "bulk" else self._rest(spec, soql, fields)
        columns = columns_of(fields)
        lo, hi = _stamp(start), _stamp(end)
        with closing(records):  # a reader that stops early stops the Bulk results downloads at once
            for number, (rows, last) in enumerate(records, start=1):
                extracted_at = datetime.now(UTC)
                in_window = [r for r in rows if lo <= (r["SystemModstamp"] or "")[:23] < hi]
                page = convert_records(
                    in_window, columns, extracted_at, primary_key=spec.primary_key, version_column=spec.version_column
                )
                yield ExportPage(spec.name, number, page.batch, last, page.rejects, page.repaired)

    def _rest(
        self, spec: SalesforceObject, soql: str, fields: Sequence[FieldSpec]
    ) -> Iterator[tuple[list[dict[str, Any]], bool]]:
        url: str = f"{self._data}/queryAll"
        params: dict[str, str] | None = {"q": soql}
        headers = {"Sforce-Query-Options": f"batchSize={self.batch_size}"}
        while True:
            body = self.api.request_json("GET", url, params=params, headers=headers)
            if not isinstance(body, dict) or not isinstance(body.get("records"), list):
                raise IntegrationError(INTEGRATION, f"malformed {spec.name} query page: no records list")
            done = body.get("done") is True
            yield [from_json(r, fields) for r in body["records"]], done
            if done:
                return
            next_url = body.get("nextRecordsUrl")
            if not isinstance(next_url, str) or not next_url:
                raise IntegrationError(INTEGRATION, f"{spec.name} query page is not done but has no nextRecordsUrl")
            url, params = next_url.lstrip("/"), None

    def _bulk(self, soql: str, fields: Sequence[FieldSpec]) -> Iterator[tuple[list[dict[str, Any]], bool]]:
        names = [f.name for f in fields]
        with closing(BulkQuery(self.api, self.api_version, self.bulk_settings).run(soql)) as chunks:
            for chunk in chunks:
                if chunk.header != names:
                    raise IntegrationError(
                        INTEGRATION, f"Bulk API results have columns {chunk.header[:5]}..., expected {names[:5]}..."
                    )
                yield [from_csv(row, fields) for row in chunk.rows], chunk.last

    @property
    def _data(self) -> str:
        """Relative to the instance URL (no leading slash: the instance URL may carry a path)."""
        return f"services/data/v{self.api_version}"

    @staticmethod
    def _object(obj: SalesforceObject | str) -> SalesforceObject:
        if isinstance(obj, SalesforceObject):
            return obj
        if obj not in OBJECTS:
            raise ConfigurationError(INTEGRATION, f"unknown Salesforce object {obj!r}; known: {sorted(OBJECTS)}")
        return OBJECTS[obj]


def _where(start: datetime, end: datetime) -> str:
    return f" WHERE SystemModstamp >= {soql_datetime(start)} AND SystemModstamp < {soql_datetime(end)}"
