"""The sandbox's Calendly dialect over real HTTP: auth, the current user, events by start time, paging,
invitees from the voices' meeting scripts, error bodies, rate-limit headers and the signed change feed.

Plain ``httpx`` against this module's own sandbox process, so these tests pin down what the fake Calendly
promises a connector: API v2's paths, fields, page tokens, filters and errors. Expected values come from
``voices.scripts(world, "meeting")`` built here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from integration_pipelines_tests.vendor_sandbox.webhook_receiver import Receiver
from vendor_sandbox import voices
from vendor_sandbox.changefeed.settings import DEFAULT_SECRETS
from vendor_sandbox.dialects.calendly import ACCESS_TOKEN, OAUTH_TOKEN, RATE_LIMIT, render
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

SANDBOX_DIALECTS = "calendly"  # this module's own sandbox (fixtures vendor_server / vendor_sandbox)
ORG = render.ORGANIZATION
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


@pytest.fixture
def sandbox(vendor_sandbox: SandboxProcess) -> SandboxProcess:
    return vendor_sandbox


@pytest.fixture
def client(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {ACCESS_TOKEN}"}
    with httpx.Client(base_url=f"{sandbox.url}/calendly", headers=headers, timeout=10) as c:
        yield c


def every_event(client: httpx.Client, **params: object) -> tuple[list[dict], int]:
    """Every page of ``/scheduled_events`` followed by ``next_page_token``; the events and the page count."""
    events, pages, query = [], 0, {"organization": ORG, **params}
    while True:
        body = client.get("/scheduled_events", params=query).raise_for_status().json()
        events += body["collection"]
        pages += 1
        assert body["pagination"]["count"] == len(body["collection"])
        token = body["pagination"]["next_page_token"]
        if not token:
            assert body["pagination"]["next_page"] is None
            return events, pages
        assert f"page_token={token}" in body["pagination"]["next_page"]
        query = {**query, "page_token": token}


def test_auth_accepts_the_published_tokens_only(sandbox: SandboxProcess) -> None:
    base = f"{sandbox.url}/calendly/users/me"
    for token in (ACCESS_TOKEN, OAUTH_TOKEN):
        me = httpx.get(base, headers={"Authorization": f"Bearer {token}"}).raise_for_status().json()["resource"]
        assert me["current_organization"] == ORG and me["uri"] == render.HOST_USER
    refused = httpx.get(base, headers={"Authorization": "Bearer nope"})
    assert refused.status_code == 401
    assert refused.json() == {"title": "Unauthenticated", "message": "The access token is invalid"}


def test_every_script_is_one_event_listed_once_in_start_order(client: httpx.Client, world: World) -> None:
    scripts = voices.scripts(world, "meeting")
    events, pages = every_event(client, count=7)
    assert pages == 11 and len(events) == len(scripts) == 75
    assert len({e["uri"] for e in events}) == 75
    starts = [e["start_time"] for e in events]
    assert starts == sorted(starts) and all(ISO.fullmatch(s) for s in starts)
    by_uri = {b.event_uri: b for b in render.bookings(world)}
    for event in events:
        booking = by_uri[event["uri"]]
        assert event["created_at"] == render.iso(voices.scripts(world, "meeting")[booking.number - 1].at)
        assert event["start_time"] > event["created_at"] and event["status"] in ("active", "canceled")
        assert ("cancellation" in event) == (event["status"] == "canceled")


def test_start_time_filters_are_inclusive_then_exclusive(client: httpx.Client, world: World) -> None:
    bookings = sorted(render.bookings(world), key=lambda b: b.start_time)
    low, high = bookings[10].start_time, bookings[40].start_time
    events, _ = every_event(client, count=100, min_start_time=render.iso(low), max_start_time=render.iso(high))
    assert {e["uri"] for e in events} == {b.event_uri for b in bookings if low <= b.start_time < high}
    canceled, _ = every_event(client, status="canceled")
    assert {e["uri"] for e in canceled} == {b.event_uri for b in bookings if b.canceled_at}


def test_invitees_replay_the_customers_own_words(client: httpx.Client, world: World) -> None:
    scripts = voices.scripts(world, "meeting")
    canceled = no_shows = 0
    for booking in render.bookings(world):
        script = scripts[booking.number - 1]
        body = client.get(f"/scheduled_events/{booking.event_uuid}/invitees").raise_for_status().json()
        (invitee,) = body["collection"]
        assert body["pagination"]["next_page_token"] is None
        assert (invitee["email"], invitee["name"]) == (script.customer.email, script.customer.name)
        assert invitee["event"] == booking.event_uri and invitee["uri"].startswith(booking.event_uri + "/invitees/")
        answers = [qa["answer"] for qa in invitee["questions_and_answers"]]
        turns = [t.text for t in script.customer_turns]
        assert answers[0] == turns[0] and answers[1] == (turns[1] if len(turns) > 1 else "")
        if invitee["status"] == "canceled":
            canceled += 1
            assert invitee["cancellation"]["reason"] == turns[0]
            assert invitee["cancellation"]["canceler_type"] == "invitee"
            assert invitee["updated_at"] == invitee["cancellation"]["created_at"] < render.iso(booking.start_time)
        if invitee["no_show"]:
            no_shows += 1
            assert invitee["updated_at"] == invitee["no_show"]["created_at"] > render.iso(booking.end_time)
    assert (canceled, no_shows) == (22, 5)


def test_errors_have_calendlys_shapes(client: httpx.Client) -> None:
    too_many = client.get("/scheduled_events", params={"organization": ORG, "count": 101})
    assert too_many.status_code == 400 and too_many.json()["title"] == "Invalid Argument"
    assert client.get("/scheduled_events").status_code == 400  # organization, user or group is required
    other = client.get("/scheduled_events", params={"organization": f"{ORG}X"})
    assert (other.status_code, other.json()["title"]) == (403, "Permission Denied")
    missing = client.get("/scheduled_events/not-a-uuid/invitees")
    assert (missing.status_code, missing.json()["title"]) == (404, "Resource Not Found")


def test_rate_limit_headers_and_429(sandbox: SandboxProcess, client: httpx.Client) -> None:
    sandbox.set_rate_limits(1.0)
    first, second = client.get("/users/me"), client.get("/users/me")
    assert first.headers["X-RateLimit-Limit"] == str(RATE_LIMIT.requests)
    assert int(first.headers["X-RateLimit-Remaining"]) - 1 == int(second.headers["X-RateLimit-Remaining"])
    assert 0 < int(second.headers["X-RateLimit-Reset"]) <= 60
    sandbox.set_rate_limits(2.5 / RATE_LIMIT.requests)
    answers = [client.get("/users/me") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json()["title"] == "Too Many Requests" and int(answers[2].headers["Retry-After"]) >= 1
    assert answers[2].headers["X-RateLimit-Remaining"] == "0"


def test_a_booking_and_a_cancellation_are_signed_deliveries_visible_at_once(
    sandbox: SandboxProcess, client: httpx.Client, receiver: Receiver, world: World
) -> None:
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    url = f"{receiver.url}/calendly"
    booked = sandbox.make_changes("calendly", "new_message", url=url, at=at)["changes"][0]
    canceled = sandbox.make_changes("calendly", "status_change", url=url, at=at + timedelta(seconds=5))
    (change,) = canceled["changes"]
    assert change["record_id"] == booked["record_id"]  # the only meeting still to come
    received = receiver.wait_for("calendly", 2)
    topics = []
    for delivery in received:
        t, v1 = (part.split("=", 1)[1] for part in delivery.header("Calendly-Webhook-Signature").split(","))
        key = DEFAULT_SECRETS["calendly"].encode()
        assert v1 == hmac.new(key, f"{t}.".encode() + delivery.body, hashlib.sha256).hexdigest()
        assert abs(int(t) - datetime.now(UTC).timestamp()) < 60
        body = json.loads(delivery.body)
        assert (
            body["payload"]["uri"] == change["record_id"]
            and body["payload"]["scheduled_event"]["uri"] == change["event_uri"]
        )
        topics.append(body["event"])
    assert topics == ["invitee.created", "invitee.canceled"]
    uuid = change["event_uri"].rsplit("/", 1)[1]
    (invitee,) = client.get(f"/scheduled_events/{uuid}/invitees").json()["collection"]
    assert invitee["status"] == "canceled" and invitee["cancellation"]["reason"] == change["reason"]
    assert invitee["email"] in {s.customer.email for s in voices.scripts(world, "meeting")}
    events, _ = every_event(client)
    assert len(events) == 76
    sandbox.admin("calendly", "reset")
    assert len(every_event(client)[0]) == 75
    with pytest.raises(ValueError, match="still to come"):
        sandbox.make_changes("calendly", "status_change", url=url, at=at)
    with pytest.raises(ValueError, match="does not announce"):
        sandbox.make_changes("calendly", "delete", url=url, at=at)
