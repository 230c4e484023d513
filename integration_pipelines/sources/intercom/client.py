"""Typed page iterators over Intercom's search APIs, bounded to a time window.

Search pages come in order: each page's records are filtered to the window, and for conversation parts
each conversation on the page is fetched (a few in parallel) before the page is yielded. Cursor paging
is sequential, so a window too big for a few pages is cut into time slices searched at once (see
:class:`IntercomClient`); memory holds a few pages per slice, never a whole pull.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from integration_pipelines.lib.http.client import ApiClient
from integration_pipelines.lib.http.errors import IntegrationError, ResponseError
from integration_pipelines.lib.records import Reject, convert_records, timestamp_or_reason
from integration_pipelines.sources.base import ExportPage
from integration_pipelines.sources.intercom.objects import OBJECTS, IntercomObject

INTEGRATION = "intercom"
DAY = 86_400
MAX_PER_PAGE = 150
SEARCH_SLICES = 16
SLICE_BUFFER = 3  # pages a slice may hold ahead of the reader (plus the one it is fetching)
logger = logging.getLogger("integration_pipelines.connectors.intercom")


def search_bounds(start: datetime, end: datetime, day_granular: bool) -> tuple[int, int] | None:
    """``(gt, lt)`` for Intercom's strict ``>``/``<`` so the search covers [start, end).

    Timestamps are whole seconds, so ``start <= ts < end`` is ``ts > ceil(start) - 1 and ts < ceil(end)``.
    Contact search compares *days* (``> t`` means "from the day after t's day"), so there the bounds
    name the day before the first and the day after the last, and the client trims to the window.
    Returns None for an empty window.
    """
    first, stop = math.ceil(start.timestamp()), math.ceil(end.timestamp())
    if stop <= first:
        return None
    if not day_granular:
        return first - 1, stop
    last = stop - 1
    return first - first % DAY - DAY, last - last % DAY + DAY


def split_bounds(bounds: tuple[int, int], slices: int) -> list[tuple[int, int]]:
    """At most ``slices`` contiguous ``(gt, lt)`` pairs covering the seconds of ``bounds`` exactly once.

    ``(gt, lt)`` holds the seconds ``gt + 1 .. lt - 1``; each slice starts the second after the previous
    one's last (``gt`` of one is ``lt - 1`` of the one before), so none is lost or searched twice.
    """
    gt, lt = bounds
    seconds = lt - gt - 1
    count = max(1, min(slices, seconds))
    firsts = [gt + 1 + seconds * i // count for i in range(count + 1)]  # firsts[count] == lt
    return [(firsts[i] - 1, firsts[i + 1]) for i in range(count)]


class SliceBuffers:
    """Pages of slices searched at once, held until the reader reaches their slice.

    At most ``capacity`` pages wait in all; the slice being read may always add up to ``SLICE_BUFFER``
    more, so it never waits behind pages of later slices (no deadlock), and later slices keep searching
    while earlier ones are read instead of stalling at a few pages each.
    """

    def __init__(self, slices: int, capacity: int) -> None:
        self._pages: list[deque[object]] = [deque() for _ in range(slices)]
        self._capacity, self._held, self._reading, self._closed = capacity, 0, 0, False
        self._changed = threading.Condition()

    def put(self, index: int, item: object, always: bool = False) -> bool:
        """Waits for room; False once the reader has gone (the slice should stop searching)."""
        with self._changed:
            while not (self._closed or always or self._room(index)):
                self._changed.wait()
            if self._closed:
                return False
            self._pages[index].append(item)
            self._held += 1
            self._changed.notify_all()
            return True

    def get(self, index: int) -> object:
        with self._changed:
            self._reading = index
            self._changed.notify_all()
            while not self._pages[index]:
                self._changed.wait()
            self._held -= 1
            self._changed.notify_all()
            return self._pages[index].popleft()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def _room(self, index: int) -> bool:
        if index == self._reading:
            return len(self._pages[index]) < SLICE_BUFFER
        return index > self._reading and self._held < self._capacity


class IntercomClient:
    """Reads one object's changes in [start, end) page by page.

    Search pages follow a ``starting_after`` cursor, one request after another, so one search uses a
    fifth of Intercom's 10,000 requests/minute at best. When the first page says the window holds more
    than ``SLICE_BUFFER`` pages, the window is cut into up to ``search_slices`` contiguous time slices
    (about ``SLICE_BUFFER`` pages each) searched at once through the same ``ApiClient``, whose token
    bucket alone paces them; that first page is then dropped (one request) and pages are yielded slice
    by slice, so the output is the same whatever the timing. Default 16: the bucket refills at 80 % of
    the limit, ~133 requests/s, which 16 streams reach at ~120 ms a page, while pages waiting for the
    reader stay near ``SLICE_BUFFER + 1`` per slice (a few dozen pages). Contact search compares whole
    days, so contacts stay one sequential search.
    """

    def __init__(
        self,
        api: ApiClient,
        per_page: int = MAX_PER_PAGE,
        detail_concurrency: int = 4,
        search_slices: int = SEARCH_SLICES,
    ) -> None:
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be between 1 and {MAX_PER_PAGE}")
        self.api = api
        self.per_page = per_page
        self.detail_concurrency = max(1, detail_concurrency)
        self.search_slices = max(1, search_slices)

    def check_credentials(self) -> dict[str, Any]:
        """The admin the token belongs to (``GET /me``); fails fast with a clear error."""
        return self.api.request_json("GET", "/me")

    def pages(self, obj: IntercomObject | str, start: datetime, end: datetime) -> Iterator[ExportPage]:
        spec = OBJECTS[obj] if isinstance(obj, str) else obj
        bounds = search_bounds(start, end, spec.day_granular_search)
        if bounds is None:
            return
        pool = (
            ThreadPoolExecutor(self.detail_concurrency, thread_name_prefix="intercom-detail")
            if spec.with_parts
            else None
        )
        try:
            seen: set[str] = set()
            for number, (items, end_of_stream) in enumerate(self._search_window(spec, bounds), start=1):
                extracted_at = datetime.now(UTC)
                in_window, undated = [], []
                for item in items:
                    ts = timestamp_or_reason(item.get("updated_at"))
                    if not isinstance(ts, datetime):  # no window can claim it: quarantined, not fatal
                        key = None if item.get("id") is None else str(item["id"])
                        undated.append(Reject(item, f"{ts}_version", f"'updated_at' is {ts}", key))
                        continue
                    key = str(item.get("id"))
                    if start <= ts < end and key not in seen:  # a record moving while we page comes once
                        seen.add(key)
                        in_window.append(item)
                rows = self._parts(spec, in_window, pool) if pool is not None else in_window
                page = convert_records(
                    rows, spec.columns, extracted_at, primary_key=spec.primary_key, version_column=spec.version_column
                )
                yield ExportPage(spec.name, number, page.batch, end_of_stream, (*undated, *page.rejects), page.repaired)
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)

    def _search_window(self, spec: IntercomObject, bounds: tuple[int, int]) -> Iterator[tuple[list[dict], bool]]:
        """The window's pages: one search, or, when the first page shows many, the slices' in slice order."""
        search = self._search(spec, bounds)
        items, last, total = next(search)
        slices = min(self.search_slices, math.ceil(total / self.per_page / SLICE_BUFFER)) if total else 1
        if last or spec.day_granular_search or slices < 2:
            yield items, last
            yield from ((items, last) for items, last, _ in search)
            return
        search.close()
        yield from self._sliced(spec, split_bounds(bounds, slices))

    def _sliced(self, spec: IntercomObject, slices: list[tuple[int, int]]) -> Iterator[tuple[list[dict], bool]]:
        """Every slice searched in its own thread into a shared, bounded buffer; read back in slice order."""
        buffers = SliceBuffers(len(slices), len(slices) * SLICE_BUFFER)

        def fill(index: int, bounds: tuple[int, int]) -> None:
            try:
                for items, last, _ in self._search(spec, bounds):
                    if not buffers.put(index, (items, last)):
                        return
            except BaseException as exc:  # handed to the reader, raised there in slice order
                buffers.put(index, exc, always=True)

        with ThreadPoolExecutor(len(slices), thread_name_prefix="intercom-search") as pool:
            try:
                for index, bounds in enumerate(slices):
                    pool.submit(fill, index, bounds)
                for index in range(len(slices)):
                    while True:
                        item = buffers.get(index)
                        if isinstance(item, BaseException):
                            raise item
                        items, last = item
                        yield items, last and index == len(slices) - 1
                        if last:
                            break
            finally:
                buffers.close()  # a reader that stops early or fails releases the slices still searching

    def _search(self, spec: IntercomObject, bounds: tuple[int, int]) -> Iterator[tuple[list[dict], bool, int | None]]:
        """One search's pages in cursor order: records, whether it is the last, and the total it reports."""
        gt, lt = bounds
        body: dict[str, Any] = {
            "query": {
                "operator": "AND",
                "value": [
                    {"field": "updated_at", "operator": ">", "value": gt},
                    {"field": "updated_at", "operator": "<", "value": lt},
                ],
            },
            "pagination": {"per_page": self.per_page},
        }
        cursors: set[str] = set()
        while True:
            page = self.api.request_json("POST", spec.search_path, json=body)
            if not isinstance(page, dict) or not isinstance(page.get(spec.records_key), list):
                keys = sorted(page) if isinstance(page, dict) else type(page).__name__
                raise self._malformed(spec, f"expected a {spec.records_key!r} list, got {keys}")
            following = (page.get("pages") or {}).get("next") or {}
            cursor = following.get("starting_after") if isinstance(following, dict) else None
            total = page.get("total_count")
            yield page[spec.records_key], not cursor, total if isinstance(total, int) else None
            if not cursor:
                return
            if cursor in cursors:
                raise self._malformed(spec, "the search returned a starting_after cursor it had already given")
            cursors.add(cursor)
            body["pagination"] = {"per_page": self.per_page, "starting_after": cursor}

    def _parts(self, spec: IntercomObject, conversations: list[dict], pool: ThreadPoolExecutor) -> list[dict]:
        """Each conversation's source message and parts as rows, fetched ``detail_concurrency`` at a time."""
        rows: list[dict] = []
        for detail in pool.map(self._detail, [str(c.get("id")) for c in conversations]):
            if detail is not None:
                rows.extend(self._explode(spec, detail))
        return rows

    def _detail(self, conversation_id: str) -> dict | None:
        try:
            detail = self.api.request_json(
                "GET", f"/conversations/{quote(conversation_id, safe='')}", params={"display_as": "plaintext"}
            )
        except ResponseError as exc:
            if exc.status_code != 404:
                raise
            logger.info("intercom conversation %s was deleted after the search found it", conversation_id)
            return None
        if not isinstance(detail, dict) or str(detail.get("id")) != conversation_id:
            raise self._malformed(
                OBJECTS["conversation_parts"], f"GET /conversations/{conversation_id} did not return that conversation"
            )
        return detail

    def _explode(self, spec: IntercomObject, detail: dict) -> list[dict]:
        conversation_id, updated_at = str(detail["id"]), detail.get("updated_at")
        source = detail.get("source") or {}
        context = {
            "conversation_id": conversation_id,
            "conversation_updated_at": updated_at,
            "channel": source.get("type"),
        }
        rows = []
        if source.get("id") is not None:  # the first message: a part in all but name
            rows.append(
                {
                    **source,
                    **context,
                    "id": f"source-{source['id']}",
                    "source_id": source["id"],
                    "part_type": "source",
                    "created_at": detail.get("created_at"),
                    "updated_at": detail.get("created_at"),
                }
            )
        listing = detail.get("conversation_parts") or {}
        parts = listing.get("conversation_parts") if isinstance(listing, dict) else None
        if not isinstance(parts, list):
            raise self._malformed(spec, f"conversation {conversation_id} has no conversation_parts list")
        total = listing.get("total_count")
        if isinstance(total, int) and total > len(parts):
            logger.warning(
                "intercom conversation %s has %d parts; the API returns only the %d most recent",
                conversation_id,
                total,
                len(parts),
            )
        rows += [{**part, **context} for part in parts if isinstance(part, dict)]
        return rows

    @staticmethod
    def _malformed(spec: IntercomObject, detail: str) -> IntegrationError:
        return IntegrationError(INTEGRATION, f"malformed {spec.name} response: {detail}")
