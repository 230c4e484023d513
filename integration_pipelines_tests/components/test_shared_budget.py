"""One vendor's token bucket shared by pulls in several threads: a response's ``remaining`` was counted
before the requests other threads still have in flight reached the vendor, so the bucket leaves those
out of what it lets go next (real clock and threads; the clock only moves when the bucket sleeps)."""

from __future__ import annotations

import threading

from integration_pipelines.lib.http.ratelimit import RateLimit, RateLimitState, TokenBucket


class Clock:
    """Time that passes only when the bucket sleeps, so every wait is exact."""

    def __init__(self) -> None:
        self.now, self.slept = 0.0, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class InFlightElsewhere:
    """``count`` other threads that each took a token and wait for their answer until the test ends
    (alive, so each keeps its own thread id as a real pull's thread does)."""

    def __init__(self, bucket: TokenBucket, count: int) -> None:
        self.answered = threading.Event()
        self.threads = []
        for _ in range(count):
            sent = threading.Event()
            thread = threading.Thread(target=self._request, args=(bucket, sent))
            thread.start()
            assert sent.wait(10)
            self.threads.append(thread)

    def _request(self, bucket: TokenBucket, sent: threading.Event) -> None:
        bucket.acquire()
        sent.set()
        self.answered.wait(10)

    def __enter__(self) -> InFlightElsewhere:
        return self

    def __exit__(self, *exc: object) -> None:
        self.answered.set()
        for thread in self.threads:
            thread.join()


def test_remaining_leaves_out_the_requests_other_threads_have_in_flight() -> None:
    """Three other pulls' requests are out; this pull's answer says 5 remain: only 2 more may go now."""
    clock = Clock()
    bucket = TokenBucket(RateLimit(100, 10), clock=clock, sleep=clock.sleep)
    with InFlightElsewhere(bucket, 3):
        bucket.acquire()
        bucket.observe(RateLimitState(remaining=5, reset_after=10))
        bucket.acquire()
        bucket.acquire()
        assert clock.slept == []
        bucket.acquire()  # the third must wait for the bucket to refill (10 a second)
    assert clock.slept and abs(sum(clock.slept) - 0.1) < 1e-9


def test_none_left_once_the_others_land_waits_for_the_reset() -> None:
    """Two others in flight and 2 remaining: the window will be spent, so the next request waits for it."""
    clock = Clock()
    bucket = TokenBucket(RateLimit(100, 10), clock=clock, sleep=clock.sleep)
    with InFlightElsewhere(bucket, 2):
        bucket.acquire()
        bucket.observe(RateLimitState(remaining=2, reset_after=4))
        bucket.acquire()
    assert sum(clock.slept) >= 4


def test_one_thread_alone_reads_remaining_as_before() -> None:
    """No other thread: 3 remaining means 3 more requests at once, as a sequential pull always had."""
    clock = Clock()
    bucket = TokenBucket(RateLimit(100, 10), clock=clock, sleep=clock.sleep)
    bucket.acquire()
    bucket.observe(RateLimitState(remaining=3, reset_after=10))
    for _ in range(3):
        bucket.acquire()
    assert clock.slept == []


def test_an_answered_thread_no_longer_counts_as_in_flight() -> None:
    """A thread that got its answer (or sent its next request) is not subtracted again."""
    clock = Clock()
    bucket = TokenBucket(RateLimit(100, 10), clock=clock, sleep=clock.sleep)

    def request_and_answer() -> None:
        bucket.acquire()
        bucket.observe(RateLimitState(remaining=50, reset_after=10))

    worker = threading.Thread(target=request_and_answer)
    worker.start()
    worker.join()
    bucket.acquire()
    bucket.observe(RateLimitState(remaining=3, reset_after=10))
    for _ in range(3):
        bucket.acquire()
    assert clock.slept == []
