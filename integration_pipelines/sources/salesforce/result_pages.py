"""A Bulk API 2.0 job's results downloaded several chunks at once, handed on in result order.

``GET …/jobs/query/{id}/resultPages`` (API 58.0 and later) lists the job's result URIs up front, up to
five per response, with ``nextRecordsUrl`` (also spelt ``nextRecordUrl``) for the next set until
``done``. Each ``resultUrl`` is an ordinary results request with its locator, so chunks can be fetched
side by side instead of one ``Sforce-Locator`` after another. :func:`fetch_in_order` does that through
the run's one client (its retries, pacing and quota reading), with a fixed window of chunks in flight:
the output is the same sequence of chunks whatever the timing, and memory holds at most ``degree``
chunks besides the one being read.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from integration_pipelines.lib.http.client import ApiClient
from integration_pipelines.lib.http.errors import IntegrationError, ResponseError

INTEGRATION = "salesforce"
T = TypeVar("T")


class ResultPagesUnavailable(Exception):
    """The org answered 404 for resultPages: an API version before 58.0 (or an org without it)."""


class FetchCancelled(Exception):
    """The reader stopped (or an earlier chunk failed): a fetch not yet done gives up between attempts."""


def result_urls(api: ApiClient, first: str) -> Generator[tuple[str, bool], None, None]:
    """Every ``resultUrl`` of a job in result order (relative to the instance URL), each with whether it
    is the last one. While one set's URLs are handed out, the next set is already being listed (in a
    thread of its own, through the same client); one URL is held back, so "last" is known even if a
    set that is not ``done`` is followed by an empty one. Closing the generator stops the listing."""
    listed, seen = {first}, set[str]()
    held: str | None = None
    lister = ThreadPoolExecutor(1, thread_name_prefix="salesforce-results-listing")
    try:
        body = _listing(api, first, first=True)
        while True:
            pages = body.get("resultPages") if isinstance(body, dict) else None
            if not isinstance(pages, list):
                keys = sorted(body) if isinstance(body, dict) else type(body).__name__
                raise IntegrationError(INTEGRATION, f"malformed resultPages response: no resultPages list ({keys})")
            upcoming: Future[Any] | None = None
            if body.get("done") is not True:
                following = _path(body.get("nextRecordsUrl") or body.get("nextRecordUrl"), "nextRecordsUrl")
                if following in listed:
                    raise IntegrationError(INTEGRATION, f"resultPages is not done but points back to {following}")
                listed.add(following)
                upcoming = lister.submit(_listing, api, following)
            for entry in pages:
                result = _path(entry.get("resultUrl") if isinstance(entry, dict) else None, "resultUrl")
                if result in seen:
                    raise IntegrationError(INTEGRATION, f"resultPages listed {result} twice: its rows would come twice")
                seen.add(result)
                if held is not None:
                    yield held, False
                held = result
            if upcoming is None:
                if held is not None:
                    yield held, True
                return
            body = upcoming.result()
    finally:
        lister.shutdown(wait=True, cancel_futures=True)


def _listing(api: ApiClient, url: str, first: bool = False) -> Any:
    """One resultPages response; a 404 on the first means the org does not serve the resource."""
    try:
        return api.request_json("GET", url)
    except ResponseError as exc:
        if first and exc.status_code == 404:
            raise ResultPagesUnavailable(str(exc)) from None
        raise


def fetch_in_order(
    urls: Iterator[tuple[str, bool]],
    fetch: Callable[[str, bool, threading.Event], T],
    degree: int,
) -> Iterator[T]:
    """``fetch(url, last, stop)`` of every URL, ``degree`` at a time, yielded in the URLs' order.

    A window of at most ``degree`` fetches is kept going (in flight or done and waiting); the next one
    starts when the reader takes a result, so memory holds at most ``degree`` results besides the one
    handed on. A failure is raised when the reader reaches it (every result before it is yielded
    first) and no fetch starts after one has failed. When the reader stops, fails or is done, ``stop``
    is set, fetches not started are cancelled and the workers are waited for: nothing keeps running."""
    if degree < 1:
        raise ValueError("degree must be at least 1")
    stop = threading.Event()
    window: deque[Future[T]] = deque()
    pool = ThreadPoolExecutor(degree, thread_name_prefix="salesforce-results")

    def top_up() -> None:
        while len(window) < degree and not any(_failed(f) for f in window):
            item = next(urls, None)
            if item is None:
                return
            window.append(pool.submit(fetch, item[0], item[1], stop))

    try:
        top_up()
        while window:
            result = window.popleft().result()
            top_up()  # before handing on: downloads go on while the reader works
            yield result
    finally:
        stop.set()
        for future in window:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        close = getattr(urls, "close", None)
        if close is not None:  # e.g. result_urls: stop listing
            close()


def _failed(future: Future) -> bool:
    return future.done() and not future.cancelled() and future.exception() is not None


def _path(value: object, what: str) -> str:
    """A URI the org gave, as a path relative to the instance URL (which may carry a path of its own)."""
    if not isinstance(value, str) or not value.startswith("/services/"):
        raise IntegrationError(INTEGRATION, f"malformed resultPages response: {what} is {value!r}")
    return value.lstrip("/")
