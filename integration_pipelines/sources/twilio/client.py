"""Typed page iterators over Twilio's Messages list, bounded to a time window of ``date_updated``.

Twilio filters the list only by the day a message was *sent* (``DateSent>``: on or after, ``DateSent<``:
on or before, GMT days), never by ``date_updated``. A window [start, end) therefore lists the
messages sent from ``lookback`` before ``start`` through ``end``'s day, and keeps those whose
``date_updated`` falls inside it: a delivery receipt, a WhatsApp read receipt or a redaction that
comes within the lookback of the sending lands in the day it happened. Pages follow
``next_page_uri`` (a ``PageToken`` cursor) until it is null; memory holds one page.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from integration_pipelines.lib.http.client import ApiClient
from integration_pipelines.lib.http.errors import IntegrationError
from integration_pipelines.lib.records import Reject, convert_records
from integration_pipelines.sources.base import ExportPage
from integration_pipelines.sources.twilio.objects import OBJECTS, TwilioObject, time_or_reason

INTEGRATION = "twilio"
MAX_PAGE_SIZE = 1000  # Twilio's documented maximum PageSize (default 50)
DEFAULT_LOOKBACK = timedelta(days=3)


class TwilioClient:
    """Reads one object's changes in [start, end) page by page; holds no more than a page."""

    def __init__(
        self,
        api: ApiClient,
        account_sid: str,
        page_size: int = MAX_PAGE_SIZE,
        lookback: timedelta = DEFAULT_LOOKBACK,
        history_start: datetime | None = None,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        self.api = api
        self.account_sid = account_sid
        self.page_size = page_size
        self.lookback = lookback
        self.history_start = history_start

    def check_credentials(self) -> dict[str, Any]:
        """The account the credentials open (``GET /2010-04-01/Accounts/{sid}.json``); fails fast."""
        return self.api.request_json("GET", f"/2010-04-01/Accounts/{quote(self.account_sid, safe='')}.json")

    def list_params(self, start: datetime, end: datetime) -> dict[str, Any]:
        """The first page's query: GMT days, both bounds inclusive as Twilio reads them."""
        params: dict[str, Any] = {"PageSize": self.page_size}
        if self.history_start is None or start > self.history_start:  # the first partition takes everything
            params["DateSent>"] = (start - self.lookback).astimezone(UTC).date().isoformat()
        params["DateSent<"] = (end - timedelta(microseconds=1)).astimezone(UTC).date().isoformat()
        return params

    def pages(self, obj: TwilioObject | str, start: datetime, end: datetime) -> Iterator[ExportPage]:
        spec = OBJECTS[obj] if isinstance(obj, str) else obj
        if end <= start:
            return
        uri: str | None = spec.path.format(account_sid=quote(self.account_sid, safe=""))
        params: dict[str, Any] | None = self.list_params(start, end)
        followed: set[str] = set()
        seen: set[str] = set()
        number = 0
        while uri is not None:
            body = self._get(spec, uri, params)
            number += 1
            extracted_at = datetime.now(UTC)
            in_window, undated = [], []
            for item in body[spec.records_key]:
                if not isinstance(item, dict):
                    undated.append(Reject({"value": item}, "malformed_key", "the list item is not an object"))
                    continue
                ts = time_or_reason(item.get(spec.version_column))
                key = None if item.get(spec.primary_key) is None else str(item[spec.primary_key])
                if not isinstance(ts, datetime):  # no window can claim it: quarantined, not fatal
                    undated.append(Reject(item, f"{ts}_version", f"{spec.version_column!r} is {ts}", key))
                elif start <= ts < end and (key is None or key not in seen):
                    if key is not None:
                        seen.add(key)  # a record listed twice (it moved between pages) comes once
                    in_window.append(item)
            following = body.get("next_page_uri")
            if following is not None and (not isinstance(following, str) or not following.startswith("/")):
                raise self._malformed(spec, f"next_page_uri {following!r} is not a path on the API host")
            if following in followed:
                raise self._malformed(spec, "the list returned a next_page_uri it had already given")
            page = convert_records(
                in_window,
                spec.columns,
                extracted_at,
                primary_key=spec.primary_key,
                version_column=spec.version_column,
            )
            yield ExportPage(spec.name, number, page.batch, following is None, (*undated, *page.rejects), page.repaired)
            if following is not None:
                followed.add(following)
            uri, params = following, None  # the next page's URI carries the filters and the PageToken

    def _get(self, spec: TwilioObject, uri: str, params: dict[str, Any] | None) -> dict[str, Any]:
        body = self.api.request_json("GET", uri, params=params)
        if not isinstance(body, dict) or not isinstance(body.get(spec.records_key), list):
            keys = sorted(body) if isinstance(body, dict) else type(body).__name__
            raise self._malformed(spec, f"expected a {spec.records_key!r} list, got {keys}")
        return body

    @staticmethod
    def _malformed(spec: TwilioObject, detail: str) -> IntegrationError:
        return IntegrationError(INTEGRATION, f"malformed {spec.name} list page: {detail}")
