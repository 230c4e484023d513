"""Typed page iterator over Retell's list-calls, bounded to a time window.

``POST /v3/list-calls`` filters on ``start_timestamp`` (epoch ms, ``bt`` range, both ends inclusive),
sorts ascending and pages with the opaque ``pagination_key`` of each response while ``has_more``. The
v3 list leaves out ``transcript``, ``transcript_object`` and ``recording_url`` (Retell's docs say to fetch
them per call), so each listed call without a ``transcript_object`` is completed from
``GET /v2/get-call/{call_id}`` (``detail_concurrency`` at a time) before its page is yielded; a call
deleted between the list and its fetch (404) is left out. Memory holds one page (≤ ``limit`` calls).
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
from integration_pipelines.lib.records import Reject, convert_records
from integration_pipelines.sources.base import ExportPage
from integration_pipelines.sources.retell.objects import OBJECTS, RetellObject, ms_time

INTEGRATION = "retell"
MAX_LIMIT = 1000
DETAIL_FIELD = "transcript_object"  # absent from v3 list items: the call is fetched whole
logger = logging.getLogger("integration_pipelines.connectors.retell")


def window_bounds(start: datetime, end: datetime) -> tuple[int, int] | None:
    """Inclusive epoch-ms ``[lo, hi]`` for Retell's ``bt`` filter that covers [start, end); None if empty."""
    lo, stop = math.ceil(start.timestamp() * 1000), math.ceil(end.timestamp() * 1000)
    return (lo, stop - 1) if stop > lo else None


class RetellClient:
    """Reads calls started in [start, end) page by page."""

    def __init__(self, api: ApiClient, limit: int = MAX_LIMIT, detail_concurrency: int = 4) -> None:
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
        self.api = api
        self.limit = limit
        self.detail_concurrency = max(1, detail_concurrency)

    def check_credentials(self) -> list[dict[str, Any]]:
        """One call at most, to fail fast with a clear error before a long pull."""
        return self._list(OBJECTS["calls"], {"limit": 1})["items"]

    def pages(self, obj: RetellObject | str, start: datetime, end: datetime) -> Iterator[ExportPage]:
        spec = OBJECTS[obj] if isinstance(obj, str) else obj
        bounds = window_bounds(start, end)
        if bounds is None:
            return
        with ThreadPoolExecutor(self.detail_concurrency, thread_name_prefix="retell-call") as pool:
            yield from self._pages(spec, start, end, bounds, pool)

    def _pages(
        self, spec: RetellObject, start: datetime, end: datetime, bounds: tuple[int, int], pool: ThreadPoolExecutor
    ) -> Iterator[ExportPage]:
        body: dict[str, Any] = {
            "filter_criteria": {"start_timestamp": {"type": "range", "op": "bt", "value": list(bounds)}},
            "sort_order": "ascending",
            "limit": self.limit,
        }
        seen: set[str] = set()
        keys: set[str] = set()
        number = 0
        while True:
            response = self._list(spec, body)
            number += 1
            extracted_at = datetime.now(UTC)
            in_window, undated = [], []
            for item in response[spec.records_key]:
                key = _key(item)
                ts = ms_time(item.get("start_timestamp")) if isinstance(item, dict) else "malformed"
                if not isinstance(ts, datetime):  # no window can claim it: quarantined, not fatal
                    record = item if isinstance(item, dict) else {"value": item}
                    undated.append(Reject(record, f"{ts}_version", f"'start_timestamp' is {ts}", key))
                    continue
                if start <= ts < end and (key is None or key not in seen):  # a call listed twice comes once
                    if key is not None:
                        seen.add(key)
                    in_window.append(item)
            has_more = bool(response.get("has_more"))
            page = convert_records(
                self._complete(spec, in_window, pool),
                spec.columns,
                extracted_at,
                primary_key=spec.primary_key,
                version_column=spec.version_column,
            )
            yield ExportPage(spec.name, number, page.batch, not has_more, (*undated, *page.rejects), page.repaired)
            if not has_more:
                return
            cursor = response.get("pagination_key")
            if not isinstance(cursor, str) or not cursor:
                raise self._malformed(spec, "has_more is true but the page has no pagination_key")
            if cursor in keys:
                raise self._malformed(spec, "the same pagination_key came twice (the list would loop)")
            keys.add(cursor)
            body = {**body, "pagination_key": cursor}

    def _complete(self, spec: RetellObject, calls: list[dict], pool: ThreadPoolExecutor) -> list[dict]:
        """The calls with their transcripts: those the list left without one are fetched, in list order."""
        wanted = [c for c in calls if DETAIL_FIELD not in c and c.get("call_id") is not None]
        fetched = dict(zip((id(c) for c in wanted), pool.map(self._detail, wanted), strict=True))
        complete = []
        for call in calls:
            detail = fetched.get(id(call), call)
            if detail is not None:
                complete.append(detail)
        return complete

    def _detail(self, listed: dict) -> dict | None:
        call_id = str(listed["call_id"])
        try:
            detail = self.api.request_json("GET", f"/v2/get-call/{quote(call_id, safe='')}")
        except ResponseError as exc:
            if exc.status_code != 404:
                raise
            logger.info("retell call %s was deleted after the list found it", call_id)
            return None
        if not isinstance(detail, dict) or str(detail.get("call_id")) != call_id:
            raise self._malformed(OBJECTS["calls"], f"GET /v2/get-call/{call_id} did not return that call")
        return {**listed, **detail}

    def _list(self, spec: RetellObject, body: dict[str, Any]) -> dict[str, Any]:
        response = self.api.request_json("POST", spec.path, json=body)
        if not isinstance(response, dict) or not isinstance(response.get(spec.records_key), list):
            keys = sorted(response) if isinstance(response, dict) else type(response).__name__
            raise self._malformed(spec, f"expected an {spec.records_key!r} list, got {keys}")
        return response

    @staticmethod
    def _malformed(spec: RetellObject, detail: str) -> IntegrationError:
        return IntegrationError(INTEGRATION, f"malformed Retell {spec.name} page: {detail}")


def _key(item: Any) -> str | None:
    value = item.get("call_id") if isinstance(item, dict) else None
    return None if value is None else str(value)
