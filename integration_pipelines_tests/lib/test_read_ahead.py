"""A generator read ahead in a thread gives the reader exactly what it yields, in order, within its budget.

Tried: sources that yield, fail midway, or run far longer than the reader reads; a reader that stops
early. Must hold: the same items in the same order as reading the generator directly; an error raised
after every item before it; never more than the budget held; a closed reader leaves no producer running.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from integration_pipelines.lib.read_ahead import ReadAhead


def numbers(count: int) -> Iterator[int]:
    yield from range(count)


def test_items_come_in_the_sources_order() -> None:
    ahead = ReadAhead(lambda: numbers(1000), budget=7)
    assert list(ahead) == list(range(1000))
    ahead.close()


def test_an_empty_source_ends_at_once() -> None:
    assert list(ReadAhead(lambda: numbers(0), budget=1)) == []


def test_an_error_is_raised_after_every_item_before_it() -> None:
    def failing() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("page 3 is malformed")

    ahead = ReadAhead(failing, budget=100)
    assert next(ahead) == 1 and next(ahead) == 2
    with pytest.raises(ValueError, match="page 3 is malformed"):
        next(ahead)
    with pytest.raises(StopIteration):
        next(ahead)


def test_the_producer_never_holds_more_than_the_budget() -> None:
    produced: list[int] = []

    def counting() -> Iterator[list[int]]:
        for i in range(50):
            produced.append(i)
            yield [i] * 3  # weighs 3

    ahead = ReadAhead(counting, budget=10, weight=len)
    time.sleep(0.2)  # give the producer every chance to run ahead
    assert len(produced) <= 3 + 1  # three items held (9 of 10), one more waiting for room
    assert [page[0] for page in ahead] == list(range(50))


def test_one_item_heavier_than_the_budget_still_passes() -> None:
    ahead = ReadAhead(lambda: iter([[0] * 50, [1]]), budget=10, weight=len)
    assert [len(page) for page in ahead] == [50, 1]


def test_closing_early_stops_and_closes_the_source() -> None:
    closed = threading.Event()

    def endless() -> Iterator[int]:
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            closed.set()

    ahead = ReadAhead(endless, budget=5, name="endless")
    assert [next(ahead) for _ in range(3)] == [0, 1, 2]
    ahead.close()
    assert closed.is_set()
    assert not any(t.name == "endless" for t in threading.enumerate())


def test_with_a_budget_of_one_only_the_next_item_is_produced_ahead() -> None:
    """The next item (a request) starts only when there is room to keep it: one ahead, not one held
    and one more in hand."""
    produced: list[int] = []

    def counting() -> Iterator[int]:
        for i in range(10):
            produced.append(i)
            yield i

    ahead = ReadAhead(counting, budget=1)
    assert next(ahead) == 0
    time.sleep(0.2)  # give the producer every chance to run ahead
    assert produced == [0, 1]
    assert list(ahead) == list(range(1, 10))
