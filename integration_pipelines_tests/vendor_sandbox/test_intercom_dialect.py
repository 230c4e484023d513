"""The sandbox's Intercom dialect over real HTTP: auth, version header, search, paging, parts, limits.

Plain ``httpx`` against this module's own sandbox process (the session sandbox serves Zendesk only),
so these tests pin down exactly what the fake Intercom promises a connector: API 2.11's paths,
fields, cursors, strict operators, day-granular contact search, error bodies and rate-limit headers.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest

from vendor_sandbox.crm import Crm
from vendor_sandbox.dialects.intercom import ACCESS_TOKEN, RATE_LIMIT, render
from vendor_sandbox.faults import FaultConfig
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import Conversation, Person, World

AUTH = {"Authorization": f"Bearer {ACCESS_TOKEN}"}
VERSION = {"Intercom-Version": "2.11"}
ARABIC = re.compile("[\u0600-\u06ff]")
DAY = 86_400


SANDBOX_DIALECTS = "intercom"  # this module's own sandbox (fixtures vendor_server / vendor_sandbox)


@pytest.fixture
def sandbox(vendor_sandbox: SandboxProcess) -> SandboxProcess:
    return vendor_sandbox


@pytest.fixture
def client(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{sandbox.url}/intercom", headers={**AUTH, **VERSION}, timeout=10) as c:
        yield c


def visible_conversations(world: World, crm: Crm) -> list[Conversation]:
    """Intercom never lists deleted conversations, nor those of archived contacts."""
    return [
        c
        for c in crm.conversations(world, "intercom")
        if c.deleted_at is None and c.requester_id not in crm.deleted_people
    ]


def visible_customers(world: World, crm: Crm) -> list[Person]:
    return [p for p in world.people if p.role == "customer" and p.id not in crm.deleted_people]


def ts(moment: datetime) -> int:
    return int(moment.timestamp())


def window(field: str, gt: int, lt: int) -> dict:
    return {
        "operator": "AND",
        "value": [{"field": field, "operator": ">", "value": gt}, {"field": field, "operator": "<", "value": lt}],
    }


def search_all(client: httpx.Client, path: str, query: dict, per_page: int) -> tuple[list[dict], list[dict]]:
    """Follow starting_after to the end; returns every record and every page's ``pages`` object."""
    key = "conversations" if path.startswith("/conversations") else "data"
    records, pages, pagination = [], [], {"per_page": per_page}
    while True:
        response = client.post(path, json={"query": query, "pagination": pagination})
        assert response.status_code == 200, response.text
        body = response.json()
        records += body[key]
        pages.append(body["pages"])
        if "next" not in body["pages"]:
            return records, pages
        assert len(pages) < 100, "the cursor never ended"
        pagination = {"per_page": per_page, "starting_after": body["pages"]["next"]["starting_after"]}


# ---------------------------------------------------------------- auth, version, errors


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-the-token", f"Basic {ACCESS_TOKEN}", None],
    ids=["wrong-token", "not-bearer", "missing"],
)
def test_bad_or_missing_token_gets_intercom_401(sandbox: SandboxProcess, authorization: str | None) -> None:
    headers = {**VERSION, **({"Authorization": authorization} if authorization else {})}
    with httpx.Client(base_url=f"{sandbox.url}/intercom", headers=headers, timeout=10) as c:
        for response in (c.get("/me"), c.post("/conversations/search", json={"query": window("updated_at", 0, 2)})):
            assert response.status_code == 401
            body = response.json()
            assert body["type"] == "error.list" and body["request_id"]
            assert body["errors"] == [{"code": "unauthorized", "message": "Access Token Invalid"}]
            assert "x-ratelimit-limit" not in response.headers  # only sent to authenticated callers
    assert sandbox.stats()["intercom"]["unauthorized"] == 2


@pytest.mark.parametrize("version", [None, "9.99", "1.4", ""])
def test_missing_or_unknown_version_header_is_rejected(sandbox: SandboxProcess, version: str | None) -> None:
    headers = {**AUTH, **({"Intercom-Version": version} if version is not None else {})}
    response = httpx.get(f"{sandbox.url}/intercom/me", headers=headers)
    assert response.status_code == 400
    assert response.json()["type"] == "error.list"
    assert response.json()["errors"][0]["code"] == "intercom_version_invalid"


@pytest.mark.parametrize("version", ["2.9", "2.10", "2.11"])
def test_supported_versions_are_served(sandbox: SandboxProcess, version: str) -> None:
    response = httpx.get(f"{sandbox.url}/intercom/me", headers={**AUTH, "Intercom-Version": version})
    assert response.status_code == 200
    assert response.json()["type"] == "admin" and response.json()["app"]["id_code"] == render.WORKSPACE_ID


def test_admins_are_the_agents_without_the_bot(client: httpx.Client, world: World) -> None:
    bots = {m.author_id for c in world.conversations for m in c.messages if m.author_role == "system"}
    expected = {str(p.id) for p in world.people if p.role == "agent" and p.id not in bots}
    body = client.get("/admins").json()
    assert body["type"] == "admin.list" and {a["id"] for a in body["admins"]} == expected and bots


# ---------------------------------------------------------------- search and paging


@pytest.mark.parametrize("path", ["/conversations/search", "/contacts/search", "/conversations"])
def test_per_page_above_150_is_rejected(client: httpx.Client, path: str) -> None:
    def ask(per_page: object) -> httpx.Response:
        if path == "/conversations":
            return client.get(path, params={"per_page": per_page})
        return client.post(path, json={"query": window("updated_at", 0, 2**31), "pagination": {"per_page": per_page}})

    for bad in (151, 1000, 0):
        response = ask(bad)
        assert response.status_code == 400, bad
        assert response.json()["errors"][0]["code"] == "parameter_invalid"
    assert ask(150).status_code == 200


def test_starting_after_walks_every_conversation_exactly_once(client: httpx.Client, world: World, crm: Crm) -> None:
    expected = visible_conversations(world, crm)
    records, pages = search_all(client, "/conversations/search", window("updated_at", 0, 2**31), per_page=40)
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)) and set(ids) == {str(c.id) for c in expected}
    order = [(r["updated_at"], int(r["id"])) for r in records]
    assert order == sorted(order)
    assert [p["page"] for p in pages] == list(range(1, len(pages) + 1))
    assert len(pages) == pages[0]["total_pages"] == -(-len(expected) // 40)
    assert all(p["next"]["page"] == p["page"] + 1 for p in pages[:-1])
    assert "conversation_parts" not in records[0], "search results carry no parts"
    deleted = [c for c in crm.conversations(world, "intercom") if c.deleted_at or c.requester_id in crm.deleted_people]
    assert deleted and not {str(c.id) for c in deleted} & set(ids)


def test_list_conversations_pages_like_search(client: httpx.Client, world: World, crm: Crm) -> None:
    ids, params = [], {"per_page": 150}
    while True:
        body = client.get("/conversations", params=params).json()
        assert body["type"] == "conversation.list"
        ids += [c["id"] for c in body["conversations"]]
        if "next" not in body["pages"]:
            break
        params = {"per_page": 150, "starting_after": body["pages"]["next"]["starting_after"]}
    assert sorted(ids) == sorted(str(c.id) for c in visible_conversations(world, crm))


def test_contact_search_pages_every_visible_customer(client: httpx.Client, world: World, crm: Crm) -> None:
    records, pages = search_all(client, "/contacts/search", window("updated_at", 0, 2**31), per_page=150)
    assert {r["external_id"] for r in records} == {str(p.id) for p in visible_customers(world, crm)}
    assert len(records) == len({r["id"] for r in records})
    assert all(re.fullmatch("[0-9a-f]{24}", r["id"]) and r["role"] == "user" for r in records)
    assert not {str(p) for p in crm.deleted_people} & {r["external_id"] for r in records}, "archived contacts listed"
    assert len(pages) > 1 and pages[-1]["page"] == len(pages)


def test_conversation_search_operators_are_strict_to_the_second(client: httpx.Client, world: World, crm: Crm) -> None:
    target = visible_conversations(world, crm)[len(visible_conversations(world, crm)) // 2]
    t = ts(target.updated_at)

    def ids(query: dict) -> set[str]:
        return {r["id"] for r in search_all(client, "/conversations/search", query, 150)[0]}

    assert str(target.id) not in ids({"field": "updated_at", "operator": ">", "value": t})
    assert str(target.id) in ids({"field": "updated_at", "operator": ">", "value": t - 1})
    assert str(target.id) not in ids({"field": "updated_at", "operator": "<", "value": t})
    assert str(target.id) in ids(window("updated_at", t - 1, t + 1))
    exact = {str(c.id) for c in visible_conversations(world, crm) if ts(c.updated_at) == t}
    assert ids({"field": "updated_at", "operator": "=", "value": t}) == exact


def test_contact_search_compares_timestamps_by_day(client: httpx.Client, world: World, crm: Crm) -> None:
    """Intercom indexes contact timestamps as dates: ``> 09:00 on D`` means "from D+1 00:00"."""
    customers = visible_customers(world, crm)
    day = ts(customers[len(customers) // 2].updated_at) // DAY * DAY
    by_day = {p: ts(p.updated_at) // DAY * DAY for p in customers}

    def external_ids(query: dict) -> set[str]:
        return {r["external_id"] for r in search_all(client, "/contacts/search", query, 150)[0]}

    after = external_ids({"field": "updated_at", "operator": ">", "value": day + 9 * 3600})
    assert after == {str(p.id) for p, d in by_day.items() if d > day}
    on_day = external_ids({"field": "updated_at", "operator": "=", "value": day + 12_345})
    assert on_day == {str(p.id) for p, d in by_day.items() if d == day} and on_day
    assert external_ids(window("updated_at", day - 1, day + DAY)) == on_day


def test_nested_and_or_queries(client: httpx.Client, world: World, crm: Crm) -> None:
    query = {
        "operator": "AND",
        "value": [
            {
                "operator": "OR",
                "value": [
                    {"field": "state", "operator": "=", "value": "snoozed"},
                    {"field": "priority", "operator": "=", "value": "priority"},
                ],
            },
            {"field": "source.type", "operator": "IN", "value": ["whatsapp"]},
        ],
    }
    expected = {
        str(c.id)
        for c in visible_conversations(world, crm)
        if c.channel == "whatsapp" and (render.STATE[c.status] == "snoozed" or c.priority in ("urgent", "high"))
    }
    found = {r["id"] for r in search_all(client, "/conversations/search", query, 150)[0]}
    assert found == expected and expected


TOO_MANY = {"operator": "OR", "value": [{"field": "id", "operator": "=", "value": str(n)} for n in range(16)]}
TOO_DEEP = {"operator": "AND", "value": [{"operator": "OR", "value": [window("updated_at", 0, 1)]}]}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"query": {"field": "subject", "operator": "=", "value": "x"}}, "invalid_field"),
        ({"query": {"field": "updated_at", "operator": ">=", "value": 1}}, "invalid_operator"),
        ({"query": {"field": "updated_at", "operator": "~", "value": 1}}, "invalid_operator"),
        ({"query": {"field": "updated_at", "operator": ">", "value": "yesterday"}}, "invalid_value"),
        ({"query": {"field": "open", "operator": "=", "value": "yes"}}, "invalid_value"),
        ({"query": TOO_MANY}, "invalid_value"),
        ({"query": TOO_DEEP}, "invalid_query"),
        ({"query": {"operator": "AND", "value": []}}, "parameter_invalid"),
        ({"pagination": {"per_page": 5}}, "parameter_not_found"),
        ({"query": window("updated_at", 0, 9), "pagination": {"starting_after": "not-a-cursor"}}, "parameter_invalid"),
    ],
    ids=[
        "unknown-field",
        "ge-operator",
        "text-operator-on-date",
        "date-as-text",
        "bool-as-text",
        "16-filters",
        "3-levels",
        "empty-group",
        "no-query",
        "bad-cursor",
    ],
)
def test_invalid_search_requests_get_400_error_list(client: httpx.Client, body: dict, code: str) -> None:
    response = client.post("/conversations/search", json=body)
    assert response.status_code == 400
    assert response.json()["type"] == "error.list" and response.json()["errors"][0]["code"] == code


def test_body_that_is_not_json_is_rejected(client: httpx.Client) -> None:
    response = client.post("/contacts/search", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "parameter_invalid"


# ---------------------------------------------------------------- conversation details


def test_conversation_detail_carries_source_and_parts(client: httpx.Client, world: World, crm: Crm) -> None:
    sample = [c for c in visible_conversations(world, crm) if len(c.messages) >= 3][:15]
    assert sample
    for conv in sample:
        response = client.get(f"/conversations/{conv.id}", params={"display_as": "plaintext"})
        assert response.status_code == 200
        body = response.json()
        assert body["source"]["id"] == str(conv.messages[0].id)
        assert body["source"]["body"] == conv.messages[0].body  # plain text, byte for byte
        assert body["source"]["author"]["id"] == render.contact_id(world.person(conv.requester_id))
        listing = body["conversation_parts"]
        assert listing["type"] == "conversation_part.list"
        assert listing["total_count"] == len(listing["conversation_parts"])
        messages = {m.id: m for m in conv.messages[1:]}
        parts = [p for p in listing["conversation_parts"] if p["part_type"] != "assignment"]
        assert {int(p["id"]) for p in parts} == set(messages)
        for part in parts:
            message = messages[int(part["id"])]
            assert part["body"] == message.body and part["created_at"] == ts(message.created_at)
            assert part["author"]["type"] == render.AUTHOR_TYPE[message.author_role]
            assert (part["part_type"] == "note") == (not message.public)
        assignments = [p for p in listing["conversation_parts"] if p["part_type"] == "assignment"]
        assert len(assignments) == (conv.assignee_id is not None)
        assert all(p["body"] is None and p["assigned_to"]["id"] == str(conv.assignee_id) for p in assignments)
        assert body["updated_at"] == ts(conv.updated_at)


def test_bodies_are_html_unless_plaintext_is_asked_and_utf8_unescaped(
    client: httpx.Client, world: World, crm: Crm
) -> None:
    conv = next(
        c for c in visible_conversations(world, crm) if "\n" in c.messages[0].body and ARABIC.search(c.messages[0].body)
    )
    response = client.get(f"/conversations/{conv.id}")
    assert ARABIC.search(response.content.decode("utf-8")), "Arabic must travel as UTF-8, not \\u escapes"
    source = response.json()["source"]["body"]
    assert source.startswith("<p>") and source.count("<p>") == conv.messages[0].body.count("\n") + 1


def test_deleted_and_archived_conversations_are_404(client: httpx.Client, world: World, crm: Crm) -> None:
    hidden = [c for c in crm.conversations(world, "intercom") if c.deleted_at or c.requester_id in crm.deleted_people]
    for conv in hidden[:5] + [None]:
        response = client.get(f"/conversations/{conv.id if conv else 'no-such-id'}")
        assert response.status_code == 404
        assert response.json()["errors"] == [{"code": "not_found", "message": "Resource Not Found"}]


# ---------------------------------------------------------------- rate limits and faults


def test_rate_limit_headers_count_down_then_429(sandbox: SandboxProcess, client: httpx.Client) -> None:
    sandbox.set_rate_limits(2.5 / RATE_LIMIT.requests, window_scale=0.3)  # 2 requests per 3 s window
    before = time.time()
    first, second, third = (client.get("/me") for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [200, 200, 429]
    assert (first.headers["x-ratelimit-limit"], first.headers["x-ratelimit-remaining"]) == ("2", "1")
    assert second.headers["x-ratelimit-remaining"] == "0"
    reset = int(second.headers["x-ratelimit-reset"])  # a Unix time, not a delay
    assert before < reset <= time.time() + 5
    body = third.json()
    assert body["type"] == "error.list" and body["errors"][0]["code"] == "rate_limit_exceeded"
    assert third.headers["x-ratelimit-remaining"] == "0" and "retry-after" not in third.headers
    assert sandbox.stats()["intercom"]["rate_limited"] == 1


def test_injected_faults_use_intercom_error_shapes(sandbox: SandboxProcess, client: httpx.Client) -> None:
    sandbox.set_faults(FaultConfig(rate_429=1.0, retry_after_seconds=2))
    throttled = client.get("/me")
    assert throttled.status_code == 429 and throttled.json()["errors"][0]["code"] == "rate_limit_exceeded"
    assert time.time() < int(throttled.headers["x-ratelimit-reset"]) <= time.time() + 3
    for status, code in ((503, "service_unavailable"), (500, "server_error")):
        sandbox.set_faults(FaultConfig(**{f"rate_{status}": 1.0}))
        response = client.get("/me")
        assert response.status_code == status and response.json()["errors"][0]["code"] == code
    sandbox.set_faults(FaultConfig(rate_truncate=1.0))
    with pytest.raises(json.JSONDecodeError):
        json.loads(client.get("/admins").content)
