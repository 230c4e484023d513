"""Typed page iterators over Calendly's scheduled events and their invitees, bounded to a time window.

Calendly lists scheduled events by *start* time (``min_start_time``/``max_start_time``), but what a sync
needs is what *changed* in [start, end): a booking made today for next month, or a cancellation today of
a meeting next week, updates an event that starts later. So a window lists the events starting from
``lookback_days`` before it to ``lookahead_days`` after it and keeps the rows whose ``updated_at`` is in
the window (see README.md for what falls outside). Invitees are read for the listed events that changed
since the window's start or ended within ``lookback_days`` of it (a no-show is marked after the meeting and
moves only the invitee). Memory holds one events page and its invitees.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from integration_pipelines.lib.http.client import ApiClient
from integration_pipelines.lib.http.errors import IntegrationError
from integration_pipelines.lib.records import Reject, convert_records, parse_timestamp, timestamp_or_reason
from integration_pipelines.sources.base import ExportPage
from integration_pipelines.sources.calendly.objects import OBJECTS, CalendlyObject

INTEGRATION = "calendly"
MAX_PER_PAGE = 100


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class CalendlyClient:
    """Reads one object's changes in [start, end) page by page for one organization."""

    def __init__(
        self,
        api: ApiClient,
        organization: str | None = None,
        per_page: int = MAX_PER_PAGE,
        lookback: timedelta = timedelta(days=7),
        lookahead: timedelta = timedelta(days=90),
    ) -> None:
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be between 1 and {MAX_PER_PAGE}")
        self.api = api
        self.per_page = per_page
        self.lookback, self.lookahead = lookback, lookahead
        self._organization = organization
        self._discovering = threading.Lock()  # objects pulled at once share the client: discover once

    def check_credentials(self) -> dict[str, Any]:
        """The user the token belongs to (``GET /users/me``); fails fast with a clear error."""
        body = self.api.request_json("GET", "/users/me")
        resource = body.get("resource") if isinstance(body, dict) else None
        if not isinstance(resource, dict):
            raise IntegrationError(INTEGRATION, "malformed /users/me response: no 'resource' object")
        return resource

    @property
    def organization(self) -> str:
        """The organization URI: configured, or the token's current organization (one request, once)."""
        with self._discovering:
            if not self._organization:
                found = self.check_credentials().get("current_organization")
                if not isinstance(found, str) or not found:
                    raise IntegrationError(
                        INTEGRATION, "/users/me names no current_organization: set CALENDLY_ORGANIZATION"
                    )
                self._organization = found
            return self._organization

    def pages(self, obj: CalendlyObject | str, start: datetime, end: datetime) -> Iterator[ExportPage]:
        spec = OBJECTS[obj] if isinstance(obj, str) else obj
        if end <= start:
            return
        seen: set[str] = set()
        event_pages = self._events(start - self.lookback, end + self.lookahead)
        for number, (events, end_of_stream) in enumerate(event_pages, start=1):
            extracted_at = datetime.now(UTC)
            if spec.per_event:
                items = [
                    i
                    for event in events
                    if self._may_have_changed_invitees(event, start, end)
                    for i in self._invitees(event)
                ]
            else:
                items = events
            in_window, undated = [], []
            for item in items:
                ts = timestamp_or_reason(item.get("updated_at"))
                key = item.get("uri") if isinstance(item.get("uri"), str) else None
                if not isinstance(ts, datetime):  # no window can claim it: quarantined, not fatal
                    undated.append(Reject(item, f"{ts}_version", f"'updated_at' is {ts}", key))
                elif start <= ts < end and (key is None or key not in seen):  # a record moving while paged comes once
                    if key is not None:
                        seen.add(key)
                    in_window.append(item)
            page = convert_records(
                in_window, spec.columns, extracted_at, primary_key=spec.primary_key, version_column=spec.version_column
            )
            yield ExportPage(spec.name, number, page.batch, end_of_stream, (*undated, *page.rejects), page.repaired)

    def _may_have_changed_invitees(self, event: Mapping[str, Any], start: datetime, end: datetime) -> bool:
        """An invitee changes with its event (booked, canceled) or alone after the meeting (a no-show)."""
        updated, ended = _time(event.get("updated_at")), _time(event.get("end_time"))
        if not isinstance(event.get("uri"), str):
            return False  # the events pull quarantines it; without a uri its invitees cannot be asked for
        return (updated is not None and updated >= start) or (
            ended is not None and start - self.lookback <= ended < end
        )

    def _events(self, first_start: datetime, last_start: datetime) -> Iterator[tuple[list[dict], bool]]:
        params = {
            "organization": self.organization,
            "min_start_time": iso(first_start),
            "max_start_time": iso(last_start),
            "sort": "start_time:asc",
            "count": self.per_page,
        }
        yield from self._collection("scheduled_events", "/scheduled_events", params)

    def _invitees(self, event: Mapping[str, Any]) -> Iterator[dict]:
        uuid = str(event["uri"]).rstrip("/").rsplit("/", 1)[-1]
        params = {"count": self.per_page, "sort": "created_at:asc"}
        for items, _ in self._collection("invitees", f"/scheduled_events/{uuid}/invitees", params):
            yield from items

    def _collection(self, name: str, path: str, params: dict[str, Any]) -> Iterator[tuple[list[dict], bool]]:
        """Pages of a list endpoint, following ``pagination.next_page_token`` until it is null."""
        tokens: set[str] = set()
        while True:
            body = self.api.request_json("GET", path, params=params)
            collection = body.get("collection") if isinstance(body, dict) else None
            pagination = body.get("pagination") if isinstance(body, dict) else None
            if not isinstance(collection, list) or not isinstance(pagination, dict):
                keys = sorted(body) if isinstance(body, dict) else type(body).__name__
                raise self._malformed(name, f"expected 'collection' and 'pagination', got {keys}")
            if not all(isinstance(item, dict) for item in collection):
                raise self._malformed(name, "a collection item is not an object")
            token = pagination.get("next_page_token")
            yield collection, not token
            if not token:
                return
            if not isinstance(token, str) or token in tokens:
                raise self._malformed(name, f"next_page_token {token!r} repeats or is not a string")
            tokens.add(token)
            params = {**params, "page_token": token}

    @staticmethod
    def _malformed(name: str, detail: str) -> IntegrationError:
        return IntegrationError(INTEGRATION, f"malformed {name} page: {detail}")


def _time(value: Any) -> datetime | None:
    try:
        return parse_timestamp(value)
    except (TypeError, ValueError, OverflowError):
        return None
