"""Run a generator ahead of its reader in a thread, holding no more than a budget of what it yielded.

A pull that must read two independent streams one after the other (HubSpot's live search, then its
archived list) spends the second stream's round trips after the first ends, even when the two are
paced by different rate limits. Started at once, the second stream's requests overlap the first's
and its results wait for the reader, in order. The budget bounds what waits: past it, the producer
stops until the reader catches up, so memory stays bounded whatever the stream's length.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class ReadAhead(Generic[T]):
    """Iterates what ``source()`` yields, produced in a thread up to ``budget`` (summed ``weight``) ahead.

    The producer starts on the next item only while less than ``budget`` is held, so with ``budget=1``
    it fetches one item while the reader works on the one before, and holds no more. Items come in the
    source's order; an exception the source raises is raised to the reader after every item before it.
    ``close`` stops the producer (it finishes the step under way, e.g. a request, then returns) and
    waits for it, so nothing runs on after the reader has gone. An item heavier than the budget still
    passes; the producer then waits until the reader has taken it."""

    def __init__(
        self,
        source: Callable[[], Iterator[T]],
        budget: int,
        weight: Callable[[T], int] = lambda _: 1,
        name: str = "read-ahead",
    ) -> None:
        self._items: deque[tuple[T, int]] = deque()
        self._budget, self._weight, self._held = budget, weight, 0
        self._error: BaseException | None = None
        self._done = self._closed = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._produce, args=(source,), name=name, daemon=True)
        self._thread.start()

    def __iter__(self) -> ReadAhead[T]:
        return self

    def __next__(self) -> T:
        with self._changed:
            while not self._items and not self._done:
                self._changed.wait()
            if self._items:
                item, weight = self._items.popleft()
                self._held -= weight
                self._changed.notify_all()
                return item
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            raise StopIteration

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        if self._thread is not threading.current_thread():
            self._thread.join()

    def _produce(self, source: Callable[[], Iterator[T]]) -> None:
        try:
            iterator = source()
            try:
                while self._room():
                    try:
                        item = next(iterator)
                    except StopIteration:
                        return
                    self._hold(item)
            finally:
                close = getattr(iterator, "close", None)
                if close is not None:
                    close()
        except BaseException as exc:  # handed to the reader, raised there after the items before it
            with self._changed:
                self._error = exc
        finally:
            with self._changed:
                self._done = True
                self._changed.notify_all()

    def _room(self) -> bool:
        """Waits until less than the budget is held, so the next item is only produced (e.g. requested)
        when it may be kept; False once the reader has closed."""
        with self._changed:
            while not self._closed and self._held >= self._budget:
                self._changed.wait()
            return not self._closed

    def _hold(self, item: T) -> None:
        with self._changed:
            weight = self._weight(item)
            self._items.append((item, weight))
            self._held += weight
            self._changed.notify_all()
