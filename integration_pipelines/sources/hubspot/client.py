"""Typed page iterators over HubSpot's CRM: search for incremental windows, list for full loads.

Incremental: ``POST /crm/v3/objects/{type}/search`` filtered to last-modified in [start, end) (epoch
milliseconds, GTE/LT), sorted ascending, paged by ``after``. One search query serves at most 10,000
results, so a window whose ``total`` is larger is split in two by time, recursively; half-open
windows put a record that sits exactly on a split point in exactly one half. A single millisecond
holding more than the cap (a bulk update) is read by ``hs_object_id`` keyset instead, which never
pages past the first page of a query. The requests of a window (its pages, the halves of a split) go
out a few at once inside the search rate budget, read back in the serial order (``search.py``).
Archived records never appear in search: each pull also lists ``archived=true`` and keeps those
archived inside the window, flagged ``is_deleted``. That list is paced by the general limit, not the
search one, so it is read at the same time as the search, in its own thread (``ReadAhead``), and its
pages wait for the reader after the search's: the same pages in the same order, without the list's
round trips after the search's.
Full loads (``full_load``, or a window starting at/before the history start) use the list API.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Generator, Iterable, Iterator
from datetime import UTC, datetime
from itertools import chain
from typing import Any

from integration_pipelines.lib.http.client import ApiClient
from integration_pipelines.lib.read_ahead import ReadAhead
from integration_pipelines.lib.records import convert_records
from integration_pipelines.sources.base import ExportPage
from integration_pipelines.sources.hubspot.objects import OBJECTS, HubSpotObject
from integration_pipelines.sources.hubspot.responses import (
    INTEGRATION,
    Records,
    epoch_ms,
    malformed,
    next_after,
    results,
)
from integration_pipelines.sources.hubspot.search import SEARCH_CONCURRENCY, WindowSearch

SEARCH_RESULT_CAP = 10_000
# archived pages (plus their records in the window) listed ahead of the reader while the search runs
ARCHIVED_READ_AHEAD = 2_000  # about 20 pages of 100 archived inside the window; far more with none inside
__all__ = ["INTEGRATION", "SEARCH_CONCURRENCY", "SEARCH_RESULT_CAP", "HubSpotClient", "epoch_ms"]


class HubSpotClient:
    """Reads one object's changes in [start, end) page by page; holds a few pages at most.

    Search requests up to ``search_concurrency`` pages at once (see ``search.py``); the pages come in
    the order one request after another gives, so 1 and any other degree yield the same pull.
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
        search_concurrency: int = SEARCH_CONCURRENCY,
    ) -> None:
        self.api = api
        self.search_page_size = search_page_size
        self.list_page_size = list_page_size
        self.cap = search_result_cap
        self.full_load = full_load
        self.history_start = history_start
        self.search_concurrency = max(1, search_concurrency)
        self.stats: Counter[str] = Counter()
        self._stats_lock = threading.Lock()  # search requests count from several threads
        self._properties: dict[str, tuple[str, ...]] = {}

    def check_credentials(self) -> dict[str, Any]:
        """Fail fast with a clear error before a long export starts."""
        return self.api.request_json("GET", "/account-info/v3/details")

    def properties(self, obj: HubSpotObject | str) -> tuple[str, ...]:
        """Every property of the object (custom ones too), from the properties API, once per client."""
        spec = _spec(obj)
        if spec.name not in self._properties:
            body = self.api.request_json("GET", f"/crm/v3/properties/{spec.object_type}")
            found = body.get("results") if isinstance(body, dict) else None
            if not isinstance(found, list):
                raise malformed(spec, "the properties response has no results list")
            names = {p["name"] for p in found if isinstance(p, dict) and isinstance(p.get("name"), str)}
            self._properties[spec.name] = tuple(sorted(names | set(spec.core_properties)))
        return self._properties[spec.name]

    def pages(self, obj: HubSpotObject | str, start: datetime, end: datetime) -> Iterator[ExportPage]:
        spec = _spec(obj)
        names = self.properties(spec)
        history = self.history_start is not None and start <= self.history_start
        if self.full_load or history:
            lower = None if history else start
            live: Generator[Records, None, None] = self._list(spec, names, False, lower, end)
        else:
            search = WindowSearch(
                self.api,
                spec,
                names,
                cap=self.cap,
                page_size=self.search_page_size,
                depth=self.search_concurrency,
                stats=self.stats,
                stats_lock=self._stats_lock,
            )
            live, lower = search.pages(epoch_ms(start), epoch_ms(end)), start
        archived = ReadAhead(
            lambda: self._list(spec, names, True, lower, end),
            budget=ARCHIVED_READ_AHEAD,
            weight=lambda records: 1 + len(records),
            name="hubspot-archived",
        )
        try:
            raw = chain(live, archived)
            for number, (items, last) in enumerate(_mark_last(raw), start=1):
                page = convert_records(
                    items,
                    spec.columns,
                    datetime.now(UTC),
                    primary_key=spec.primary_key,
                    version_column=spec.version_column,
                )
                yield ExportPage(spec.name, number, page.batch, last, page.rejects, page.repaired)
        finally:
            live.close()  # a reader that stops early ends the searches under way now, not when collected
            archived.close()

    # ------------------------------------------------------------ list API (full loads, archived)
    def _list(
        self, spec: HubSpotObject, names: tuple[str, ...], archived: bool, lower: datetime | None, upper: datetime
    ) -> Generator[Records, None, None]:
        params: dict[str, Any] = {
            "limit": self.list_page_size,
            "properties": ",".join(names),
            "archived": str(archived).lower(),
        }
        while True:
            body = self.api.request_json("GET", f"/crm/v3/objects/{spec.object_type}", params=params)
            found = results(spec, body)
            with self._stats_lock:  # the archived list runs in its own thread
                self.stats["archived_pages" if archived else "list_pages"] += 1
            yield [r for r in found if self._in_window(spec, r, lower, upper)]
            after = next_after(body)
            if after is None:
                return
            params = {**params, "after": after}

    @staticmethod
    def _in_window(spec: HubSpotObject, record: dict[str, Any], lower: datetime | None, upper: datetime) -> bool:
        updated = next(c for c in spec.columns if c.name == spec.version_column).value(record)
        if updated is None:
            raise malformed(spec, f"record {record.get('id')!r} has no {spec.lastmod_property} or archivedAt")
        return (lower is None or updated >= lower) and updated < upper


def _spec(obj: HubSpotObject | str) -> HubSpotObject:
    return OBJECTS[obj] if isinstance(obj, str) else obj


def _mark_last(pages: Iterable[Records]) -> Iterator[tuple[Records, bool]]:
    """Each page with whether it is the last; one empty last page when there were none."""
    previous: Records | None = None
    for page in pages:
        if previous is not None:
            yield previous, False
        previous = page
    yield (previous if previous is not None else []), True
