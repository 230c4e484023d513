"""Typed page iterators over Zendesk's incremental exports, bounded to a time window."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from integration_pipelines.lib.http.client import ApiClient
from integration_pipelines.lib.http.errors import IntegrationError
from integration_pipelines.lib.read_ahead import ReadAhead
from integration_pipelines.lib.records import Reject, convert_records, timestamp_or_reason
from integration_pipelines.sources.base import ExportPage
from integration_pipelines.sources.zendesk.objects import OBJECTS, ZendeskObject

INTEGRATION = "zendesk"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# a page's records in the window, its records without a usable timestamp, whether it ends the pull, when read
_WindowedPage = tuple[list[dict], list[Reject], bool, datetime]


class ZendeskClient:
    """Reads one object's changes in [start, end) page by page; holds no more than a page."""

    def __init__(self, api: ApiClient, per_page: int = 1000, history_start: datetime | None = None) -> None:
        self.api = api
        self.per_page = per_page
        self.history_start = history_start

    def check_credentials(self) -> dict[str, Any]:
        """Fail fast with a clear error before a long export starts."""
        return self.api.request_json("GET", "/api/v2/users/me.json")["user"]

    def pages(self, obj: ZendeskObject | str, start: datetime, end: datetime) -> Iterator[ExportPage]:
        """The export's pages from ``start``, until a page lies wholly at or past ``end`` (or the stream ends).

        Requests and the window test run one page ahead in their own thread (``ReadAhead``) while the
        reader types the page before into Arrow, so a request's round trip overlaps the conversion
        instead of following it. The thread applies the stopping rule itself, so it never asks for a
        page the serial pull would not: the same requests, the same pages. Under the export's 10/min
        limit the bucket paces it as before; the overlap counts where the limit does not bind."""
        spec = OBJECTS[obj] if isinstance(obj, str) else obj
        if self.history_start is not None and start <= self.history_start:
            start = EPOCH  # the first partition also takes everything changed before it
        ahead = ReadAhead(lambda: self._windowed(spec, start, end), budget=1, name=f"zendesk-{spec.name}")
        try:
            for number, (in_window, undated, done, extracted_at) in enumerate(ahead, start=1):
                page = convert_records(
                    in_window,
                    spec.columns,
                    extracted_at,
                    primary_key=spec.primary_key,
                    version_column=spec.version_column,
                )
                yield ExportPage(spec.name, number, page.batch, done, (*undated, *page.rejects), page.repaired)
        finally:
            ahead.close()

    def _windowed(self, spec: ZendeskObject, start: datetime, end: datetime) -> Iterator[_WindowedPage]:
        """Each page's records in the window, those without a usable timestamp, and whether it is the last."""
        raw_pages = self._cursor_pages(spec, start) if spec.paging == "cursor" else self._time_pages(spec, start)
        for items, end_of_stream in raw_pages:
            extracted_at = datetime.now(UTC)
            in_window: list[dict] = []
            past_end, undated = 0, []
            for item in items:
                ts = _timestamp(item, spec.timestamp_field)
                if not isinstance(ts, datetime):  # no window can claim it: quarantined, not fatal
                    undated.append(Reject(item, f"{ts}_version", f"{spec.timestamp_field!r} is {ts}", _key(item)))
                elif ts >= end:
                    past_end += 1
                elif ts >= start:
                    in_window.extend(spec.explode(item) if spec.explode else (item,))
            done = bool(end_of_stream or (items and past_end == len(items)))
            yield in_window, undated, done, extracted_at
            if done:
                return

    def _cursor_pages(self, spec: ZendeskObject, start: datetime) -> Iterator[tuple[list[dict], bool]]:
        params: dict[str, Any] = {"start_time": int(start.timestamp()), "per_page": self.per_page, **dict(spec.params)}
        while True:
            body = self._get(spec, params)
            cursor = body.get("after_cursor")
            end_of_stream = bool(body.get("end_of_stream"))
            yield body[spec.records_key], end_of_stream
            if end_of_stream:
                return
            if not cursor:
                raise self._malformed(spec, "a page that is not the end of the stream has no after_cursor")
            params = {"cursor": cursor, "per_page": self.per_page, **dict(spec.params)}

    def _time_pages(self, spec: ZendeskObject, start: datetime) -> Iterator[tuple[list[dict], bool]]:
        """Time-based pages repeat the items of their boundary second; drop those we already yielded."""
        start_time = int(start.timestamp())
        boundary_ids: set[Any] = set()
        while True:
            body = self._get(spec, {"start_time": start_time, **dict(spec.params)})
            items = [i for i in body[spec.records_key] if i.get("id") not in boundary_ids]
            end_of_stream = bool(body.get("end_of_stream"))
            end_time = body.get("end_time")
            yield items, end_of_stream
            if end_of_stream:
                return
            if not isinstance(end_time, int) or end_time < start_time:
                raise self._malformed(spec, f"end_time {end_time!r} does not advance past {start_time}")
            if end_time == start_time and not items:
                raise self._malformed(spec, f"the export is stuck at start_time {start_time}")
            boundary_ids = {
                i.get("id") for i in body[spec.records_key] if _epoch(i.get(spec.timestamp_field)) == end_time
            }
            start_time = end_time

    def _get(self, spec: ZendeskObject, params: dict[str, Any]) -> dict[str, Any]:
        body = self.api.request_json("GET", spec.path, params=params, limit_group="incremental")
        if not isinstance(body, dict) or not isinstance(body.get(spec.records_key), list):
            keys = sorted(body) if isinstance(body, dict) else type(body).__name__
            raise self._malformed(spec, f"expected a {spec.records_key!r} list, got {keys}")
        return body

    @staticmethod
    def _malformed(spec: ZendeskObject, detail: str) -> IntegrationError:
        return IntegrationError(INTEGRATION, f"malformed {spec.name} export page: {detail}")


def _timestamp(item: dict[str, Any], field: str) -> datetime | str:
    """The item's export timestamp, or why it has none ("null" or "malformed")."""
    return timestamp_or_reason(item.get(field))


def _key(item: dict[str, Any]) -> str | None:
    return None if item.get("id") is None else str(item["id"])


def _epoch(value: Any) -> int | None:
    ts = _timestamp({"t": value}, "t")
    return int(ts.timestamp()) if isinstance(ts, datetime) else None
