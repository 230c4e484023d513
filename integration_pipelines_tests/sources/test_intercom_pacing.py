"""Intercom's default pacing fills its 10-second windows without reaching their allowance.

The bucket is driven on virtual time as fast as it lets requests out; every 10-second window (fixed,
at any alignment) must hold fewer requests than Intercom allows (10,000/min = 1,666 per window), and
the long-run rate must be at least 95 % of it, or the connector leaves the vendor's budget unused.
"""

from __future__ import annotations

import pytest

from integration_pipelines.lib.http.ratelimit import TokenBucket
from integration_pipelines.sources.intercom import IntercomResource
from integration_pipelines_tests.lib.http.test_ratelimit import FakeClock


def _send_times(resource: IntercomResource, count: int) -> list[float]:
    clock = FakeClock()
    bucket = TokenBucket(resource.pacing(), clock=clock, sleep=clock.sleep)
    start = clock.now
    times = []
    for _ in range(count):
        bucket.acquire()
        times.append(clock.now - start)
    return times


def _busiest_window(times: list[float], window: float) -> int:
    busiest, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= window:
            first += 1
        busiest = max(busiest, last - first + 1)
    return busiest


@pytest.mark.parametrize("per_minute", [10_000.0, 25_000.0, 1_000.0])
def test_default_pacing_fills_each_window_to_99_percent_and_no_further(per_minute: float) -> None:
    resource = IntercomResource(access_token="t", requests_per_minute=per_minute)
    allowance = per_minute / 60 * resource.rate_limit_window_seconds
    times = _send_times(resource, int(allowance * 6))
    busiest = _busiest_window(times, resource.rate_limit_window_seconds)
    assert busiest <= 0.99 * allowance + 1  # any window, the first (burst) one included
    assert busiest < int(allowance)  # so the whole-second reset header is never waited for
    rate = (len(times) - 1) / times[-1]
    assert rate >= 0.95 * per_minute / 60


def test_a_small_limit_keeps_a_one_request_burst_and_the_same_rate() -> None:
    resource = IntercomResource(access_token="t", requests_per_minute=60.0)  # 10 per window
    times = _send_times(resource, 40)
    assert times[1] > 0  # the burst is one request
    assert (len(times) - 1) / times[-1] >= 0.95
