"""Typed page iterator over Retell's list-calls, bounded to a time window.

``POST /v3/list-calls`` filters on ``start_timestamp`` (epoch ms, ``bt`` range, both ends inclusive),
sorts ascending and pages with the opaque ``pagination_key`` of each response while ``has_more``.
Pages are yielded one at a time: memory holds one page (at most ``limit`` ≤ 1000 calls).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from integration_pipelines.lib.http.client import ApiClient
from integration_pipelines.lib.http.errors import IntegrationError
from integration_pipelines.lib.records import Reject, convert_records
from integration_pipelines.sources.base import ExportPage
from integration_pipelines.sources.retell.objects import OBJECTS, RetellObject, ms_time

INTEGRATION = "retell"
MAX_LIMIT = 1000


def window_bounds(start: datetime, end: datetime) -> tuple[int, int] | None:
    """Inclusive epoch-ms ``[lo, hi]`` for Retell's ``bt`` filter that covers [start, end); None if empty."""
    lo, stop = math.ceil(start.timestamp() * 1000), math.ceil(end.timestamp() * 1000)
    return (lo, stop - 1) if stop > lo else None


class RetellClient:
    """Reads calls started in [start, end) page by page."""

    def __init__(self, api: ApiClient, limit: int = MAX_LIMIT) -> None:
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
        self.api = api
        self.limit = limit

    def check_credentials(self) -> list[dict[str, Any]]:
        """One call at most, to fail fast with a clear error before a long pull."""
        return self._list(OBJECTS["calls"], {"limit": 1})["items"]

    def pages(self, obj: RetellObject | str, start: datetime, end: datetime) -> Iterator[ExportPage]:
        spec = OBJECTS[obj] if isinstance(obj, str) else obj
        bounds = window_bounds(start, end)
        if bounds is None:
            return
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
                in_window, spec.columns, extracted_at, primary_key=spec.primary_key, version_column=spec.version_column
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
