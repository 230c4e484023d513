"""Several objects of one vendor pulled at once, inside the vendor's one rate budget.

Why threads and not one client per object: the run's ``ApiClient`` holds the vendor's token buckets,
its retry budget and its connection pool, and those must stay shared (Zendesk's 10 export requests a
minute are per account, not per object). Each pull therefore gets a *view* of the run's client
(:class:`PullClients`): the same buckets, pool and retry budget, but its own request metrics and
connector counters, so each object's ``window_*`` numbers are its own whatever runs beside it.

The outcome does not depend on timing: each object still writes its own lake files from its own
pages in the connector's order, and results come back in the objects' order (:func:`run_in_order`).
Only the Dagster context is touched from the calling thread: pulls log through a :class:`QueuedLog`
that the caller drains, and per-day metadata is returned rather than added from a worker.
"""

from __future__ import annotations

import copy
import functools
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

from integration_pipelines.lib.http.client import ApiClient
from integration_pipelines.lib.http.metrics import RequestMetrics

T = TypeVar("T")
DRAIN_SECONDS = 0.2  # how often queued log lines reach the step's log while pulls run


class PullCancelled(Exception):
    """Another object's pull of the same step failed: this one stopped between pages, publishing nothing."""


@functools.cache
def _view_class(cls: type[ApiClient]) -> type[ApiClient]:
    """A subclass of the run client's class whose instances are views of one shared client: every
    attribute read or written (pool, buckets, retry budget's counter, headers, a refreshed base URL)
    is the shared client's, except ``metrics``, which is the view's own, and the credential refresh
    hook, which :class:`PullClients` makes take turns. Its methods are the class's, bound to the view,
    so inside them ``self.metrics`` is the pull's (and ``super()`` still works)."""

    def __init__(self: Any, shared: ApiClient, metrics: RequestMetrics, refresh: Callable[[], bool] | None) -> None:
        object.__setattr__(self, "_shared", shared)
        object.__setattr__(self, "metrics", metrics)
        object.__setattr__(self, "_on_unauthorized", refresh)

    def __getattr__(self: Any, name: str) -> Any:  # only for what the view itself does not hold
        return getattr(object.__getattribute__(self, "_shared"), name)

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if name == "metrics":
            object.__setattr__(self, name, value)
        else:
            setattr(object.__getattribute__(self, "_shared"), name, value)

    namespace = {"__init__": __init__, "__getattr__": __getattr__, "__setattr__": __setattr__, "__doc__": cls.__doc__}
    return type(f"{cls.__name__}PullView", (cls,), namespace)


class PullClients:
    """Views of one run client, one per object's pull (:meth:`for_pull`).

    A view is a shallow copy of the connector's client whose ``api`` shares everything with the run's
    but its metrics, with fresh ``stats`` when the connector counts things of its own (HubSpot's
    window splits); describe caches, per-object modes and credentials stay shared. When a session
    expires, every pull in flight gets a 401 at once: their refreshes take turns, and one that waited
    while another renewed the credentials retries with them instead of logging in again (the
    connectors' refresh hooks refuse a second refresh while one runs, which would fail that pull)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._hook: Callable[[], bool] | None = client.api._on_unauthorized
        self._lock = threading.RLock()  # re-entrant: a refresh's own token request may get a 401
        self._renewals = 0

    def for_pull(self) -> Any:
        view = copy.copy(self.client)
        refresh = self._refresh if self._hook is not None else None
        view.api = _view_class(type(self.client.api))(self.client.api, RequestMetrics(), refresh)
        stats = getattr(self.client, "stats", None)
        if stats is not None:
            view.stats = type(stats)()
        return view

    def _refresh(self) -> bool:
        seen = self._renewals
        with self._lock:
            if self._renewals != seen:  # renewed while this pull waited its turn: retry with those
                return True
            assert self._hook is not None
            if not self._hook():
                return False
            self._renewals += 1
            return True


class QueuedLog:
    """A logger for worker threads: lines wait in a queue until the step's thread drains them into
    Dagster's log (so the context is only used from the thread that runs the step)."""

    def __init__(self) -> None:
        self._lines: queue.SimpleQueue[tuple[str, str]] = queue.SimpleQueue()

    def debug(self, message: str) -> None:
        self._lines.put(("debug", message))

    def info(self, message: str) -> None:
        self._lines.put(("info", message))

    def warning(self, message: str) -> None:
        self._lines.put(("warning", message))

    def drain(self, log: Any) -> None:
        while True:
            try:
                level, message = self._lines.get_nowait()
            except queue.Empty:
                return
            getattr(log, level)(message)


def run_in_order(
    pulls: Sequence[Callable[[threading.Event], T]],
    degree: int,
    on_wait: Callable[[], None],
) -> Iterator[T]:
    """Run ``pulls`` at most ``degree`` at a time and yield their results in the given order, each as
    soon as it and every one before it are done. ``on_wait`` runs every ``DRAIN_SECONDS`` meanwhile.

    A pull receives a stop event that is set when another one fails; it should stop between pages
    (raising :class:`PullCancelled`). Then the pulls that did finish are still yielded, in order,
    before the first failure (in the given order) that is not a cancellation is raised."""
    if degree < 1:
        raise ValueError("degree must be at least 1")
    stop = threading.Event()
    with ThreadPoolExecutor(min(degree, max(len(pulls), 1)), thread_name_prefix="pull") as pool:
        futures = [pool.submit(pull, stop) for pull in pulls]
        try:
            for index, future in enumerate(futures):
                if not stop.is_set():
                    _wait_for(future, futures, stop, on_wait)
                if stop.is_set():  # a pull failed: the others stop between pages; keep what finished
                    wait(futures)
                    on_wait()
                    for rest in futures[index:]:
                        if not rest.cancelled() and rest.exception() is None:
                            yield rest.result()
                    raise _first_failure(futures)
                yield future.result()
            on_wait()
        finally:
            stop.set()  # the caller stopped early or a pull failed: pulls not yet started do nothing
            for future in futures:
                future.cancel()


def _wait_for(future: Future, futures: list[Future], stop: threading.Event, on_wait: Callable[[], None]) -> None:
    """Until ``future`` is done, or any pull failed (then ``stop`` is set)."""
    while not future.done():
        done, _ = wait(futures, timeout=DRAIN_SECONDS, return_when=FIRST_EXCEPTION)
        on_wait()
        if any(f.done() and not f.cancelled() and f.exception() is not None for f in done):
            break
    if any(f.done() and not f.cancelled() and f.exception() is not None for f in futures):
        stop.set()


def _first_failure(futures: list[Future]) -> BaseException:
    errors = [f.exception() for f in futures if not f.cancelled() and f.exception() is not None]
    real = [e for e in errors if not isinstance(e, PullCancelled)]
    return (real or errors)[0]
