"""Intercom search cut into time slices searched at once gives the same pull as one sequential search.

Against this module's own sandbox (the Intercom dialect) over real HTTP. A pull with ``search_slices``
above 1 must yield exactly the records of the one-slice pull, in the same order, each once; stay under
the rate limit the sandbox enforces; and fail with the clear "malformed" error when one slice's page is
broken, which a small loopback proxy in front of the sandbox does to every slice but the first.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pyarrow as pa
import pytest

from integration_pipelines.lib.http.errors import IntegrationError
from integration_pipelines.sources.intercom import IntercomResource, search_bounds
from integration_pipelines.sources.intercom.client import split_bounds
from integration_pipelines_tests.sources.test_intercom_connector import (
    assert_exact,
    intercom_resource,
    whole_history,
)
from vendor_sandbox.crm import Crm
from vendor_sandbox.dialects.intercom import RATE_LIMIT
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

SANDBOX_DIALECTS = "intercom"  # this module's own sandbox (fixtures vendor_server / vendor_sandbox)


@pytest.fixture
def sandbox(vendor_sandbox: SandboxProcess) -> SandboxProcess:
    return vendor_sandbox


def pull_rows(resource: IntercomResource, obj: str, start: datetime, end: datetime) -> tuple[list[dict], dict]:
    """Every row in pull order, and the client's metrics; page numbers run 1..n, only the last ends the stream."""
    with resource.open_client() as client:
        pages = list(client.pages(obj, start, end))
        metrics = client.api.metrics.as_dict()
    assert [p.number for p in pages] == list(range(1, len(pages) + 1))
    assert [p.end_of_stream for p in pages] == [False] * (len(pages) - 1) + [True]
    return [row for p in pages for row in p.batch.to_pylist()], metrics


def test_slices_cover_every_second_once() -> None:
    """Tried: 1, 3, 7 and more slices than seconds over a few ranges. Must hold: each second of the range
    in exactly one slice, slices in time order."""
    for gt, lt in [(99, 200), (0, 2), (-86_400, 10 * 86_400 + 1), (1_700_000_000, 1_700_000_007)]:
        for count in (1, 3, 7, 1_000):
            slices = split_bounds((gt, lt), count)
            covered = [ts for low, high in slices for ts in range(low + 1, high)]
            assert covered == list(range(gt + 1, lt)), (gt, lt, count)
            assert 1 <= len(slices) <= count


@pytest.mark.parametrize(("obj", "days"), [("conversations", 10), ("conversation_parts", 3)])
def test_sliced_pull_yields_the_sequential_pull_in_the_same_order(
    sandbox: SandboxProcess, world: World, crm: Crm, obj: str, days: int
) -> None:
    """Tried: the same multi-day window with 1, 4 and 16 slices (20 a page, so many pages). Must hold:
    identical rows (every column, ``_extracted_at`` aside) in identical order, no id twice, exactly the
    window's records; and the sliced pulls really searched in slices (more requests: the first page and
    each slice's last, partial page; parts fetch each conversation once either way)."""
    _, end = whole_history(world)
    start = end - timedelta(days=days + 1)
    pulls = {}
    for slices in (1, 4, 16):
        rows, metrics = pull_rows(intercom_resource(sandbox, per_page=20, search_slices=slices), obj, start, end)
        pulls[slices] = ([{k: v for k, v in r.items() if k != "_extracted_at"} for r in rows], metrics["requests"])
        assert metrics["http_429s"] == metrics["retries"] == 0
    sequential, sequential_requests = pulls[1]
    ids = [r["id"] for r in sequential]
    assert len(ids) == len(set(ids)) > 100
    assert_exact(pa.Table.from_pylist(sequential), obj, world, crm, start, end)
    for slices in (4, 16):
        rows, requests = pulls[slices]
        assert rows == sequential, f"{slices} slices changed the pull"
        assert requests > sequential_requests, f"{slices} slices did not search in slices"


def test_sliced_pull_under_the_enforced_rate_limit_sees_no_429(sandbox: SandboxProcess, world: World, crm: Crm) -> None:
    """Tried: the sandbox allows 8 requests per (shortened, 1 s) window and the client is told the same
    limit, with 8 slices of 10 records a page searching at once over the whole history. Must hold: not
    one 429, the window's records exactly."""
    sandbox.set_rate_limits(8.5 / RATE_LIMIT.requests, window_scale=0.1)
    resource = intercom_resource(
        sandbox, requests_per_minute=8 * 60, rate_limit_window_seconds=1.0, per_page=10, search_slices=8
    )
    start, end = whole_history(world)
    rows, metrics = pull_rows(resource, "conversations", start, end)
    assert_exact(pa.Table.from_pylist(rows), "conversations", world, crm, start, end)
    assert metrics["requests"] > 20  # several windows' worth, so pacing mattered
    assert metrics["http_429s"] == 0 and metrics["rate_limit_wait_s"] > 0
    assert sandbox.stats()["intercom"].get("rate_limited", 0) == 0


def test_a_reader_that_stops_early_releases_every_slice(sandbox: SandboxProcess, world: World) -> None:
    """Tried: two pages read of a 16-slice pull of 5 records a page, then the pull closed. Must hold: the
    close returns (slices waiting for room are released) and no search thread is left running."""
    start, end = whole_history(world)
    with intercom_resource(sandbox, per_page=5, search_slices=16).open_client() as client:
        pages = client.pages("conversations", start, end)
        first, second = next(pages), next(pages)
        assert (first.number, second.number) == (1, 2) and not second.end_of_stream
        pages.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("intercom-search")]


class _BreakingProxy(BaseHTTPRequestHandler):
    """Forwards to the sandbox; a later page of any slice but the first (a search whose ``>`` bound is not
    the window's) comes back broken: without its records list, or repeating the cursor it was asked for."""

    server: _ProxyServer

    def do_GET(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        upstream = httpx.request(self.command, self.server.upstream + self.path, content=body, headers=headers)
        payload = upstream.content
        if self.command == "POST" and self.path.endswith("/conversations/search") and upstream.status_code == 200:
            asked = json.loads(body)
            gt, cursor = asked["query"]["value"][0]["value"], asked["pagination"].get("starting_after")
            if gt != self.server.window_gt and cursor:
                page = upstream.json()
                if self.server.mode == "no_records":
                    del page["conversations"]
                elif self.server.mode == "same_cursor" and "next" in page["pages"]:
                    page["pages"]["next"]["starting_after"] = cursor
                payload = json.dumps(page).encode()
        self.send_response(upstream.status_code)
        for name in ("content-type", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"):
            if name in upstream.headers:
                self.send_header(name, upstream.headers[name])
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
        pass


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    upstream: str
    window_gt: int
    mode: str


@pytest.fixture
def breaking_proxy(sandbox: SandboxProcess) -> Iterator[_ProxyServer]:
    server = _ProxyServer(("127.0.0.1", 0), _BreakingProxy)
    server.upstream = sandbox.url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("no_records", "malformed conversations response: expected a 'conversations' list"),
        ("same_cursor", "malformed conversations response: the search returned a starting_after cursor"),
    ],
)
def test_a_broken_page_in_one_slice_fails_with_the_clear_error(
    sandbox: SandboxProcess, breaking_proxy: _ProxyServer, world: World, mode: str, message: str
) -> None:
    """Tried: 4 slices of 5 records a page over the whole history, every slice but the first broken on
    its second page. Must hold: the pull fails with the "malformed conversations response" error, not a
    hang, a silent gap or a duplicate page; the same pull without the break succeeds."""
    start, end = whole_history(world)
    bounds = search_bounds(start, end, day_granular=False)
    assert bounds is not None
    breaking_proxy.window_gt, breaking_proxy.mode = bounds[0], mode
    host, port = breaking_proxy.server_address[:2]
    resource = intercom_resource(sandbox, per_page=5, search_slices=4, base_url=f"http://{host}:{port}/intercom")
    with pytest.raises(IntegrationError) as excinfo, resource.open_client() as client:
        list(client.pages("conversations", start, end))
    assert str(excinfo.value).startswith("[intercom]") and message in str(excinfo.value)
    breaking_proxy.mode = "off"
    rows, _ = pull_rows(resource, "conversations", start, end)
    assert len(rows) == len({r["id"] for r in rows}) > 0
