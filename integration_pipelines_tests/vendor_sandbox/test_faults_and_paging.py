"""Sandbox faults over real HTTP, the fault injector's draws, and the export stream's paging rules.

The fault tests switch one fault on at rate 1.0 (or a seeded mix) through the admin API and check
what an HTTP client really receives; the injector and ``ExportStream`` tests run in-process.
"""

from __future__ import annotations

import base64
import json
import random
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
import pytest

from vendor_sandbox.dialects.zendesk import OAUTH_TOKEN
from vendor_sandbox.export_stream import ExportStream, decode_cursor, encode_cursor
from vendor_sandbox.faults import FAULT_ORDER, FaultConfig, FaultInjector
from vendor_sandbox.process import SandboxProcess

TICKETS = "/api/v2/incremental/tickets/cursor.json"
PAGE = {"start_time": 0, "per_page": 5}


@pytest.fixture
def client(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=sandbox.zendesk_url(), headers={"Authorization": f"Bearer {OAUTH_TOKEN}"}, timeout=10
    ) as c:
        yield c


def served(sandbox: SandboxProcess) -> dict[str, int]:
    return sandbox.stats().get("zendesk", {})


# ---------------------------------------------------------------- faults over HTTP


@pytest.mark.parametrize(("status", "error"), [(500, "InternalError"), (503, "ServiceUnavailable")])
def test_server_error_faults(sandbox: SandboxProcess, client: httpx.Client, status: int, error: str) -> None:
    """rate_500 / rate_503 = 1.0: every one of 4 requests gets that status with Zendesk's error body,
    and the sandbox counts 4 requests and 4 faults of that kind."""
    sandbox.set_faults(FaultConfig(**{f"rate_{status}": 1.0}))
    for _ in range(4):
        response = client.get(TICKETS, params=PAGE)
        assert response.status_code == status
        assert response.json() == {"error": error, "description": "Please try again later"}
    assert served(sandbox) == {"requests": 4, f"fault_{status}": 4}


def test_429_fault_has_retry_after_in_seconds(sandbox: SandboxProcess, client: httpx.Client) -> None:
    """rate_429 = 1.0 with retry_after_seconds=7: each of 3 requests gets 429, Retry-After "7" and
    Zendesk's APIRateLimitExceeded body; 3 faults are counted."""
    sandbox.set_faults(FaultConfig(rate_429=1.0, retry_after_seconds=7))
    for _ in range(3):
        response = client.get(TICKETS, params=PAGE)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "7"
        assert response.json()["error"] == "APIRateLimitExceeded"
    assert served(sandbox) == {"requests": 3, "fault_429": 3}


def test_429_fault_comes_in_bursts(sandbox: SandboxProcess, client: httpx.Client) -> None:
    """One drawn 429 must be followed by burst_429 - 1 more. Seed 1's first roll is < 0.5 and its next
    two are >= 0.5, so at rate_429 = 0.5 and burst 4 the server must answer 429 x4, then 200 x2."""
    rolls = random.Random(1)
    assert [rolls.random() < 0.5 for _ in range(3)] == [True, False, False], "precondition on seed 1"
    sandbox.set_faults(FaultConfig(rate_429=0.5, burst_429=4, retry_after_seconds=0, seed=1))
    statuses = [client.get(TICKETS, params=PAGE).status_code for _ in range(6)]
    assert statuses == [429, 429, 429, 429, 200, 200]
    assert served(sandbox) == {"requests": 6, "fault_429": 4}


def test_429_retry_after_as_http_date(sandbox: SandboxProcess, client: httpx.Client) -> None:
    """retry_after_format="http-date" must send an RFC 7231 date (GMT) about retry_after_seconds ahead."""
    sandbox.set_faults(FaultConfig(rate_429=1.0, retry_after_seconds=30, retry_after_format="http-date"))
    response = client.get(TICKETS, params=PAGE)
    assert response.status_code == 429
    value = response.headers["Retry-After"]
    assert value.endswith(" GMT")
    when = parsedate_to_datetime(value)
    delta = (when - datetime.now(UTC)).total_seconds()
    assert 27 <= delta <= 31


def test_truncate_fault_cuts_the_json_body(sandbox: SandboxProcess, client: httpx.Client) -> None:
    """rate_truncate = 1.0: status 200, Content-Length equal to the bytes sent, and the body is the
    first half of the intact page, which is not valid JSON."""
    intact = client.get(TICKETS, params=PAGE).content
    json.loads(intact)
    sandbox.set_faults(FaultConfig(rate_truncate=1.0))
    response = client.get(TICKETS, params=PAGE)
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content)
    assert response.content == intact[: len(intact) // 2]
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert served(sandbox) == {"requests": 2, "fault_truncate": 1}


def test_drop_fault_breaks_the_connection_mid_body(sandbox: SandboxProcess, client: httpx.Client) -> None:
    """rate_drop = 1.0: the client must see a transport error (the body stops half-way), 3 times out
    of 3, and the sandbox counts 3 drops."""
    sandbox.set_faults(FaultConfig(rate_drop=1.0))
    for _ in range(3):
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.get(TICKETS, params=PAGE)
    assert served(sandbox) == {"requests": 3, "fault_drop": 3}


def test_slow_fault_delays_and_times_out(sandbox: SandboxProcess, client: httpx.Client) -> None:
    """rate_slow = 1.0, slow_seconds = 0.3: a patient client gets its 200 after >= 0.3 s; a client with
    a 0.1 s read timeout gets httpx.ReadTimeout. Both are counted as slow faults."""
    sandbox.set_faults(FaultConfig(rate_slow=1.0, slow_seconds=0.3))
    began = time.monotonic()
    response = client.get(TICKETS, params=PAGE)
    assert time.monotonic() - began >= 0.3
    assert response.status_code == 200 and len(response.json()["tickets"]) == 5
    with pytest.raises(httpx.ReadTimeout):
        client.get(TICKETS, params=PAGE, timeout=0.1)
    sandbox.wait_idle()
    assert served(sandbox) == {"requests": 2, "fault_slow": 2}


def test_seeded_fault_mix_over_http_is_repeatable(sandbox: SandboxProcess, client: httpx.Client) -> None:
    """The same seeded 50/50 mix of 500 and 503 must give the same 30 statuses after each reset."""
    config = FaultConfig(rate_500=0.25, rate_503=0.25, seed=42)

    def run() -> list[int]:
        sandbox.set_faults(config)
        return [client.get("/api/v2/users/me.json").status_code for _ in range(30)]

    first, second = run(), run()
    assert first == second
    assert set(first) == {200, 500, 503}
    counts = served(sandbox)
    assert counts["fault_500"] == 2 * first.count(500) and counts["fault_503"] == 2 * first.count(503)


def test_stats_count_only_faults_that_were_applied(sandbox: SandboxProcess) -> None:
    """rate_drop = 1.0 and a request without credentials: whatever the sandbox does with it, its
    fault_drop counter must match what the client saw (1 if the connection broke, else 0)."""
    sandbox.set_faults(FaultConfig(rate_drop=1.0))
    try:
        response = httpx.get(f"{sandbox.zendesk_url()}{TICKETS}", params=PAGE)
        dropped = False
        assert response.status_code == 401
    except (httpx.RemoteProtocolError, httpx.ReadError):
        dropped = True
    assert served(sandbox).get("fault_drop", 0) == int(dropped)


def test_invalid_fault_config_is_refused_and_previous_kept(sandbox: SandboxProcess) -> None:
    """PUT /_sandbox/faults with rates summing to 1.2 or a rate of 2 must not be accepted, and the
    faults in force before must stay in force."""
    sandbox.set_faults(FaultConfig(rate_500=0.5, seed=9))
    before = httpx.get(f"{sandbox.url}/_sandbox/faults").json()
    for payload in (FaultConfig.mixed(0.2).model_dump(), {"rate_500": 2}):
        response = httpx.put(f"{sandbox.url}/_sandbox/faults", json=payload)
        assert response.status_code >= 400
    assert httpx.get(f"{sandbox.url}/_sandbox/faults").json() == before


def test_invalid_fault_config_is_a_client_error(sandbox: SandboxProcess) -> None:
    """An invalid fault config is the caller's mistake: 422 with a JSON error saying why."""
    response = httpx.put(f"{sandbox.url}/_sandbox/faults", json=FaultConfig.mixed(0.2).model_dump())
    assert response.status_code == 422
    assert "more than 1" in response.json()["error"]


# ---------------------------------------------------------------- FaultInjector


def draws(config: FaultConfig, n: int) -> list[str | None]:
    injector = FaultInjector(config)
    return [injector.draw() for _ in range(n)]


def test_seeded_draws_are_repeatable() -> None:
    """Two injectors with the same seed draw the same 2,000 faults; reconfiguring restarts the
    sequence; another seed draws a different sequence."""
    config = FaultConfig.mixed(0.1, seed=123)
    first = draws(config, 2000)
    assert first == draws(config, 2000)
    injector = FaultInjector(config)
    head = [injector.draw() for _ in range(100)]
    injector.configure(config)
    assert [injector.draw() for _ in range(100)] == head == first[:100]
    assert draws(config.model_copy(update={"seed": 124}), 2000) != first


def test_no_faults_configured_draws_nothing() -> None:
    """The default config must never inject anything."""
    assert set(draws(FaultConfig(), 5000)) == {None}


def frequencies(config: FaultConfig, n: int = 20_000) -> dict[str | None, float]:
    counts = Counter(draws(config, n))
    return {name: counts[name] / n for name in (*FAULT_ORDER, None)}


def test_fault_frequencies_match_rates_without_bursts() -> None:
    """Over 20,000 draws of the 10 % mix with burst_429 = 1, every fault's share is within 1.5
    percentage points of 10 % and clean requests within 1.5 points of 40 %."""
    observed = frequencies(FaultConfig.mixed(0.1, burst_429=1, seed=2024))
    for name in FAULT_ORDER:
        assert abs(observed[name] - 0.1) <= 0.015, (name, observed[name])
    assert abs(observed[None] - 0.4) <= 0.015


def test_429_bursts_start_at_the_configured_rate() -> None:
    """With the 10 % mix (burst_429 = 3), 429s come in runs whose length is a multiple of 3 (bursts
    can follow each other). A burst answers 3 requests, so for 10 % of requests to be 429s, bursts
    start on r / (b - r(b-1)) = 0.1 / 2.8 of the random rolls (a burst's extra 429s consume no roll)."""
    sequence = draws(FaultConfig.mixed(0.1, seed=7), 20_000)
    runs, length = [], 0
    for fault in sequence:
        if fault == "429":
            length += 1
        elif length:
            runs.append(length)
            length = 0
    assert runs and all(n % 3 == 0 for n in runs)  # a run still open at the end may be cut; not checked
    bursts = sum(runs) // 3
    rolls = len(sequence) - 2 * bursts
    assert abs(bursts / rolls - 0.1 / 2.8) <= 0.006


def test_ten_percent_mix_frequencies_per_request() -> None:
    """FaultConfig.mixed(0.1) promises each fault on 10 % of requests ("rates are probabilities per
    request"): over 20,000 draws each observed share must be within 1.5 points of 10 %."""
    observed = frequencies(FaultConfig.mixed(0.1, seed=2024))
    for name in FAULT_ORDER:
        assert abs(observed[name] - 0.1) <= 0.015, (name, observed[name])


@pytest.mark.parametrize(
    "config",
    [
        FaultConfig.mixed(0.2),
        FaultConfig(rate_500=0.6, rate_503=0.41),
    ],
    ids=["mixed-0.2", "500-and-503"],
)
def test_rates_summing_over_one_are_rejected(config: FaultConfig) -> None:
    """Rates adding up to more than 1 cannot be probabilities of exclusive faults: both the
    constructor and configure() must raise, and configure() must keep the previous config."""
    with pytest.raises(ValueError, match="more than 1"):
        FaultInjector(config)
    injector = FaultInjector(FaultConfig(rate_500=1.0))
    with pytest.raises(ValueError, match="more than 1"):
        injector.configure(config)
    assert injector.config.rate_500 == 1.0 and injector.draw() == "500"


def test_rates_summing_to_exactly_one_are_accepted() -> None:
    """Rates adding up to exactly 1 (0.5 + 0.25 + 0.25) are accepted, and then no request is clean."""
    injector = FaultInjector(FaultConfig(rate_429=0.5, burst_429=1, rate_500=0.25, rate_truncate=0.25))
    assert None not in {injector.draw() for _ in range(1000)}


# ---------------------------------------------------------------- ExportStream


def ids(page_records: list[bytes]) -> list[int]:
    return [json.loads(r)["id"] for r in page_records]


@pytest.fixture
def stream() -> ExportStream:
    """Twelve items, long past the lag: timestamps 1000..1004 with several ids sharing a second,
    fed out of order (the stream must sort by (timestamp, id))."""
    items = [
        (1000, 1),
        (1000, 2),
        (1001, 3),
        (1002, 4),
        (1002, 5),
        (1002, 6),
        (1002, 7),
        (1003, 8),
        (1004, 9),
        (1004, 10),
        (1004, 11),
        (1004, 12),
    ]
    random.Random(0).shuffle(items)
    return ExportStream((ts, rid, {"id": rid, "ts": ts}) for ts, rid in items)


def test_after_pages_strictly_after_the_key(stream: ExportStream) -> None:
    """after(key, 5) returns the next 5 items in (timestamp, id) order, strictly after key; walking
    by last_key visits all 12 items once and only the last page is end_of_stream."""
    assert len(stream) == 12
    page = stream.after((1000, 1), 5)
    assert ids(page.records) == [2, 3, 4, 5, 6]
    assert page.last_key == (1002, 6) and page.end_of_stream is False
    key, seen, flags = (0, 0), [], []
    while True:
        page = stream.after(key, 5)
        seen += ids(page.records)
        flags.append(page.end_of_stream)
        if page.end_of_stream:
            break
        key = page.last_key
    assert seen == list(range(1, 13))
    assert flags == [False, False, True]
    end = stream.after((1004, 12), 5)
    assert end.records == [] and end.last_key is None and end.end_of_stream is True


def test_since_includes_the_start_second(stream: ExportStream) -> None:
    """since(1002, 100) returns every item with timestamp >= 1002, i.e. ids 4..12, as the last page."""
    page = stream.since(1002, 100)
    assert ids(page.records) == list(range(4, 13))
    assert page.last_key == (1004, 12) and page.end_of_stream is True


def test_since_never_splits_a_second(stream: ExportStream) -> None:
    """since(1000, 4) would stop inside second 1002 (ids 4..7): the page must grow to include all
    of that second; since(1003, 2) must grow to take all of second 1004."""
    page = stream.since(1000, 4)
    assert ids(page.records) == [1, 2, 3, 4, 5, 6, 7]
    assert page.last_key == (1002, 7) and page.end_of_stream is False
    tail = stream.since(1003, 2)
    assert ids(tail.records) == [8, 9, 10, 11, 12]
    assert tail.last_key == (1004, 12) and tail.end_of_stream is True
    split = stream.since(1000, 4, extend_same_second=False)
    assert ids(split.records) == [1, 2, 3, 4]


def test_since_paging_by_last_second_covers_everything() -> None:
    """Time-based paging (next start_time = the page's last timestamp) over 300 items, 8 per second
    in 38 seconds, with pages of 20: every page holds whole seconds only, consecutive pages share
    exactly their boundary second, and together they return all 300 items."""
    items = [(5000 + i // 8, i, {"id": i}) for i in range(300)]
    stream = ExportStream(items)
    by_second: dict[int, set[int]] = {}
    for ts, rid, _ in items:
        by_second.setdefault(ts, set()).add(rid)
    start, seen, previous = 0, set(), None
    pages = 0
    while True:
        page = stream.since(start, 20)
        pages += 1
        got = ids(page.records)
        seconds = {5000 + i // 8 for i in got}
        assert set(got) == set().union(*(by_second[s] for s in seconds)), "a second was split"
        if previous is not None:
            assert previous & set(got) == by_second[start]
        seen |= set(got)
        previous = set(got)
        if page.end_of_stream:
            break
        assert page.last_key is not None and page.last_key[0] > start
        start = page.last_key[0]
    assert seen == set(range(300))
    # first page: 3 whole seconds (24); then 1 repeated + 2 new seconds (16 new) per page: 1 + ceil(276 / 16)
    assert pages == 19


def test_lag_hides_the_last_minute() -> None:
    """Items newer than now - 60 s are invisible to after() and since() alike, and the page with the
    last visible item is end_of_stream; with lag 0 they appear."""
    now = int(time.time())
    items = [(now - 600, 1, {"id": 1}), (now - 90, 2, {"id": 2}), (now - 30, 3, {"id": 3}), (now + 5, 4, {"id": 4})]
    lagged = ExportStream(items)
    page = lagged.after((0, 0), 10)
    assert ids(page.records) == [1, 2] and page.end_of_stream is True
    assert lagged.after((now - 90, 2), 10).records == []
    assert ids(lagged.since(now - 100, 10).records) == [2]
    assert ids(ExportStream(items, lag_seconds=0).after((0, 0), 10).records) == [1, 2, 3]


def test_records_are_compact_utf8_json() -> None:
    """Records are pre-serialised once as compact JSON with Arabic left as UTF-8."""
    stream = ExportStream([(1, 1, {"id": 1, "body": "مرحبا 👋"})])
    (record,) = stream.after((0, 0), 1).records
    assert record == '{"id":1,"body":"مرحبا 👋"}'.encode()


@pytest.mark.parametrize("key", [(0, 0), (1_790_000_000, 1), (1_790_000_000, 2**62), (5, -1)])
def test_cursor_round_trip(key: tuple[int, int]) -> None:
    """encode_cursor/decode_cursor round-trip; the cursor is URL-safe (no padding, + or /)."""
    cursor = encode_cursor(key)
    assert decode_cursor(cursor) == key
    assert not set(cursor) & set("=+/")


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not a cursor",
        "a",
        "%%%%",
        base64.urlsafe_b64encode(b"12-34").decode(),
        base64.urlsafe_b64encode(b"1:2:3").decode(),
        base64.urlsafe_b64encode(b"one:2").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe:\x00").decode(),
    ],
)
def test_garbage_cursor_raises_value_error(cursor: str) -> None:
    """Anything the server did not issue must raise ValueError (which the dialect turns into a 400)."""
    with pytest.raises(ValueError):
        decode_cursor(cursor)
