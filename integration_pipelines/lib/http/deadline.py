"""A total deadline per HTTP attempt: connecting, sending, the response headers and every read of the body.

Why: httpx's timeouts are per operation, so a server that trickles one byte every few seconds never
trips a read timeout; such a response kept an Intercom search and a Salesforce token request open for
minutes (issue #13). Here an attempt has one monotonic deadline: every phase's timeout is shrunk to
the time left, the body is read chunk by chunk with the clock checked between chunks, and a watchdog
shuts the socket down at the deadline, so a read blocked inside a trickle returns then rather than at
its own timeout. What is left unbounded: a server trickling its *headers* (each read still waits at
most the time left when the attempt started).
"""

from __future__ import annotations

import heapq
import itertools
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import suppress
from typing import Any

import httpx

REQUEST_DEADLINE_SECONDS = 120.0  # one page: far above a healthy page's seconds, far below a trickle's minutes
STEP_DEADLINE_SECONDS = 4 * 3600.0  # one run step: a day's pull takes minutes; raise it for long single-run backfills
_EPSILON = 0.01  # a timeout shrunk to the time left fires at the deadline, give or take the clock's grain


class RequestDeadlineExceeded(httpx.TimeoutException):
    """An attempt outlived its total deadline; an ``httpx.TimeoutException``, so it is retried like one."""

    def __init__(self, request: httpx.Request, deadline_seconds: float, what: str = "request") -> None:
        self.deadline_seconds = deadline_seconds
        self.what = what
        super().__init__(
            f"no complete response within the {deadline_seconds:g}s {what} deadline (connect, headers and body)",
            request=request,
        )


class _Watchdog:
    """One daemon thread per process that runs an action at a monotonic time unless cancelled first.

    Actions run under the lock that ``cancel`` takes, so once ``cancel`` returns the action has either
    run or never will: a socket handed back to the pool is never shut down behind a later request."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[list[Any]] = []
        self._order = itertools.count()
        self._pid: int | None = None

    def watch(self, when: float, action: Callable[[], None]) -> Callable[[], None]:
        entry: list[Any] = [when, next(self._order), action]
        with self._cond:
            if self._pid != os.getpid():  # first use, or a forked child that has no thread yet
                self._heap, self._pid = [], os.getpid()
                threading.Thread(target=self._run, name="http-deadline-watchdog", daemon=True).start()
            heapq.heappush(self._heap, entry)
            self._cond.notify()

        def cancel() -> None:
            with self._cond:
                entry[2] = None

        return cancel

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][2] is None:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                action = heapq.heappop(self._heap)[2]
                with suppress(Exception):
                    action()


_WATCHDOG = _Watchdog()


def _shut_down(stream: Any) -> None:
    """Wake a read blocked on this connection: shutdown() makes recv() return at once (close() would not)."""
    sock = stream.get_extra_info("socket") if stream is not None else None
    if isinstance(sock, socket.socket):
        with suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's, also under TLS


class _CheckedStream(httpx.SyncByteStream):
    """The response body, with the deadline checked after every chunk."""

    def __init__(self, inner: httpx.SyncByteStream, deadline: float, expired: Callable[[], Exception]) -> None:
        self._inner, self._deadline, self._expired = inner, deadline, expired

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            if time.monotonic() >= self._deadline:
                raise self._expired()
            yield chunk

    def close(self) -> None:
        self._inner.close()


def _shrink(timeout: Mapping[str, float | None] | None, remaining: float) -> dict[str, float]:
    phases = ("connect", "read", "write", "pool")
    given = dict(timeout or {})
    return {phase: min(remaining, given.get(phase) or remaining) for phase in phases}


def send_within(
    http: httpx.Client,
    method: str,
    url: str | httpx.URL,
    kwargs: Mapping[str, Any],
    deadline: float,
    deadline_seconds: float,
    what: str = "request",
) -> httpx.Response:
    """Send one attempt and read its whole body before ``deadline`` (a ``time.monotonic()`` value).

    ``kwargs`` are ``httpx.Client.request``'s; the response comes back read (``.content`` works).
    Raises ``RequestDeadlineExceeded`` (naming ``deadline_seconds`` and ``what`` deadline it was)."""
    options = dict(kwargs)
    send_options = {name: options.pop(name) for name in ("auth", "follow_redirects") if name in options}
    request = http.build_request(method, url, **options)

    def expired() -> RequestDeadlineExceeded:
        return RequestDeadlineExceeded(request, deadline_seconds, what)

    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise expired()
    request.extensions["timeout"] = _shrink(request.extensions.get("timeout"), remaining)
    try:
        response = http.send(request, stream=True, **send_options)
    except httpx.TimeoutException as exc:
        if time.monotonic() >= deadline - _EPSILON:
            raise expired() from exc
        raise
    cancel = _WATCHDOG.watch(deadline, lambda: _shut_down(response.extensions.get("network_stream")))
    try:
        response.stream = _CheckedStream(response.stream, deadline, expired)
        response.read()
    except httpx.HTTPError as exc:
        if isinstance(exc, RequestDeadlineExceeded) or time.monotonic() < deadline - _EPSILON:
            raise
        raise expired() from exc  # the watchdog's shutdown surfaces as a dropped connection
    finally:
        cancel()
        response.close()
    return response
