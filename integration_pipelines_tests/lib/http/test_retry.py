"""Retry-After parsing and backoff bounds."""

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from integration_pipelines.lib.http.retry import RetryPolicy, is_retryable_status, parse_retry_after

NOW = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(("value", "expected"), [("0", 0.0), ("7", 7.0), (" 2.5 ", 2.5), ("-3", 0.0)])
def test_retry_after_seconds(value: str, expected: float) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_retry_after_http_date() -> None:
    header = format_datetime(NOW + timedelta(seconds=42), usegmt=True)
    assert parse_retry_after(header, NOW) == pytest.approx(42.0)


def test_retry_after_date_in_the_past_means_now() -> None:
    assert parse_retry_after(format_datetime(NOW - timedelta(hours=1), usegmt=True), NOW) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "Thu, 99 Foo 2026"])
def test_retry_after_unusable(value: str | None) -> None:
    assert parse_retry_after(value, NOW) is None


def test_backoff_grows_exponentially_within_jittered_bounds_and_is_capped() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    rng = random.Random(1)
    for retry, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        delays = [policy.backoff(retry, rng) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert max(delays) - min(delays) > ceiling / 4  # jitter actually spreads retries


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(429, True), (500, True), (502, True), (503, True), (504, True), (400, False), (401, False), (404, False)],
)
def test_retryable_statuses(status: int, retryable: bool) -> None:
    assert is_retryable_status(status) is retryable
