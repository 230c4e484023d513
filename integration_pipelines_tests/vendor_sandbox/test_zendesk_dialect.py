"""The sandbox's Zendesk dialect over real HTTP: auth, subdomains, export paging, limits and UTF-8.

Plain ``httpx`` against the session's sandbox (no connector in between), so these tests pin down
exactly what the fake Zendesk promises the connector: the same paths, fields, errors and headers
as Zendesk's published API.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from integration_pipelines_tests.fixtures.sandbox import zendesk_tickets
from vendor_sandbox.dialects.zendesk import API_TOKEN, EMAIL, OAUTH_TOKEN, SUBDOMAIN
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

BASIC = "Basic " + base64.b64encode(f"{EMAIL}/token:{API_TOKEN}".encode()).decode()
BEARER = f"Bearer {OAUTH_TOKEN}"
TICKETS = "/api/v2/incremental/tickets/cursor.json"
ORGANIZATIONS = "/api/v2/incremental/organizations.json"
TICKET_EVENTS = "/api/v2/incremental/ticket_events.json"
ARABIC = re.compile("[\u0600-\u06ff]")


def api(sandbox: SandboxProcess, subdomain: str = SUBDOMAIN) -> str:
    return f"{sandbox.url}/zendesk/{subdomain}"


@pytest.fixture
def client(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    """A client authenticated with the sandbox's API token."""
    with httpx.Client(base_url=api(sandbox), headers={"Authorization": BASIC}, timeout=10) as c:
        yield c


def query(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


# ---------------------------------------------------------------- auth and subdomain


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Basic " + base64.b64encode(f"{EMAIL}/token:wrong-token".encode()).decode()},
        {"Authorization": f"Bearer not-{OAUTH_TOKEN}"},
        {},
    ],
    ids=["wrong-api-token", "wrong-oauth-token", "no-auth"],
)
def test_bad_or_missing_credentials_get_zendesk_401(sandbox: SandboxProcess, headers: dict[str, str]) -> None:
    """A wrong API token, a wrong OAuth token or no Authorization header at all must each get 401
    with Zendesk's exact body, on an export endpoint and on /users/me, and be counted."""
    with httpx.Client(base_url=api(sandbox), headers=headers, timeout=10) as c:
        for path, params in ((TICKETS, {"start_time": 0}), ("/api/v2/users/me.json", {})):
            response = c.get(path, params=params)
            assert response.status_code == 401
            assert response.json() == {"error": "Couldn't authenticate you"}
    assert sandbox.stats()["zendesk"]["unauthorized"] == 2


@pytest.mark.parametrize(("authorization", "identity"), [(BASIC, "api-token"), (BEARER, "oauth")])
def test_valid_credentials_are_accepted(sandbox: SandboxProcess, authorization: str, identity: str) -> None:
    """Basic ``{email}/token:{api_token}`` and Bearer OAuth must both authenticate, and /users/me
    must say which one was used."""
    response = httpx.get(f"{api(sandbox)}/api/v2/users/me.json", headers={"Authorization": authorization})
    assert response.status_code == 200
    assert response.json()["user"] == {"id": 1, "email": EMAIL, "role": "admin", "auth": identity}


@pytest.mark.parametrize("authorization", [BASIC, None])
def test_unknown_subdomain_is_404_no_help_desk(sandbox: SandboxProcess, authorization: str | None) -> None:
    """A subdomain other than the sandbox's must get Zendesk's 404 "No help desk at ..." before any
    auth check (so with good and with no credentials alike)."""
    headers = {"Authorization": authorization} if authorization else {}
    response = httpx.get(f"{api(sandbox, 'acme-typo')}{TICKETS}", params={"start_time": 0}, headers=headers)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["title"] == "No help desk at acme-typo.zendesk.com"
    assert error["message"] == "There is no help desk configured at this address."
    assert "unauthorized" not in sandbox.stats()["zendesk"]


# ---------------------------------------------------------------- cursor-based export (tickets)


def test_per_page_is_capped_at_1000(client: httpx.Client, world: World) -> None:
    """Asking for 5000 tickets per page must serve at most 1000 and carry per_page=1000 on in the
    after_url (the test world holds fewer than 1000 Zendesk tickets, so this one page is all of them)."""
    response = client.get(TICKETS, params={"start_time": 0, "per_page": 5000})
    assert response.status_code == 200
    body = response.json()
    assert len(body["tickets"]) == len(zendesk_tickets(world)) < 1000
    assert query(body["after_url"])["per_page"] == "1000"
    assert body["end_of_stream"] is True


def test_cursor_paging_walks_every_ticket_exactly_once(client: httpx.Client, world: World) -> None:
    """Following after_url from start_time=0 with per_page=100 must take exactly 6 pages of 100,
    only the last with end_of_stream, each after_url carrying that page's after_cursor, and yield
    every ticket of the world once, in (updated_at, id) order."""
    url, pages, ids = f"{TICKETS}?start_time=0&per_page=100", [], []
    while True:
        response = client.get(url)
        assert response.status_code == 200
        body = response.json()
        pages.append(body)
        ids += [t["id"] for t in body["tickets"]]
        assert query(body["after_url"])["cursor"] == body["after_cursor"]
        assert "start_time" not in query(body["after_url"])
        assert body["before_cursor"] is None and body["before_url"] is None
        if body["end_of_stream"]:
            break
        assert len(pages) < 20, "end_of_stream never came"
        url = body["after_url"]
    total = len(zendesk_tickets(world))
    full, rest = divmod(total, 100)
    assert [len(p["tickets"]) for p in pages] == [100] * full + ([rest] if rest else [])
    assert [p["end_of_stream"] for p in pages] == [False] * (len(pages) - 1) + [True]
    assert len(ids) == len(set(ids)) == len(zendesk_tickets(world))
    expected = sorted(zendesk_tickets(world), key=lambda c: (c.updated_at, c.id))
    assert ids == [c.id for c in expected]

    # The final cursor stays valid: asking again gives an empty page, still at the end.
    again = client.get(pages[-1]["after_url"]).json()
    assert again["tickets"] == [] and again["end_of_stream"] is True
    assert again["after_cursor"] == pages[-1]["after_cursor"]


def test_start_time_includes_tickets_updated_in_that_second(client: httpx.Client, world: World) -> None:
    """start_time=T must return exactly the tickets with updated_at >= T (the second T included)."""
    pivot = sorted(zendesk_tickets(world), key=lambda c: (c.updated_at, c.id))[250]
    start = int(pivot.updated_at.timestamp())
    body = client.get(TICKETS, params={"start_time": start, "per_page": 1000}).json()
    expected = {c.id for c in zendesk_tickets(world) if int(c.updated_at.timestamp()) >= start}
    ids = [t["id"] for t in body["tickets"]]
    assert pivot.id in ids
    assert len(ids) == len(expected) and set(ids) == expected


def test_deleted_tickets_are_exported_with_status_deleted(client: httpx.Client, world: World) -> None:
    """Soft-deleted conversations must still be exported, flagged status "deleted"; no other ticket
    may carry that status."""
    tickets = client.get(TICKETS, params={"start_time": 0}).json()["tickets"]
    deleted = {c.id for c in zendesk_tickets(world) if c.deleted_at is not None}
    assert deleted, "the test world must hold deleted tickets"
    assert {t["id"] for t in tickets if t["status"] == "deleted"} == deleted


@pytest.mark.parametrize(
    "params",
    [
        {"start_time": "{recent}"},
        {"start_time": "yesterday"},
        {"cursor": "this-is-not-a-cursor!"},
        {"cursor": base64.urlsafe_b64encode(b"12:34:56").decode()},
        {},
        {"start_time": 0, "per_page": 0},
    ],
    ids=[
        "start-time-30s-ago",
        "start-time-not-a-number",
        "garbage-cursor",
        "cursor-of-three-parts",
        "neither",
        "per-page-zero",
    ],
)
def test_invalid_cursor_export_requests_get_400(client: httpx.Client, params: dict[str, object]) -> None:
    """A start_time less than a minute in the past, a non-numeric start_time, a cursor the server
    never issued, no start_time/cursor at all, or per_page=0 must each be a 400 InvalidValue."""
    params = {k: (int(time.time()) - 30 if v == "{recent}" else v) for k, v in params.items()}
    response = client.get(TICKETS, params=params)
    assert response.status_code == 400
    assert response.json()["error"] == "InvalidValue"


def test_start_time_just_over_a_minute_ago_is_accepted(client: httpx.Client) -> None:
    """start_time 2 minutes ago is valid and, the world ending weeks ago, gives an empty last page."""
    body = client.get(TICKETS, params={"start_time": int(time.time()) - 120}).json()
    assert body["tickets"] == [] and body["end_of_stream"] is True


# ---------------------------------------------------------------- time-based exports


def test_organizations_time_based_export(client: httpx.Client, world: World) -> None:
    """organizations.json from start_time=0 must return every company once, with count, end_time
    (the last record's updated_at), end_of_stream and a next_page pointing at start_time=end_time."""
    response = client.get(ORGANIZATIONS, params={"start_time": 0})
    assert response.status_code == 200
    body = response.json()
    ids = [o["id"] for o in body["organizations"]]
    assert body["count"] == len(ids) == len(world.companies) < 1000
    assert set(ids) == {c.id for c in world.companies}
    assert body["end_time"] == max(int(c.updated_at.timestamp()) for c in world.companies)
    assert body["end_of_stream"] is True
    assert query(body["next_page"])["start_time"] == str(body["end_time"])


def test_ticket_events_with_comment_events_page_by_time(client: httpx.Client, world: World) -> None:
    """ticket_events.json?include=comment_events from start_time=0, following next_page: pages of at
    least 1000 events until end_of_stream, count matching each page, consecutive pages overlapping
    only in the boundary second (end_time), and every comment of the world present with its body."""
    url = f"{TICKET_EVENTS}?start_time=0&include=comment_events"
    pages = []
    while True:
        response = client.get(url)
        assert response.status_code == 200
        body = response.json()
        pages.append(body)
        assert body["count"] == len(body["ticket_events"])
        assert query(body["next_page"])["start_time"] == str(body["end_time"])
        assert query(body["next_page"])["include"] == "comment_events"
        if body["end_of_stream"]:
            break
        assert len(pages) < 10, "end_of_stream never came"
        url = body["next_page"]
    total = sum(len(c.messages) for c in zendesk_tickets(world))
    assert len(pages) == -(-total // 1000)  # pages of 1000 (plus their boundary second)
    assert pages[0]["count"] >= 1000 and pages[0]["end_of_stream"] is False
    first, second = pages[:2]
    assert first["end_time"] == max(e["timestamp"] for e in first["ticket_events"])
    overlap = {e["id"] for e in first["ticket_events"]} & {e["id"] for e in second["ticket_events"]}
    boundary = {e["id"] for e in first["ticket_events"] if e["timestamp"] == first["end_time"]}
    assert overlap == boundary and boundary

    messages = {m.id: m for c in zendesk_tickets(world) for m in c.messages}
    comments = {}
    for page in pages:
        for event in page["ticket_events"]:
            (child,) = event["child_events"]
            assert child["event_type"] == "Comment" and event["ticket_id"] == messages[child["id"]].conversation_id
            comments[child["id"]] = child["body"]
    assert len(comments) == len(messages) > 1000
    assert all(comments[i] == m.body for i, m in messages.items())


@pytest.mark.parametrize("path", [ORGANIZATIONS, TICKET_EVENTS])
def test_time_based_export_rejects_recent_or_missing_start_time(client: httpx.Client, path: str) -> None:
    """Time-based exports need a start_time older than one minute: 30 s ago, missing or not a
    number must each get a 400 InvalidValue; 2 minutes ago must be an empty, final page."""
    for params in ({"start_time": int(time.time()) - 30}, {}, {"start_time": "soon"}):
        response = client.get(path, params=params)
        assert response.status_code == 400, params
        assert response.json()["error"] == "InvalidValue"
    start = int(time.time()) - 120
    body = client.get(path, params={"start_time": start}).json()
    assert body["count"] == 0 and body["end_of_stream"] is True and body["end_time"] == start


# ---------------------------------------------------------------- rate limits


def test_rate_limits_headers_429_and_reset(sandbox: SandboxProcess, client: httpx.Client) -> None:
    """With Zendesk's limits on (10 incremental requests per window, window shortened to 3 s): the
    first 10 exports succeed with X-Rate-Limit/ratelimit-remaining/ratelimit-reset counting down,
    the 11th gets 429 with Retry-After and Zendesk's error body, non-export endpoints and another
    credential are unaffected, and once Retry-After has passed exports succeed again."""
    sandbox.set_rate_limits(1.0, window_scale=0.05)
    params = {"start_time": 0, "per_page": 1}
    remaining = []
    for _ in range(10):
        response = client.get(TICKETS, params=params)
        assert response.status_code == 200
        assert response.headers["X-Rate-Limit"] == "10"
        assert response.headers["ratelimit-limit"] == "10"
        assert 1 <= int(response.headers["ratelimit-reset"]) <= 3
        remaining.append(int(response.headers["ratelimit-remaining"]))
    assert remaining == list(range(9, -1, -1))

    throttled = client.get(TICKETS, params=params)
    assert throttled.status_code == 429
    assert throttled.json() == {
        "error": "APIRateLimitExceeded",
        "description": "Number of allowed API requests per minute exceeded",
    }
    retry_after = int(throttled.headers["Retry-After"])
    assert 1 <= retry_after <= 3
    assert throttled.headers["ratelimit-remaining"] == "0"

    # Other endpoints count against the account-wide limit, not the export one.
    me = client.get("/api/v2/users/me.json")
    assert me.status_code == 200 and me.headers["X-Rate-Limit"] == "700"
    # Windows are per credential: the OAuth token still has its own 10.
    oauth = httpx.get(f"{api(sandbox)}{TICKETS}", params=params, headers={"Authorization": BEARER})
    assert oauth.status_code == 200 and oauth.headers["ratelimit-remaining"] == "9"
    assert sandbox.stats()["zendesk"]["rate_limited"] == 1

    time.sleep(retry_after + 0.05)
    again = client.get(TICKETS, params=params)
    assert again.status_code == 200
    assert again.headers["ratelimit-remaining"] == "9"


def test_no_rate_limit_headers_when_limits_are_off(client: httpx.Client) -> None:
    """With limits off (the fixture's default) 12 quick exports all succeed and carry no headers."""
    for _ in range(12):
        response = client.get(TICKETS, params={"start_time": 0, "per_page": 1})
        assert response.status_code == 200
        assert "X-Rate-Limit" not in response.headers and "ratelimit-remaining" not in response.headers


# ---------------------------------------------------------------- UTF-8


def test_arabic_is_served_as_utf8_not_escaped(client: httpx.Client, world: World) -> None:
    """Ticket descriptions and comment bodies in Arabic must be in the raw response bytes as UTF-8
    (exactly as json.dumps(ensure_ascii=False) writes them), never as \\u escapes."""
    arabic = [c for c in zendesk_tickets(world) if ARABIC.search(c.messages[0].body)]
    assert len(arabic) > 100
    tickets = client.get(TICKETS, params={"start_time": 0})
    assert tickets.headers["content-type"] == "application/json; charset=utf-8"
    raw = tickets.content
    for conv in arabic[:20]:
        assert json.dumps(conv.messages[0].body, ensure_ascii=False)[1:-1].encode("utf-8") in raw
    assert not re.search(rb"\\u06[0-9a-fA-F]{2}", raw)

    events = client.get(TICKET_EVENTS, params={"start_time": 0, "include": "comment_events"}).content
    message = next(m for m in world.messages() if ARABIC.search(m.body))
    assert json.dumps(message.body, ensure_ascii=False)[1:-1].encode("utf-8") in events
    assert not re.search(rb"\\u06[0-9a-fA-F]{2}", events)
