"""A window's search pages, requested a few at once and read in the order one request after another gives.

``POST /crm/v3/objects/{type}/search`` serves one query's results by offset (``after``), so once a
query's first page tells its ``total``, every later page of it is known and can be requested before
the one ahead of it has arrived; a window over the 10,000-result cap is split in two by time, and
both halves are independent queries. A paced client waiting for each response before sending the
next leaves most of the 5 searches/s unused when a response takes longer than the pace (0.2 s).

:class:`WindowSearch` keeps a *plan*: the requests the serial pull would send, in its order, as far
as they are known. Up to ``depth`` of them are under way at once (a window's first query, pages of a
query, the halves of a split window), through the one ``ApiClient`` whose search bucket alone paces
them; a request that ends starts the next planned one, even while the reader is busy elsewhere. The
reader takes the plan's head and applies exactly the serial pull's rules to it (ids read once per
query, a query that grew past the cap resumed by time, a millisecond over the cap walked by
``hs_object_id``). A page whose ``total`` or ``paging.next`` differs from the plan (the results
changed while paged) makes the rest of its query planned again from that answer, so pages answered
before the change are not trusted. The pages are those of the serial pull whatever the timing, and
a failed request is raised when the reader reaches it, after every page before it.
Memory is bounded: at most ``HELD_PER_REQUEST * depth`` responses are under way or waiting for the
reader; a reader that is slow stops the requests there, one that stops ends them.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from integration_pipelines.lib.http.client import ApiClient
from integration_pipelines.sources.hubspot.objects import HubSpotObject
from integration_pipelines.sources.hubspot.responses import (
    Records,
    epoch_ms,
    last_modified,
    malformed,
    next_after,
    results,
)

SEARCH_CONCURRENCY = 4  # at 5 searches/s, four requests at once keep the budget busy up to ~0.8 s a response
HELD_PER_REQUEST = 2  # responses waiting for the reader: twice the requests at once (a reader pausing
# for a second, e.g. to write a lake file, finds the next pages there instead of stalling the budget)


@dataclass(eq=False)
class _Query:
    """One search query over [start, end) ms, and what the reader has seen of it (for repeats and resumes)."""

    start: int
    end: int
    skip: frozenset[str]  # ids an earlier query already read
    total: int = 0  # results the query held when its pages were planned
    stride: int = 0  # offset of its second page: results a page
    seen: set[str] = field(default_factory=set)  # HubSpot does not promise a stable tie order across pages
    last_ms: int | None = None
    ids_at_last_ms: set[str] = field(default_factory=set)  # ids read in the latest millisecond, for a resume


@dataclass(eq=False)
class _Step:
    """One request of the plan: a query's first page (``probe``: it may turn out to need a split), a later
    ``page`` at offset ``after``, or a ``keyset`` query for ids above ``after`` in one millisecond."""

    kind: Literal["probe", "page", "keyset"]
    query: _Query
    after: str | None = None
    state: Literal["planned", "sent", "answered"] = "planned"
    body: dict[str, Any] | None = None
    error: BaseException | None = None
    dropped: bool = False  # no longer in the plan: not sent if not sent yet


class WindowSearch:
    """Every live record of one object last modified in [start, end) ms, each once, page by page.

    ``depth`` requests at once at most, and at most ``HELD_PER_REQUEST * depth`` responses sent for or
    waiting for the reader (depth 1 is the serial pull: a request when the reader needs its page). The
    plan (``_plan``) is shared by the reader and the request threads under ``_changed``, so a request
    that ends starts the next one even while the reader is busy elsewhere."""

    def __init__(
        self,
        api: ApiClient,
        spec: HubSpotObject,
        names: tuple[str, ...],
        *,
        cap: int,
        page_size: int,
        depth: int,
        stats: Counter[str],
        stats_lock: threading.Lock,
    ) -> None:
        self.api, self.spec, self.names = api, spec, names
        self.cap, self.page_size = cap, page_size
        self.depth = max(1, depth)
        self.held = HELD_PER_REQUEST * self.depth if self.depth > 1 else 1  # 1: each page when it is read
        self.stats, self._stats_lock = stats, stats_lock
        self._changed = threading.Condition()
        self._plan: deque[_Step] = deque()
        self._pool = ThreadPoolExecutor(self.depth + 1, thread_name_prefix="hubspot-search")
        self._stopped = False

    def pages(self, start: int, end: int) -> Generator[Records, None, None]:
        self._plan.append(_Step("probe", _Query(start, end, frozenset())))
        try:
            while (step := self._next_step()) is not None:
                if step.error is not None:
                    raise step.error
                yield from (self._page(step) if step.kind == "page" else self._keyset(step))
        finally:  # a reader that stops early or fails: no new request starts, the ones under way end
            with self._changed:
                self._stopped = True
                for step in self._plan:
                    step.dropped = True
                self._plan.clear()
            self._pool.shutdown(wait=True, cancel_futures=True)

    # ------------------------------------------------------------ the plan (under self._changed)
    def _next_step(self) -> _Step | None:
        """The plan's first page or keyset query (or failed request) once answered; None at the end."""
        with self._changed:
            while self._plan:
                self._advance()
                head = self._plan[0]
                if head.state == "answered" and (head.kind != "probe" or head.error is not None):
                    self._plan.popleft()
                    self._advance()  # its place is free while the reader reads it
                    return head
                self._changed.wait()
            return None

    def _advance(self) -> None:
        """Expand the probes answered so far, wherever they are in the plan; start requests in plan order."""
        if any(s.kind == "probe" and s.state == "answered" and s.error is None for s in self._plan):
            expanded: list[_Step] = []
            for step in self._plan:
                ready = step.kind == "probe" and step.state == "answered" and step.error is None
                expanded.extend(self._expand(step) if ready else (step,))
            self._plan = deque(expanded)
        sent = sum(step.state == "sent" for step in self._plan)
        held = sum(step.state == "answered" for step in self._plan)
        for index, step in enumerate(self._plan):
            if step.state != "planned":
                continue
            if index > 0 and (sent >= self.depth or sent + held >= self.held):  # the head may always go
                return
            step.state, sent = "sent", sent + 1
            self._pool.submit(self._run, step)

    def _expand(self, probe: _Step) -> list[_Step]:
        """A query's first page as what it calls for: two halves, a keyset walk, or its pages by offset."""
        assert probe.body is not None
        body, query = probe.body, probe.query
        if body["total"] > self.cap:
            if query.end - query.start > 1:
                self._count("window_splits")
                middle = query.start + (query.end - query.start) // 2
                return [
                    _Step("probe", _Query(query.start, middle, query.skip)),
                    _Step("probe", _Query(middle, query.end, query.skip)),
                ]
            return [_Step("keyset", query, "0")]
        first = _Step("page", query, None, "answered", body)
        stride = next_after(body)
        if stride is None or not stride.isdigit():  # one page, or one the reader rejects
            return [first]
        query.total, query.stride = body["total"], int(stride)
        return [first, *self._planned(query, query.stride)]

    def _planned(self, query: _Query, after: int) -> list[_Step]:
        """The page at offset ``after`` and the query's pages after it, as far as its total and the cap."""
        offsets = range(after + query.stride, min(query.total, self.cap), query.stride) if query.stride > 0 else ()
        return [_Step("page", query, str(offset)) for offset in (after, *offsets)]

    def _drop(self, query: _Query) -> None:
        """Forget the planned pages of ``query`` (they follow the one just read)."""
        while self._plan and self._plan[0].query is query:
            self._plan.popleft().dropped = True

    # ------------------------------------------------------------ reading, in the serial order
    def _page(self, step: _Step) -> Iterator[Records]:
        assert step.body is not None
        body, query = step.body, step.query
        fresh = []
        for record in body["results"]:
            stamp, rid = epoch_ms(last_modified(self.spec, record)), record.get("id")
            if stamp != query.last_ms:
                query.last_ms, query.ids_at_last_ms = stamp, set()
            query.ids_at_last_ms.add(rid)
            if rid not in query.skip and rid not in query.seen:
                query.seen.add(rid)
                fresh.append(record)
        yield fresh
        after = next_after(body)
        if after is not None and not after.isdigit():
            raise malformed(self.spec, f"search paging.next.after {after!r} is not an offset")
        if after is not None and int(after) <= int(step.after or 0):
            raise malformed(self.spec, f"search paging.next.after {after!r} does not move past {step.after or 0}")
        if after is not None and int(after) >= self.cap and query.last_ms is None:
            raise malformed(self.spec, "a search page with more to come holds no results")
        with self._changed:
            self._after_page(query, after, body["total"])

    def _after_page(self, query: _Query, after: str | None, total: int) -> None:
        """What follows a page of ``query`` whose ``paging.next.after`` is ``after``: as planned, or the plan
        corrected to what the serial pull would request next."""
        if after is None:
            self._drop(query)
        elif int(after) >= self.cap:  # the window grew past the cap while we paged it: resume by time
            assert query.last_ms is not None
            self._drop(query)
            self._count("resumed_queries")
            resumed = _Query(query.last_ms, query.end, query.skip | query.ids_at_last_ms)
            self._plan.appendleft(_Step("probe", resumed))
        else:
            head = self._plan[0] if self._plan else None
            if head is not None and head.query is query and head.after == after and total == query.total:
                return
            # The results changed while paged (or the pages are not the planned ones): pages answered
            # before the change are not trusted; the rest of the query is planned again from this answer.
            self._drop(query)
            query.total = total
            self._plan.extendleft(reversed(self._planned(query, int(after))))

    def _keyset(self, step: _Step) -> Iterator[Records]:
        """One millisecond holding more than the cap: walked by ascending hs_object_id, one page a query."""
        assert step.body is not None
        found = step.body["results"]
        yield [r for r in found if r.get("id") not in step.query.skip]
        if found and next_after(step.body) is not None:
            with self._changed:
                self._plan.appendleft(_Step("keyset", step.query, str(int(found[-1]["id"]))))

    # ------------------------------------------------------------ requests (in the pool's threads)
    def _run(self, step: _Step) -> None:
        """Send ``step`` (unless the reader stopped or dropped it) and hand its answer to the plan."""
        body: dict[str, Any] | None = None
        error: BaseException | None = None
        if not (self._stopped or step.dropped):
            try:
                body = self._request(step)
            except BaseException as exc:  # raised by the reader when it reaches this step, in plan order
                error = exc
        with self._changed:
            step.body, step.error, step.state = body, error, "answered"
            if not self._stopped:
                self._advance()
            self._changed.notify_all()

    def _request(self, step: _Step) -> dict[str, Any]:
        query = step.query
        filters = [
            {"propertyName": self.spec.lastmod_property, "operator": "GTE", "value": str(query.start)},
            {"propertyName": self.spec.lastmod_property, "operator": "LT", "value": str(query.end)},
        ]
        if step.kind == "keyset":
            self._count("keyset_queries")
            filters.append({"propertyName": "hs_object_id", "operator": "GT", "value": str(step.after)})
            return self._post(filters, "hs_object_id")
        if step.kind == "probe":
            self._count("search_queries")
        return self._post(filters, self.spec.lastmod_property, step.after)

    def _post(self, filters: list[dict[str, str]], sort: str, after: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": sort, "direction": "ASCENDING"}],
            "properties": list(self.names),
            "limit": self.page_size,
        }
        if after is not None:
            body["after"] = after
        self._count("search_requests")
        response = self.api.request_json(
            "POST", f"/crm/v3/objects/{self.spec.object_type}/search", json=body, limit_group="search"
        )
        results(self.spec, response)
        if not isinstance(response.get("total"), int):
            raise malformed(self.spec, "a search response has no integer total")
        return response

    def _count(self, key: str) -> None:
        with self._stats_lock:
            self.stats[key] += 1
