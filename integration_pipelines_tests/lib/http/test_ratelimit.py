"""The token bucket paces to the published limit and tightens to what the server reports."""

from integration_pipelines.lib.http.ratelimit import RateLimit, RateLimitHeaders, RateLimitState, TokenBucket


class FakeClock:
    """Virtual time: sleeping advances the clock, so pacing is checked exactly and instantly. A sleep
    advances it by at least a microsecond: a float sum can swallow a tinier wait, and a bucket a hair
    short of a token would then wait forever."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 1e-6)


def test_burst_then_paced_at_published_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateLimit(10, 60), clock=clock, sleep=clock.sleep)
    for _ in range(10):
        assert bucket.acquire() == 0.0
    waited = bucket.acquire()
    assert abs(waited - 6.0) < 1e-6  # one token every 6 s at 10/min
    assert abs(bucket.acquire() - 6.0) < 1e-6


def test_server_reporting_exhaustion_blocks_until_reset() -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateLimit(100, 60), clock=clock, sleep=clock.sleep)
    bucket.observe(RateLimitState(limit=100, remaining=0, reset_after=30))
    assert bucket.acquire() >= 30.0


def test_remaining_caps_tokens() -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateLimit(100, 60), clock=clock, sleep=clock.sleep)
    bucket.observe(RateLimitState(remaining=2, reset_after=60))
    assert bucket.acquire() == 0.0 and bucket.acquire() == 0.0
    assert bucket.acquire() > 0.0


def test_pause_holds_requests() -> None:
    clock = FakeClock()
    bucket = TokenBucket(None, clock=clock, sleep=clock.sleep)
    bucket.pause(5)
    assert bucket.acquire() == 5.0


def test_unlimited_bucket_never_waits() -> None:
    clock = FakeClock()
    bucket = TokenBucket(None, clock=clock, sleep=clock.sleep)
    assert sum(bucket.acquire() for _ in range(1000)) == 0.0


def test_header_reader_seconds_epoch_and_fallback_names() -> None:
    zendesk = RateLimitHeaders(
        limit=("ratelimit-limit", "x-rate-limit"),
        remaining=("ratelimit-remaining", "x-rate-limit-remaining"),
        reset=("ratelimit-reset",),
    )
    state = zendesk.read({"x-rate-limit": "700", "x-rate-limit-remaining": "12"})
    assert state == RateLimitState(limit=700, remaining=12, reset_after=None)
    intercom = RateLimitHeaders(remaining=("x-ratelimit-remaining",), reset=("x-ratelimit-reset",), reset_is_epoch=True)
    assert intercom.read({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1060"}, now=1000).reset_after == 60
