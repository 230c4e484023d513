"""Typed page iterators over Stripe's Events API (and, for the first window, its list endpoints).

A window [start, end) is ``GET /v1/events?created[gte]=start&created[lt]=end&types[]=...``, paged with
``starting_after`` (the last event's id) while ``has_more``. Events come newest first and a record may
change several times in a window, so the first event seen per record is its latest state in the
window; older ones are skipped (one row per record and pull, chosen by Stripe's order, not by a
timestamp tie). A window starting at or before the history start also lists every object created
before its end (``created[lt]``), so records older than the Events API's 30 days arrive too.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from integration_pipelines.lib.http.client import ApiClient
from integration_pipelines.lib.http.errors import IntegrationError
from integration_pipelines.lib.records import Reject, convert_records, timestamp_or_reason
from integration_pipelines.sources.base import ExportPage
from integration_pipelines.sources.stripe.objects import OBJECTS, StripeObject

INTEGRATION = "stripe"
MAX_PER_PAGE = 100
EVENTS_PATH = "/v1/events"


class StripeClient:
    """Reads one object's changes in [start, end) page by page; holds one page and the ids seen."""

    def __init__(self, api: ApiClient, per_page: int = MAX_PER_PAGE, history_start: datetime | None = None) -> None:
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be between 1 and {MAX_PER_PAGE}")
        self.api = api
        self.per_page = per_page
        self.history_start = history_start

    def check_credentials(self) -> dict[str, Any]:
        """One event (``GET /v1/events?limit=1``): all a restricted key needs is read access to events."""
        return self.api.request_json("GET", EVENTS_PATH, params={"limit": 1})

    def pages(self, obj: StripeObject | str, start: datetime, end: datetime) -> Iterator[ExportPage]:
        spec = OBJECTS[obj] if isinstance(obj, str) else obj
        first, stop = math.ceil(start.timestamp()), math.ceil(end.timestamp())
        if stop <= first:
            return
        backfill = self.history_start is not None and start <= self.history_start
        seen: set[str] = set()
        number = 0
        params: dict[str, Any] = {"created[gte]": first, "created[lt]": stop, "types[]": list(spec.event_types)}
        for items, last in self._list(spec, EVENTS_PATH, "events", params):
            number += 1
            rows, rejects = [], []
            for event in items:
                row = self._event_row(spec, event, start, end, rejects)
                if row is not None and str(row["id"]) not in seen:
                    seen.add(str(row["id"]))
                    rows.append(row)
            yield self._page(spec, number, rows, rejects, last and not backfill)
        if not backfill:
            return
        for items, last in self._list(spec, spec.list_path, spec.name, {"created[lt]": stop, **dict(spec.list_params)}):
            number += 1
            rows, rejects = [], []
            for item in items:
                row = self._listed_row(item, rejects)
                if row is not None and str(row["id"]) not in seen:
                    seen.add(str(row["id"]))
                    rows.append(row)
            yield self._page(spec, number, rows, rejects, last)

    def _event_row(
        self, spec: StripeObject, event: Any, start: datetime, end: datetime, rejects: list[Reject]
    ) -> dict | None:
        """The event's object as a row, None when it is outside the window, or a Reject when it cannot be placed."""
        if not isinstance(event, dict):
            rejects.append(Reject({"event": event}, "malformed_field", "an event that is not an object"))
            return None
        obj = (event.get("data") or {}).get("object") if isinstance(event.get("data"), dict) else None
        key = None if event.get("id") is None else str(event["id"])
        if not isinstance(obj, dict):
            rejects.append(Reject(event, "malformed_field", "the event has no data.object", key))
            return None
        if spec.event_types and event.get("type") not in spec.event_types:
            return None  # not asked for (Stripe filters by type; a stray one is not ours to keep)
        ts = timestamp_or_reason(event.get("created"))
        record_key = None if obj.get("id") is None else str(obj["id"])
        if not isinstance(ts, datetime):  # no window can claim it: quarantined, not fatal
            rejects.append(Reject(event, f"{ts}_version", f"the event's 'created' is {ts}", record_key))
            return None
        if not start <= ts < end:
            return None
        if record_key is None:
            rejects.append(Reject(event, "null_key", "the event's data.object has no id", None, ts))
            return None
        return {**obj, "event_id": event.get("id"), "event_type": event.get("type"), "event_created": event["created"]}

    @staticmethod
    def _listed_row(item: Any, rejects: list[Reject]) -> dict | None:
        if not isinstance(item, dict):
            rejects.append(Reject({"item": item}, "malformed_field", "a listed item that is not an object"))
            return None
        if item.get("id") is None:
            rejects.append(Reject(item, "null_key", "the listed object has no id"))
            return None
        return {**item, "event_id": None, "event_type": None, "event_created": item.get("created")}

    def _page(self, spec: StripeObject, number: int, rows: list[dict], rejects: list[Reject], last: bool) -> ExportPage:
        page = convert_records(
            rows,
            spec.columns,
            datetime.now(UTC),
            primary_key=spec.primary_key,
            version_column=spec.version_column,
        )
        return ExportPage(spec.name, number, page.batch, last, (*rejects, *page.rejects), page.repaired)

    def _list(
        self, spec: StripeObject, path: str, what: str, params: dict[str, Any]
    ) -> Iterator[tuple[list[Any], bool]]:
        """A list endpoint's pages in Stripe's order, following ``starting_after`` while ``has_more``."""
        params = {**params, "limit": self.per_page}
        cursors: set[str] = set()
        while True:
            body = self.api.request_json("GET", path, params=params)
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                keys = sorted(body) if isinstance(body, dict) else type(body).__name__
                raise self._malformed(spec, what, f"expected a 'data' list, got {keys}")
            has_more, items = body.get("has_more"), body["data"]
            if not isinstance(has_more, bool):
                raise self._malformed(spec, what, f"'has_more' is {has_more!r}, not true or false")
            yield items, not has_more
            if not has_more:
                return
            cursor = items[-1].get("id") if items and isinstance(items[-1], dict) else None
            if not cursor:
                raise self._malformed(
                    spec, what, "has_more is true but the page's last item has no id to continue after"
                )
            if cursor in cursors:
                raise self._malformed(spec, what, f"the list came back to {cursor!r}, which it had already given")
            cursors.add(cursor)
            params = {**params, "starting_after": cursor}

    @staticmethod
    def _malformed(spec: StripeObject, what: str, detail: str) -> IntegrationError:
        return IntegrationError(INTEGRATION, f"malformed {spec.name} page from {what}: {detail}")
