"""Zendesk's export read one page ahead of the reader sends exactly the serial pull's requests.

Against the session sandbox over real HTTP, 100 tickets a page. Tried: a historical window (the export
runs on past its end, so the pull stops at the first page wholly past it), a reader that stops after
two pages, and a reader that holds its first page. Must hold: one request per page yielded, so the
thread never asks for a page the serial pull would not; a reader that stops early leaves at most the
one page fetched ahead unread and nothing running; the next page is requested while the reader still holds
the one before (the round trip overlaps the conversion).
"""

from __future__ import annotations

import threading
import time

import pyarrow as pa

from integration_pipelines.sources.zendesk import ZendeskResource
from integration_pipelines_tests.fixtures.sandbox import zendesk_tickets
from integration_pipelines_tests.sources.test_zendesk_connector import whole_history
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World


def served(sandbox: SandboxProcess) -> int:
    return sandbox.stats().get("zendesk", {}).get("requests", 0)


def test_one_request_per_page_and_the_window_exact(
    zendesk: ZendeskResource, sandbox: SandboxProcess, world: World
) -> None:
    start, anchor = whole_history(world)
    end = start + (anchor - start) / 2  # the export goes on past `end`
    before = served(sandbox)
    with zendesk.model_copy(update={"per_page": 100}).open_client() as client:
        pages = list(client.pages("tickets", start, end))
        metrics = client.api.metrics.as_dict()
    ids = pa.Table.from_batches([p.batch for p in pages]).column("id").to_pylist()
    expected = {c.id for c in zendesk_tickets(world) if start <= c.updated_at < end}
    assert len(ids) == len(set(ids)) and set(ids) == expected and expected
    assert len(pages) > 3 and pages[-1].end_of_stream and not any(p.end_of_stream for p in pages[:-1])
    assert pages[-1].batch.num_rows == 0  # the stopping page: wholly past the window
    time.sleep(0.3)  # the sandbox counts a request once its answer is sent
    assert metrics["requests"] == len(pages) == served(sandbox) - before


def test_a_reader_that_stops_early_leaves_nothing_running(
    zendesk: ZendeskResource, sandbox: SandboxProcess, world: World
) -> None:
    before = served(sandbox)
    with zendesk.model_copy(update={"per_page": 100}).open_client() as client:
        pages = client.pages("tickets", *whole_history(world))
        assert [next(pages).number, next(pages).number] == [1, 2]
        pages.close()
        time.sleep(0.3)  # the sandbox counts a request once its answer is sent
        after_close = served(sandbox) - before
        time.sleep(0.3)
        assert served(sandbox) - before == after_close  # nothing requested after close returned
    assert 2 <= after_close <= 3  # the two read, and at most the one fetched ahead
    assert not any(t.name.startswith("zendesk-") for t in threading.enumerate())


def test_the_next_page_is_requested_while_the_reader_holds_the_one_before(
    zendesk: ZendeskResource, sandbox: SandboxProcess, world: World
) -> None:
    before = served(sandbox)
    with zendesk.model_copy(update={"per_page": 100}).open_client() as client:
        pages = client.pages("tickets", *whole_history(world))
        assert next(pages).number == 1
        deadline = time.monotonic() + 5.0
        while served(sandbox) - before < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert served(sandbox) - before >= 2, "page 2 was not requested while page 1 was held"
        pages.close()
