"""The Calendly connector against its sandbox over real HTTP: exact bookings per window, paging, limits,
quarantine, broken pages and credentials.

This module starts its own sandbox process serving the Calendly dialect. Expected sets come from the
world built here: one booking (scheduled event + invitee) per ``voices.scripts(world, "meeting")``
script, rendered by the dialect's own ``render.bookings`` and checked against the scripts themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from integration_pipelines.lib.http.errors import AuthenticationError, ConfigurationError, IntegrationError
from integration_pipelines.lib.records import to_record_batch
from integration_pipelines.sources.calendly import OBJECTS, CalendlyResource
from integration_pipelines_tests.fixtures.sandbox import sandbox_resource
from vendor_sandbox import voices
from vendor_sandbox.dialects.calendly import RATE_LIMIT, render
from vendor_sandbox.faults import FaultConfig
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

SANDBOX_DIALECTS = "calendly"  # this module's own sandbox (fixtures vendor_server / vendor_sandbox)
SECRET = "wrong-but-secret-calendly-token-5b2c9e"


@pytest.fixture
def sandbox(vendor_sandbox: SandboxProcess) -> SandboxProcess:
    return vendor_sandbox


def calendly(sandbox: SandboxProcess, **overrides: object) -> CalendlyResource:
    resource = sandbox_resource(sandbox, "calendly", **overrides)
    assert isinstance(resource, CalendlyResource)
    return resource


def pull(resource: CalendlyResource, obj: str, start: datetime, end: datetime) -> tuple[list[dict], list, dict, int]:
    """Rows, rejects, client metrics and page count of one pull."""
    with resource.open_client() as client:
        pages = list(client.pages(obj, start, end))
        metrics = client.api.metrics.as_dict()
    rows = [row for page in pages for row in page.batch.to_pylist()]
    return rows, [r for page in pages for r in page.rejects], metrics, len(pages)


def history(world: World) -> tuple[datetime, datetime]:
    anchor = world.config.anchor
    assert anchor is not None
    return anchor - timedelta(days=world.config.days + 1), anchor + timedelta(days=1)


def version_of(obj: str) -> Callable[[render.Booking], datetime]:
    return (lambda b: b.event_updated_at) if obj == "scheduled_events" else (lambda b: b.invitee_updated_at)


def uri_of(obj: str, booking: render.Booking) -> str:
    return booking.event_uri if obj == "scheduled_events" else booking.invitee_uri


def expected(world: World, obj: str, start: datetime, end: datetime) -> set[str]:
    version = version_of(obj)
    return {uri_of(obj, b) for b in render.bookings(world) if start <= version(b) < end}


def assert_exact(rows: list[dict], obj: str, world: World, start: datetime, end: datetime) -> None:
    uris = [r["uri"] for r in rows]
    assert len(uris) == len(set(uris)), f"a {obj} row arrived twice"
    assert set(uris) == expected(world, obj, start, end)
    assert all(start <= r["updated_at"] < end for r in rows) and not any(r["is_deleted"] for r in rows)


# ---------------------------------------------------------------- exact pulls


def test_every_meeting_script_is_one_booking(world: World) -> None:
    scripts, bookings = voices.scripts(world, "meeting"), render.bookings(world)
    assert len(bookings) == len(scripts) == round(world.config.tickets * voices.CHANNEL_RATES["meeting"]) == 75
    assert [b.customer.email for b in bookings] == [s.customer.email for s in scripts]
    assert sum(b.canceled_at is not None for b in bookings) > 10 and sum(b.no_show_at is not None for b in bookings) > 2


@pytest.mark.parametrize("obj", sorted(OBJECTS))
def test_the_whole_history_is_every_booking_once(sandbox: SandboxProcess, world: World, obj: str) -> None:
    start, end = history(world)
    rows, rejects, metrics, pages = pull(calendly(sandbox, per_page=10), obj, start, end)
    assert_exact(rows, obj, world, start, end)
    assert len(rows) == len(voices.scripts(world, "meeting")) and not rejects
    assert pages == 8 and metrics["retries"] == 0  # 75 events listed 10 a page
    if obj == "invitees":
        by_uri = {b.invitee_uri: b for b in render.bookings(world)}
        for row in rows:
            booking = by_uri[row["uri"]]
            assert (row["email"], row["name"]) == (booking.customer.email, booking.customer.name)
            assert row["event_uuid"] == booking.event_uuid and row["event_uri"] == booking.event_uri


@pytest.mark.parametrize("obj", sorted(OBJECTS))
def test_day_windows_split_the_history_without_loss_or_duplicate(
    sandbox: SandboxProcess, world: World, obj: str
) -> None:
    start, end = history(world)
    resource, seen = calendly(sandbox, per_page=5), []
    day = start
    while day < end:
        rows, _, _, _ = pull(resource, obj, day, day + timedelta(days=1))
        assert_exact(rows, obj, world, day, day + timedelta(days=1))
        seen += [r["uri"] for r in rows]
        day += timedelta(days=1)
    assert len(seen) == len(set(seen)) == len(render.bookings(world))


def test_a_cancellation_lands_on_its_day_though_the_meeting_starts_later(sandbox: SandboxProcess, world: World) -> None:
    booking = next(
        b for b in render.bookings(world) if b.canceled_at and b.start_time.date() > b.canceled_at.date() + timedelta(1)
    )
    assert booking.canceled_at is not None
    day = booking.canceled_at.replace(hour=0, minute=0, second=0)
    resource = calendly(sandbox)
    events, _, _, _ = pull(resource, "scheduled_events", day, day + timedelta(days=1))
    invitees, _, _, _ = pull(resource, "invitees", day, day + timedelta(days=1))
    (event,) = [r for r in events if r["uri"] == booking.event_uri]
    (invitee,) = [r for r in invitees if r["uri"] == booking.invitee_uri]
    script = voices.scripts(world, "meeting")[booking.number - 1]
    reason = script.customer_turns[0].text
    assert (event["status"], event["cancel_reason"], event["canceler_type"]) == ("canceled", reason, "invitee")
    assert (invitee["status"], invitee["cancel_reason"], invitee["canceled_by"]) == (
        "canceled",
        reason,
        script.customer.name,
    )
    assert event["start_time"] > day + timedelta(days=2) and event["canceled_at"] == booking.canceled_at


def test_a_no_show_moves_the_invitee_not_the_event(sandbox: SandboxProcess, world: World) -> None:
    booking = next(b for b in render.bookings(world) if b.no_show_at and b.no_show_at.date() != b.created_at.date())
    assert booking.no_show_at is not None
    day = booking.no_show_at.replace(hour=0, minute=0, second=0)
    resource = calendly(sandbox)
    events, _, _, _ = pull(resource, "scheduled_events", day, day + timedelta(days=1))
    invitees, _, _, _ = pull(resource, "invitees", day, day + timedelta(days=1))
    assert booking.event_uri not in {r["uri"] for r in events}
    (row,) = [r for r in invitees if r["uri"] == booking.invitee_uri]
    assert row["no_show_created_at"] == booking.no_show_at and row["no_show_uri"].endswith(booking.invitee_uuid)


def test_tombstones_read_as_deleted() -> None:
    for obj in OBJECTS.values():
        tombstone = {"uri": "https://api.calendly.com/scheduled_events/x", "deleted": True, "updated_at": 1}
        assert to_record_batch([tombstone], obj.columns, datetime.now(UTC)).column("is_deleted").to_pylist() == [True]


# ---------------------------------------------------------------- limits, quarantine, broken pages


def test_429_with_retry_after_is_waited_out_with_nothing_lost(sandbox: SandboxProcess, world: World) -> None:
    """Some requests are answered 429 with Retry-After: 1; the client waits each out and still pulls every
    invitee exactly once."""
    sandbox.set_faults(FaultConfig(rate_429=0.05, burst_429=1, retry_after_seconds=1, seed=3))
    start, end = history(world)
    rows, _, metrics, _ = pull(calendly(sandbox, per_page=10), "invitees", start, end)
    assert_exact(rows, "invitees", world, start, end)
    assert len(rows) == 75 and metrics["http_429s"] == sandbox.stats()["calendly"]["fault_429"] > 0
    assert metrics["retries"] == metrics["http_429s"] and metrics["rate_limit_wait_s"] >= metrics["http_429s"] * 0.9


def test_the_limit_headers_keep_an_unpaced_client_under_the_limit(sandbox: SandboxProcess, world: World) -> None:
    """The sandbox allows 20 requests per 1.2 s window and says so in X-RateLimit-Remaining/-Reset; a client
    told nothing of the limit reads them and waits instead of being refused."""
    sandbox.set_rate_limits(20.5 / RATE_LIMIT.requests, window_scale=0.02)
    start, end = history(world)
    rows, _, metrics, _ = pull(calendly(sandbox, per_page=3), "scheduled_events", start, end)
    assert_exact(rows, "scheduled_events", world, start, end)
    assert metrics["requests"] == 26 and metrics["http_429s"] == 0 and metrics["rate_limit_wait_s"] > 0
    assert sandbox.stats()["calendly"].get("rate_limited", 0) == 0


def test_a_client_paced_at_the_limit_sees_no_429(sandbox: SandboxProcess, world: World) -> None:
    sandbox.set_rate_limits(20.5 / RATE_LIMIT.requests, window_scale=0.02)
    start, end = history(world)
    resource = calendly(sandbox, per_page=10, requests_per_minute=20 / 1.2 * 60)
    rows, _, metrics, _ = pull(resource, "scheduled_events", start, start + timedelta(days=30))
    with resource.open_client() as client:
        for _ in range(25):
            client.check_credentials()
        assert client.api.metrics.as_dict()["http_429s"] == 0
    assert metrics["http_429s"] == 0 and len(rows) == 75


def test_records_without_a_usable_version_or_key_are_quarantined(sandbox: SandboxProcess, world: World) -> None:
    start, end = history(world)
    day = start + timedelta(days=5)
    made = {
        kind: sandbox.admin("calendly", "poison_event", at=f"{day.date()}T12:00:00Z", kind=kind)
        for kind in ("null_version", "bad_version", "null_key")
    }
    rows, rejects, _, _ = pull(calendly(sandbox, per_page=10), "scheduled_events", start, end)
    assert_exact(rows, "scheduled_events", world, start, end)
    assert sorted((r.reason, r.key) for r in rejects) == sorted(
        [
            ("malformed_version", made["bad_version"]["uri"]),
            ("null_version", made["null_version"]["uri"]),
            ("null_key", None),
        ]
    )
    invitees, invitee_rejects, _, _ = pull(calendly(sandbox), "invitees", start, end)
    assert_exact(invitees, "invitees", world, start, end) and not invitee_rejects


@pytest.mark.parametrize("mode", ["no_collection", "same_token"])
def test_a_malformed_page_is_a_clear_error(sandbox: SandboxProcess, world: World, mode: str) -> None:
    sandbox.admin("calendly", "break_pages", mode=mode)
    start, end = history(world)
    with pytest.raises(IntegrationError) as excinfo, calendly(sandbox, per_page=10).open_client() as client:
        list(client.pages("scheduled_events", start, end))
    assert str(excinfo.value).startswith("[calendly] malformed scheduled_events page")


# ---------------------------------------------------------------- credentials and configuration


def test_wrong_token_is_a_clear_error_without_the_secret(
    sandbox: SandboxProcess, world: World, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    resource = calendly(sandbox, token=SECRET)
    start, end = history(world)
    with pytest.raises(AuthenticationError) as excinfo, resource.open_client() as client:
        list(client.pages("invitees", start, end))
    message = str(excinfo.value)
    assert message.startswith("[calendly]") and "401" in message and "CALENDLY_TOKEN" in message
    assert "The access token is invalid" in message
    captured = capsys.readouterr()
    everything = "\n".join([message, repr(excinfo.value), caplog.text, captured.out, captured.err, repr(resource)])
    assert SECRET not in everything
    assert sandbox.stats()["calendly"]["requests"] == 1, "a rejected token is not retried"


def test_another_organization_is_refused_naming_the_setting(sandbox: SandboxProcess, world: World) -> None:
    resource = calendly(sandbox, organization="https://api.calendly.com/organizations/NOTOURS")
    start, end = history(world)
    with pytest.raises(AuthenticationError, match="CALENDLY_ORGANIZATION") as excinfo, resource.open_client() as c:
        list(c.pages("scheduled_events", start, end))
    assert "403" in str(excinfo.value) and "Permission Denied" in str(excinfo.value)


def test_the_organization_is_discovered_once_from_the_token(sandbox: SandboxProcess, world: World) -> None:
    start, end = history(world)
    with calendly(sandbox, per_page=25).open_client() as client:
        assert client.check_credentials()["current_organization"] == render.ORGANIZATION
        first = list(client.pages("scheduled_events", start, end))
        second = list(client.pages("scheduled_events", start, end))
        requests = client.api.metrics.as_dict()["requests"]
    assert len(first) == len(second) == 3 and requests == 1 + 1 + 3 + 3  # check, discovery, two pulls


def test_missing_token_is_reported_before_any_request() -> None:
    with pytest.raises(ConfigurationError, match="CALENDLY_TOKEN"), CalendlyResource().open_client():
        pass


def test_per_page_is_capped_at_calendlys_maximum() -> None:
    with pytest.raises(ValueError):
        CalendlyResource(token="x", per_page=101)
