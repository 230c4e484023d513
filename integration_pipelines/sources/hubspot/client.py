"""Typed page iterators over HubSpot's CRM: search for incremental windows, list for full loads.

Incremental: ``POST /crm/v3/objects/{type}/search`` filtered to last-modified in [start, end) (epoch
milliseconds, GTE/LT), sorted ascending, paged by ``after``. One search query serves at most 10,000
results, so a window whose ``total`` is larger is split in two by time, recursively; half-open
windows put a record that sits exactly on a split point in exactly one half. A single millisecond
holding more than the cap (a bulk update) is read by ``hs_object_id`` keyset instead, which never
pages past the first page of a query. Archived records never appear in search: each pull also lists
``archived=true`` and keeps those archived inside the window, flagged ``is_deleted``.
Full loads (``full_load``, or a window starting at/before the history start) use the list API.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Any

from integration_pipelines.lib.http.client import ApiClient
from integration_pipelines.lib.http.errors import IntegrationError
from integration_pipelines.lib.records import convert_records, parse_timestamp
from integration_pipelines.sources.base import ExportPage
from integration_pipelines.sources.hubspot.objects import OBJECTS, HubSpotObject

INTEGRATION = "hubspot"
SEARCH_RESULT_CAP = 10_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)

Records = list[dict[str, Any]]


def epoch_ms(moment: datetime) -> int:
    return (moment.astimezone(UTC) - _EPOCH) // _MS


class HubSpotClient:
    """Reads one object's changes in [start, end) page by page; holds no more than a page.

    ``stats`` counts what a pull did beyond HTTP metrics: search queries, window splits, keyset
    queries (a millisecond over the cap), resumed queries (a window that grew while paged), list pages.
    """

    def __init__(
        self,
        api: ApiClient,
        *,
        search_page_size: int = 200,
        list_page_size: int = 100,
        search_result_cap: int = SEARCH_RESULT_CAP,
        full_load: bool = False,
        history_start: datetime | None = None,
    ) -> None:
        self.api = api
        self.search_page_size = search_page_size
        self.list_page_size = list_page_size
        self.cap = search_result_cap
        self.full_load = full_load
        self.history_start = history_start
        self.stats: Counter[str] = Counter()
        self._properties: dict[str, tuple[str, ...]] = {}

    def check_credentials(self) -> dict[str, Any]:
        """Fail fast with a clear error before a long export starts."""
        return self.api.request_json("GET", "/account-info/v3/details")

    def properties(self, obj: HubSpotObject | str) -> tuple[str, ...]:
        """Every property of the object (custom ones too), from the properties API, once per client."""
        spec = _spec(obj)
        if spec.name not in self._properties:
            body = self.api.request_json("GET", f"/crm/v3/properties/{spec.object_type}")
            results = body.get("results") if isinstance(body, dict) else None
            if not isinstance(results, list):
                raise _malformed(spec, "the properties response has no results list")
            names = {p["name"] for p in results if isinstance(p, dict) and isinstance(p.get("name"), str)}
            self._properties[spec.name] = tuple(sorted(names | set(spec.core_properties)))
        return self._properties[spec.name]

    def pages(self, obj: HubSpotObject | str, start: datetime, end: datetime) -> Iterator[ExportPage]:
        spec = _spec(obj)
        names = self.properties(spec)
        history = self.history_start is not None and start <= self.history_start
        if self.full_load or history:
            lower = None if history else start
            raw: Iterable[Records] = chain(
                self._list(spec, names, False, lower, end), self._list(spec, names, True, lower, end)
            )
        else:
            raw = chain(
                self._search(spec, names, epoch_ms(start), epoch_ms(end)), self._list(spec, names, True, start, end)
            )
        for number, (items, last) in enumerate(_mark_last(raw), start=1):
            page = convert_records(
                items, spec.columns, datetime.now(UTC), primary_key=spec.primary_key, version_column=spec.version_column
            )
            yield ExportPage(spec.name, number, page.batch, last, page.rejects, page.repaired)

    # ------------------------------------------------------------ list API (full loads, archived)
    def _list(
        self, spec: HubSpotObject, names: tuple[str, ...], archived: bool, lower: datetime | None, upper: datetime
    ) -> Iterator[Records]:
        params: dict[str, Any] = {
            "limit": self.list_page_size,
            "properties": ",".join(names),
            "archived": str(archived).lower(),
        }
        while True:
            body = self.api.request_json("GET", f"/crm/v3/objects/{spec.object_type}", params=params)
            results = _results(spec, body)
            self.stats["archived_pages" if archived else "list_pages"] += 1
            yield [r for r in results if self._in_window(spec, r, lower, upper)]
            after = _next(body)
            if after is None:
                return
            params = {**params, "after": after}

    @staticmethod
    def _in_window(spec: HubSpotObject, record: dict[str, Any], lower: datetime | None, upper: datetime) -> bool:
        updated = next(c for c in spec.columns if c.name == spec.version_column).value(record)
        if updated is None:
            raise _malformed(spec, f"record {record.get('id')!r} has no {spec.lastmod_property} or archivedAt")
        return (lower is None or updated >= lower) and updated < upper

    # ------------------------------------------------------------ search API (incremental windows)
    def _search(
        self, spec: HubSpotObject, names: tuple[str, ...], start: int, end: int, skip: frozenset[str] = frozenset()
    ) -> Iterator[Records]:
        """Every live record last modified in [start, end) ms, each once; ``skip`` holds ids already read."""
        self.stats["search_queries"] += 1
        window = _window_filters(spec, start, end)
        body = self._post(spec, names, window, spec.lastmod_property)
        if body["total"] > self.cap:
            if end - start > 1:
                self.stats["window_splits"] += 1
                middle = start + (end - start) // 2
                yield from self._search(spec, names, start, middle, skip)
                yield from self._search(spec, names, middle, end, skip)
            else:
                yield from self._keyset(spec, names, start, skip)
            return
        last_ms, ids_at_last_ms = None, set()  # ids read in the latest millisecond, for a resume
        seen: set[str] = set()  # HubSpot does not promise a stable order of ties across offset pages
        while True:
            fresh = []
            for record in body["results"]:
                stamp, rid = epoch_ms(_timestamp(spec, record)), record.get("id")
                if stamp != last_ms:
                    last_ms, ids_at_last_ms = stamp, set()
                ids_at_last_ms.add(rid)
                if rid not in skip and rid not in seen:
                    seen.add(rid)
                    fresh.append(record)
            yield fresh
            after = _next(body)
            if after is None:
                return
            if not after.isdigit():
                raise _malformed(spec, f"search paging.next.after {after!r} is not an offset")
            if int(after) >= self.cap:  # the window grew past the cap while we paged it: resume by time
                if last_ms is None:
                    raise _malformed(spec, "a search page with more to come holds no results")
                self.stats["resumed_queries"] += 1
                yield from self._search(spec, names, last_ms, end, skip | ids_at_last_ms)
                return
            body = self._post(spec, names, window, spec.lastmod_property, after)

    def _keyset(
        self, spec: HubSpotObject, names: tuple[str, ...], moment: int, skip: frozenset[str]
    ) -> Iterator[Records]:
        """One millisecond holding more than the cap: walk it by ascending hs_object_id, one page a query."""
        last_id = 0
        while True:
            self.stats["keyset_queries"] += 1
            filters = [
                *_window_filters(spec, moment, moment + 1),
                {"propertyName": "hs_object_id", "operator": "GT", "value": str(last_id)},
            ]
            body = self._post(spec, names, filters, "hs_object_id")
            results = body["results"]
            yield [r for r in results if r.get("id") not in skip]
            if not results or _next(body) is None:
                return
            last_id = int(results[-1]["id"])

    def _post(
        self,
        spec: HubSpotObject,
        names: tuple[str, ...],
        filters: list[dict[str, str]],
        sort: str,
        after: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": sort, "direction": "ASCENDING"}],
            "properties": list(names),
            "limit": self.search_page_size,
        }
        if after is not None:
            body["after"] = after
        self.stats["search_requests"] += 1
        response = self.api.request_json(
            "POST", f"/crm/v3/objects/{spec.object_type}/search", json=body, limit_group="search"
        )
        _results(spec, response)
        if not isinstance(response.get("total"), int):
            raise _malformed(spec, "a search response has no integer total")
        return response


def _spec(obj: HubSpotObject | str) -> HubSpotObject:
    return OBJECTS[obj] if isinstance(obj, str) else obj


def _window_filters(spec: HubSpotObject, start: int, end: int) -> list[dict[str, str]]:
    return [
        {"propertyName": spec.lastmod_property, "operator": "GTE", "value": str(start)},
        {"propertyName": spec.lastmod_property, "operator": "LT", "value": str(end)},
    ]


def _timestamp(spec: HubSpotObject, record: dict[str, Any]) -> datetime:
    properties = record.get("properties")
    value = properties.get(spec.lastmod_property) if isinstance(properties, dict) else None
    try:
        stamp = parse_timestamp(value)
    except ValueError:
        stamp = None
    if stamp is None:
        raise _malformed(spec, f"record {record.get('id')!r} has no valid {spec.lastmod_property}")
    return stamp


def _results(spec: HubSpotObject, body: Any) -> list[dict[str, Any]]:
    results = body.get("results") if isinstance(body, dict) else None
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        keys = sorted(body) if isinstance(body, dict) else type(body).__name__
        raise _malformed(spec, f"expected a results list, got {keys}")
    return results


def _next(body: dict[str, Any]) -> str | None:
    paging = body.get("paging")
    after = ((paging or {}).get("next") or {}).get("after") if isinstance(paging, dict) else None
    return str(after) if after not in (None, "") else None


def _mark_last(pages: Iterable[Records]) -> Iterator[tuple[Records, bool]]:
    """Each page with whether it is the last; one empty last page when there were none."""
    previous: Records | None = None
    for page in pages:
        if previous is not None:
            yield previous, False
        previous = page
    yield (previous if previous is not None else []), True


def _malformed(spec: HubSpotObject, detail: str) -> IntegrationError:
    return IntegrationError(INTEGRATION, f"malformed {spec.name} response: {detail}")
