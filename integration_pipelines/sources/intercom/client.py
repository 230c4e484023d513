"""Typed page iterators over Intercom's search APIs, bounded to a time window.

One search page at a time: its records are filtered to the window, and for conversation parts each
conversation on the page is fetched (a few in parallel) before the page is yielded, so memory holds
one page of conversations and their parts, never a whole pull.
"""

from __future__ import annotations

import logging
import math
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


class IntercomClient:
    """Reads one object's changes in [start, end) page by page."""

    def __init__(self, api: ApiClient, per_page: int = MAX_PER_PAGE, detail_concurrency: int = 4) -> None:
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be between 1 and {MAX_PER_PAGE}")
        self.api = api
        self.per_page = per_page
        self.detail_concurrency = max(1, detail_concurrency)

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
            for number, (items, end_of_stream) in enumerate(self._search(spec, bounds), start=1):
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

    def _search(self, spec: IntercomObject, bounds: tuple[int, int]) -> Iterator[tuple[list[dict], bool]]:
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
            yield page[spec.records_key], not cursor
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
