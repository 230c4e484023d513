"""HubSpot search requests sent several at once give the same pull as one request after another.

Against this module's own sandbox (the HubSpot dialect) over real HTTP. A pull with ``search_concurrency``
above 1 must yield exactly the pages of the serial pull (``search_concurrency=1``), in the same order;
stay without a 429 at HubSpot's published 5 searches/s with the sandbox enforcing it; fail with the
clear "malformed" error when one query's page is broken, after every page before it; and release its
request threads when the reader stops early. A small loopback proxy in front of the sandbox counts the
requests under way at once and breaks pages on demand.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pyarrow as pa
import pytest

from integration_pipelines.lib.http.errors import IntegrationError
from integration_pipelines.sources.hubspot import HubSpotResource
from integration_pipelines.sources.hubspot.client import epoch_ms
from integration_pipelines_tests.sources.test_hubspot_connector import (
    assert_exact,
    expected,
    resource,
    truth,
    whole_history,
)
from vendor_sandbox.crm import Crm
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

SANDBOX_DIALECTS = "hubspot"  # this module's own sandbox (fixtures vendor_server / vendor_sandbox)
CAP = 1_000  # a small search cap, so the whole history splits into many windows of many pages


@pytest.fixture
def sandbox(vendor_sandbox: SandboxProcess) -> SandboxProcess:
    vendor_sandbox.admin("hubspot", "search_cap", cap=CAP)
    return vendor_sandbox


def split_resource(sandbox: SandboxProcess, concurrency: int, base_url: str | None = None) -> HubSpotResource:
    settings: dict[str, object] = {"search_result_cap": CAP, "search_page_size": 100, "search_concurrency": concurrency}
    if base_url is not None:
        settings["base_url"] = base_url
    return resource(sandbox, **settings)


def pull_pages(res: HubSpotResource, window: tuple[datetime, datetime]) -> tuple[list[list[dict]], dict, dict]:
    """Every page's contacts (``_extracted_at`` aside) in pull order, the client's metrics and stats."""
    with res.open_client() as client:
        pages = list(client.pages("contacts", *window))
        metrics, stats = client.api.metrics.as_dict(), dict(client.stats)
    assert [p.number for p in pages] == list(range(1, len(pages) + 1))
    rows = [[{k: v for k, v in r.items() if k != "_extracted_at"} for r in p.batch.to_pylist()] for p in pages]
    return rows, metrics, stats


class _Proxy(BaseHTTPRequestHandler):
    """Forwards to the sandbox after ``delay`` seconds, counting the searches under way at once; in mode
    ``no_results`` or ``stuck_offset`` a later page (``after`` set) of any query not starting at the
    window's start comes back broken: without its results list, or with a next offset that does not move."""

    server: _ProxyServer

    def do_GET(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        search = self.command == "POST" and self.path.endswith("/search")
        after = json.loads(body).get("after") if search else None
        if search and after is not None and after == self.server.change_before:
            with self.server.answered_changed:  # the later pages are answered first, then the results change
                self.server.answered_changed.wait_for(lambda: self.server.change_after <= self.server.answered, 10)
            self.server.change()
        with self.server.lock:
            self.server.arrivals.append("search" if search else "archived" if "archived=true" in self.path else "other")
            self.server.under_way += search
            self.server.most_at_once = max(self.server.most_at_once, self.server.under_way)
        try:
            time.sleep(self.server.delay)
            upstream = httpx.request(self.command, self.server.upstream + self.path, content=body, headers=headers)
        finally:
            with self.server.lock:
                self.server.under_way -= search
        payload = upstream.content
        if search and after is not None:
            with self.server.answered_changed:
                self.server.answered.add(after)
                self.server.answered_changed.notify_all()
        if search and upstream.status_code == 200 and self.server.mode != "off":
            asked = json.loads(body)
            start = asked["filterGroups"][0]["filters"][0]["value"]
            if start != self.server.window_start and asked.get("after"):
                page = upstream.json()
                if self.server.mode == "no_results":
                    del page["results"]
                elif "paging" in page:
                    page["paging"]["next"]["after"] = asked["after"]
                payload = json.dumps(page).encode()
        self.send_response(upstream.status_code)
        for name, value in upstream.headers.items():
            if name.lower().startswith("x-hubspot") or name.lower() == "content-type":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
        pass


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    upstream: str
    window_start: str
    mode: str = "off"
    delay: float = 0.0
    under_way: int = 0
    most_at_once: int = 0
    lock: threading.Lock
    change_before: str | None = None  # the page whose request waits for ``change_after`` to be answered
    change_after: frozenset[str] = frozenset()
    change: Callable[[], None]  # then changes the results before it is forwarded
    answered: set[str]
    answered_changed: threading.Condition
    arrivals: list[str]  # each request's kind, in the order they reached the proxy


@pytest.fixture
def proxy(sandbox: SandboxProcess, world: World) -> Iterator[_ProxyServer]:
    server = _ProxyServer(("127.0.0.1", 0), _Proxy)
    server.upstream, server.lock = sandbox.url, threading.Lock()
    server.answered, server.answered_changed = set(), threading.Condition()
    server.arrivals = []
    server.window_start = str(epoch_ms(whole_history(world)[0]))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def proxy_url(server: _ProxyServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/hubspot"


def test_requests_at_once_yield_the_serial_pages_in_the_same_order(
    sandbox: SandboxProcess, proxy: _ProxyServer, world: World, crm: Crm
) -> None:
    """Tried: the whole history of contacts (over 11,000, so with a cap of 1,000 many split windows of
    100 a page) read with 1, 4 and 8 requests at once, each response held back 20 ms by the proxy.
    Must hold: the same pages (every row, every column but ``_extracted_at``) in the same order, the
    same requests, exactly the window's records; more than one search under way at once above 1."""
    proxy.delay = 0.02
    pulls = {}
    for concurrency in (1, 4, 8):
        proxy.most_at_once = 0
        pages, metrics, stats = pull_pages(split_resource(sandbox, concurrency, proxy_url(proxy)), whole_history(world))
        pulls[concurrency] = (pages, stats, proxy.most_at_once)
        assert metrics["http_429s"] == metrics["retries"] == 0
    serial, serial_stats, serial_at_once = pulls[1]
    assert serial_at_once == 1 and serial_stats["window_splits"] > 5 and len(serial) > 100
    table = pa.Table.from_pylist([row for page in serial for row in page])
    assert_exact(table, *expected(truth(world, crm, "contacts"), *whole_history(world)))
    for concurrency in (4, 8):
        pages, stats, at_once = pulls[concurrency]
        assert pages == serial, f"{concurrency} at once changed the pull"
        assert stats == serial_stats, f"{concurrency} at once sent other requests"
        assert 1 < at_once <= concurrency


def test_the_archived_list_is_read_while_the_search_runs(
    sandbox: SandboxProcess, proxy: _ProxyServer, world: World
) -> None:
    """Tried: the whole history's search (many split windows) with 4 searches at once, each response held
    20 ms by the proxy. Must hold: the archived list, which HubSpot paces by its general limit and not the
    search one, reaches the vendor before the search's last request (it no longer waits for the search
    to end), and its pages still come last in the pull, as the order test above pins."""
    proxy.delay = 0.02
    pull_pages(split_resource(sandbox, 4, proxy_url(proxy)), whole_history(world))
    kinds = proxy.arrivals
    assert "archived" in kinds and kinds.count("search") > 20
    last_search = len(kinds) - 1 - kinds[::-1].index("search")
    assert kinds.index("archived") < last_search, kinds


def test_published_search_limit_enforced_sees_no_429(sandbox: SandboxProcess, world: World, crm: Crm) -> None:
    """Tried: the sandbox enforcing HubSpot's published limits in real time (5 searches per 1 s window)
    and the resource's default search pace and concurrency, over the day holding over 10,000 contacts
    (200 a page: more than ten windows' worth of searches). Must hold: not one 429, the day's records."""
    sandbox.admin("hubspot", "search_cap", cap=10_000)
    sandbox.set_rate_limits(1.0)
    defaults = HubSpotResource.model_fields
    res = resource(
        sandbox,
        requests_per_10s=defaults["requests_per_10s"].default,
        search_requests_per_second=defaults["search_requests_per_second"].default,
    )
    assert res.search_requests_per_second == 5 and res.search_concurrency > 1
    start, end = crm.import_day, crm.import_day + timedelta(days=1)
    with res.open_client() as client:
        table = pa.Table.from_batches([p.batch for p in client.pages("contacts", start, end)])
        metrics, stats = client.api.metrics.as_dict(), dict(client.stats)
    assert_exact(table, *expected(truth(world, crm, "contacts"), start, end))
    assert stats["search_requests"] > 10 * 5 and stats["window_splits"] >= 1
    assert metrics["http_429s"] == 0 and sandbox.stats()["hubspot"].get("rate_limited", 0) == 0


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("no_results", "malformed contacts response: expected a results list"),
        ("stuck_offset", "malformed contacts response: search paging.next.after"),
    ],
)
def test_a_broken_page_fails_clearly_after_every_page_before_it(
    sandbox: SandboxProcess, proxy: _ProxyServer, world: World, mode: str, message: str
) -> None:
    """Tried: 4 requests at once over the split history; every later page of every query but the
    window's first comes back broken. Must hold: the pull fails with the "malformed contacts response"
    error (no hang, no silent gap), and the pages handed out before it are the serial pull's first
    pages, in order, each once; with the break off, the same pull succeeds."""
    serial, _, _ = pull_pages(split_resource(sandbox, 1), whole_history(world))
    proxy.mode = mode
    got: list[list[dict]] = []
    broken = split_resource(sandbox, 4, proxy_url(proxy))
    with pytest.raises(IntegrationError) as excinfo, broken.open_client() as client:
        for page in client.pages("contacts", *whole_history(world)):
            got.append([{k: v for k, v in r.items() if k != "_extracted_at"} for r in page.batch.to_pylist()])
    assert str(excinfo.value).startswith("[hubspot]") and message in str(excinfo.value)
    assert got and got == serial[: len(got)] and len(got) < len(serial)
    proxy.mode = "off"
    again, _, _ = pull_pages(split_resource(sandbox, 4, proxy_url(proxy)), whole_history(world))
    assert again == serial


def test_a_reader_that_stops_early_releases_every_request(
    sandbox: SandboxProcess, proxy: _ProxyServer, world: World
) -> None:
    """Tried: two pages read of an 8-at-once pull of the split history (responses held 50 ms), then
    the pull closed. Must hold: the close returns, no search thread is left, and the sandbox gets no
    search after it."""
    proxy.delay = 0.05
    with split_resource(sandbox, 8, proxy_url(proxy)).open_client() as client:
        pages = client.pages("contacts", *whole_history(world))
        first, second = next(pages), next(pages)
        assert (first.number, second.number) == (1, 2) and not second.end_of_stream
        pages.close()
        assert not [t for t in threading.enumerate() if t.name.startswith("hubspot-search")]
        served = sandbox.stats()["hubspot"]["requests"]
        time.sleep(0.3)
        assert sandbox.stats()["hubspot"]["requests"] == served
        assert proxy.under_way == 0


def test_results_changing_while_paged_at_once_are_read_as_after_the_change(
    sandbox: SandboxProcess, proxy: _ProxyServer, world: World, crm: Crm
) -> None:
    """Tried: a day of 60-100 contacts, 20 a page, cap 100, 4 requests at once: its pages from offset 60
    on are answered first, then 120 contacts are moved into the day's last second and the page at 40 is
    answered (so the later pages hold the results before the change, and say nothing comes after them).
    Must hold: the page at 40 shows the change (its total), the pages answered before it are not
    trusted, and the pull is exact with the moved contacts, by a query resumed past the cap."""
    sandbox.admin("hubspot", "search_cap", cap=100)
    start = world.config.anchor - timedelta(days=10)
    end = start + timedelta(days=1)
    facts = truth(world, crm, "contacts")
    before = len(expected(facts, start, end)[0])
    assert 60 < before < 100
    late = sorted(lead.id for lead in crm.leads)[:120]
    at_ms = epoch_ms(end) - 1000
    proxy.change_before, proxy.change_after = "40", frozenset(str(offset) for offset in range(60, before, 20))
    proxy.change = lambda: sandbox.admin("hubspot", "touch", object="contacts", ids=late, at_ms=at_ms)
    res = resource(sandbox, search_result_cap=100, search_page_size=20, search_concurrency=4, base_url=proxy_url(proxy))
    with res.open_client() as client:
        table = pa.Table.from_batches([p.batch for p in client.pages("contacts", start, end)])
        stats = client.stats.copy()
    at = datetime.fromtimestamp(at_ms / 1000, UTC)
    facts.update({rid: (at, None) for rid in late})
    assert_exact(table, *expected(facts, start, end))
    assert stats["resumed_queries"] == 1 and proxy.change_after <= proxy.answered


def test_a_slow_reader_holds_at_most_twice_the_requests_at_once(sandbox: SandboxProcess, world: World) -> None:
    """Tried: 4 requests at once over the split history; the reader takes two pages (the client reads one
    more ahead) and then waits until no request has been sent for half a second. Must hold: the responses
    sent for and not yet read (searches less the ones that only split a window, less the three pages
    read) are exactly twice the requests at once: the buffer filled while the reader waited, no further."""
    with split_resource(sandbox, 4).open_client() as client:
        pages = client.pages("contacts", *whole_history(world))
        next(pages), next(pages)
        sent, deadline = -1, time.monotonic() + 20
        while sent != client.stats["search_requests"] and time.monotonic() < deadline:
            sent = client.stats["search_requests"]
            time.sleep(0.5)
        held = client.stats["search_requests"] - client.stats["window_splits"] - 3
        pages.close()
    assert held == 2 * 4
