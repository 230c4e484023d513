"""A step waiting on a vendor's rate limit says so: how long, and for which budget.

Over real HTTP to the sandbox with its limits on (windows shortened so a test waits seconds, not a
minute), plus the reporter's own rules (threshold, at most one line per interval) on virtual time."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

import pytest

from integration_pipelines.lib.http.progress import PROGRESS_LOGGER, WaitReporter
from integration_pipelines.lib.http.ratelimit import RateLimit, TokenBucket
from integration_pipelines_tests.fixtures.sandbox import zendesk_resource
from integration_pipelines_tests.lib.http.test_ratelimit import FakeClock
from vendor_sandbox.faults import FaultConfig
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

WAITING = re.compile(r"^zendesk: waiting (\d+\.\d) s for (.+)$")


def waiting_lines(caplog: pytest.LogCaptureFixture) -> list[tuple[float, str]]:
    found = [WAITING.match(r.getMessage()) for r in caplog.records if r.name == PROGRESS_LOGGER]
    return [(float(m.group(1)), m.group(2)) for m in found if m]


def pull_tickets(sandbox: SandboxProcess, world: World, days: int, **overrides: object) -> dict:
    anchor = world.config.anchor
    assert anchor is not None
    start: datetime = anchor - timedelta(days=days)
    with zendesk_resource(sandbox, **overrides).open_client() as client:
        for _ in client.pages("tickets", start, anchor):
            pass
        return client.api.metrics.as_dict()


@pytest.mark.slow
def test_waiting_for_the_vendors_window_to_reset_is_logged(
    sandbox: SandboxProcess, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Zendesk's 10 export requests per window (shortened to 6 s): once the headers say none are
    left, the client waits for the reset and says so, naming the incremental budget."""
    sandbox.set_rate_limits(1.0, window_scale=0.1)
    caplog.set_level(logging.INFO, logger=PROGRESS_LOGGER)
    metrics = pull_tickets(sandbox, world, days=world.config.days + 1, per_page=40, export_requests_per_minute=100)
    assert metrics["requests"] > 10 and metrics["http_429s"] == 0
    lines = waiting_lines(caplog)
    assert lines, [r.getMessage() for r in caplog.records]
    seconds, budget = lines[0]
    assert 2.0 <= seconds <= 6.0
    assert budget == ("the incremental budget (100 requests/min; the vendor reports none left until its window resets)")
    assert len(lines) <= metrics["rate_limit_wait_s"] / 2.0 + 1  # one line per wait, not per thread or retry


@pytest.mark.slow
def test_a_429s_retry_after_is_logged(sandbox: SandboxProcess, world: World, caplog: pytest.LogCaptureFixture) -> None:
    sandbox.set_faults(FaultConfig(rate_429=0.5, burst_429=1, retry_after_seconds=3, seed=3))
    caplog.set_level(logging.INFO, logger=PROGRESS_LOGGER)
    metrics = pull_tickets(sandbox, world, days=2, per_page=100)
    assert metrics["http_429s"] >= 1
    lines = waiting_lines(caplog)
    assert lines, [r.getMessage() for r in caplog.records]
    seconds, budget = lines[0]
    assert 2.0 <= seconds <= 3.0
    assert budget == "the incremental budget (100000 requests/min; HTTP 429 with Retry-After: 3 s)"


def test_fast_pacing_stays_quiet_and_long_waits_log_at_most_once_per_interval(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    reporter = WaitReporter("zendesk", clock=clock, threshold=2.0, interval=5.0)
    bucket = TokenBucket(RateLimit(10, 60), clock=clock, sleep=clock.sleep, name="incremental", on_wait=reporter)
    # 8 requests/s: a rate exact in binary, so virtual time (which a tiny sleep cannot advance) moves on
    fast = TokenBucket(RateLimit(64, 8), clock=clock, sleep=clock.sleep, on_wait=reporter)
    caplog.set_level(logging.INFO, logger=PROGRESS_LOGGER)
    for _ in range(200):
        fast.acquire()  # 0.125 s apart once the burst is spent: below the threshold
    assert waiting_lines(caplog) == []
    for _ in range(12):
        bucket.acquire()  # 10 at once, then 6 s each
    assert waiting_lines(caplog) == [(6.0, "the incremental budget (10 requests/min)")] * 2
    reporter(30.0, "the incremental budget")
    reporter(30.0, "the incremental budget")  # same instant (another thread): quiet
    assert len(waiting_lines(caplog)) == 3


@pytest.mark.parametrize(
    ("limit", "text"),
    [
        (RateLimit(10, 60), "10 requests/min"),
        (RateLimit(5, 1), "5 requests/s"),
        (RateLimit(100, 10), "100 requests per 10 s"),
        (RateLimit(2.5, 3600), "2.5 requests/h"),
    ],
)
def test_rate_limits_read_as_an_operator_says_them(limit: RateLimit, text: str) -> None:
    assert str(limit) == text
