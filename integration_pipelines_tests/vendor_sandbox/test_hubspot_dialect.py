"""The sandbox's HubSpot dialect over real HTTP: auth, list paging, search rules, the 10,000 cap, limits.

Plain ``httpx`` against this module's own sandbox process (the session's serves only Zendesk), so
these tests pin down what the fake HubSpot promises the connector: HubSpot's paths, bodies and errors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest

from integration_pipelines_tests.fixtures.sandbox import TEST_LEADS
from vendor_sandbox.crm import Crm
from vendor_sandbox.dialects import hubspot as hubspot_sandbox
from vendor_sandbox.dialects.hubspot.render import hubspot_id
from vendor_sandbox.faults import FaultConfig
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

BEARER = {"Authorization": f"Bearer {hubspot_sandbox.ACCESS_TOKEN}"}
CONTACTS = "/crm/v3/objects/contacts"
SEARCH = "/crm/v3/objects/contacts/search"
ARABIC = re.compile("[\u0600-\u06ff]")


SANDBOX_DIALECTS = "hubspot"  # this module's own sandbox (fixtures vendor_server / vendor_sandbox)


@pytest.fixture
def sandbox(vendor_sandbox: SandboxProcess) -> SandboxProcess:
    return vendor_sandbox


@pytest.fixture
def client(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{sandbox.url}/hubspot", headers=BEARER, timeout=10) as c:
        yield c


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def window(prop: str, start: datetime, end: datetime) -> list[dict]:
    return [
        {
            "filters": [
                {"propertyName": prop, "operator": "GTE", "value": str(ms(start))},
                {"propertyName": prop, "operator": "LT", "value": str(ms(end))},
            ]
        }
    ]


def live_contacts(world: World, crm: Crm) -> dict[int, datetime]:
    """Contact id → last modified, for contacts not archived: customers and the import's leads."""
    found = {
        hubspot_id("contacts", p.id): p.updated_at
        for p in world.people
        if p.role == "customer" and p.id not in crm.deleted_people
    }
    found.update({lead.id: lead.updated_at for lead in crm.leads})
    return found


# ---------------------------------------------------------------- auth


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-the-token"}], ids=["none", "wrong"])
def test_missing_or_wrong_token_gets_hubspots_401(sandbox: SandboxProcess, headers: dict[str, str]) -> None:
    with httpx.Client(base_url=f"{sandbox.url}/hubspot", headers=headers, timeout=10) as c:
        for response in (c.get(CONTACTS), c.post(SEARCH, json={"limit": 1})):
            assert response.status_code == 401
            body = response.json()
            assert body["status"] == "error" and body["category"] == "INVALID_AUTHENTICATION"
            assert body["message"].startswith("Authentication credentials not found") and body["correlationId"]
    assert sandbox.stats()["hubspot"]["unauthorized"] == 2


def test_oauth_token_endpoint_issues_tokens_that_can_expire(sandbox: SandboxProcess) -> None:
    form = {
        "grant_type": "refresh_token",
        "client_id": hubspot_sandbox.CLIENT_ID,
        "client_secret": hubspot_sandbox.CLIENT_SECRET,
        "refresh_token": hubspot_sandbox.REFRESH_TOKEN,
    }
    with httpx.Client(base_url=f"{sandbox.url}/hubspot", timeout=10) as c:
        issued = c.post("/oauth/v1/token", data=form).json()
        assert issued["token_type"] == "bearer" and issued["expires_in"] == 1800
        bearer = {"Authorization": f"Bearer {issued['access_token']}"}
        assert c.get("/account-info/v3/details", headers=bearer).json()["auth"] == "oauth-app"
        bad = c.post("/oauth/v1/token", data={**form, "refresh_token": "nope"})
        assert bad.status_code == 400 and bad.json()["status"] == "BAD_REFRESH_TOKEN"
        sandbox.admin("hubspot", "expire_tokens")
        expired = c.get(CONTACTS, headers=bearer)
        assert expired.status_code == 401 and expired.json()["category"] == "EXPIRED_AUTHENTICATION"


# ---------------------------------------------------------------- list API


def test_list_pages_every_live_contact_once_in_id_order(client: httpx.Client, world: World, crm: Crm) -> None:
    """limit=100 (larger limits are capped to 100), opaque after cursors, paging.next on all but the last."""
    params: dict[str, object] = {"limit": 500, "properties": "email,lastmodifieddate"}
    ids, pages = [], 0
    while True:
        body = client.get(CONTACTS, params=params).json()
        pages += 1
        assert len(body["results"]) <= 100
        for record in body["results"]:
            assert set(record) == {"id", "properties", "createdAt", "updatedAt", "archived"}
            assert set(record["properties"]) == {"email", "lastmodifieddate"} and record["archived"] is False
        ids += [int(r["id"]) for r in body["results"]]
        if "paging" not in body:
            break
        assert body["paging"]["next"]["link"].endswith(f"after={body['paging']['next']['after']}")
        params["after"] = body["paging"]["next"]["after"]
    expected = live_contacts(world, crm)
    assert ids == sorted(expected) and pages == -(-len(expected) // 100)
    assert len(expected) > TEST_LEADS


def test_archived_listing_holds_only_archived_records(client: httpx.Client, world: World, crm: Crm) -> None:
    body = client.get(CONTACTS, params={"archived": "true", "limit": 100}).json()
    assert {int(r["id"]): r["archivedAt"] for r in body["results"]} == {
        hubspot_id("contacts", pid): at.strftime("%Y-%m-%dT%H:%M:%S.000Z") for pid, at in crm.deleted_people.items()
    }
    assert all(r["archived"] is True for r in body["results"]) and crm.deleted_people
    tickets = client.get("/crm/v3/objects/tickets", params={"archived": "true"}).json()["results"]
    deleted = {hubspot_id("tickets", c.id) for c in crm.conversations(world, "hubspot") if c.deleted_at}
    assert {int(t["id"]) for t in tickets} == deleted and deleted


@pytest.mark.parametrize("params", [{"limit": "ten"}, {"limit": 0}, {"after": "not-a-cursor!"}])
def test_invalid_list_parameters_get_400(client: httpx.Client, params: dict[str, object]) -> None:
    response = client.get(CONTACTS, params=params)
    assert response.status_code == 400 and response.json()["category"] == "VALIDATION_ERROR"


def test_unknown_object_type(client: httpx.Client) -> None:
    response = client.get("/crm/v3/objects/widgets")
    assert response.status_code == 400 and "widgets" in response.json()["message"]


# ---------------------------------------------------------------- properties API


@pytest.mark.parametrize(
    ("kind", "lastmod", "key"),
    [
        ("contacts", "lastmodifieddate", "email"),
        ("companies", "hs_lastmodifieddate", "domain"),
        ("tickets", "hs_lastmodifieddate", "hs_pipeline_stage"),
        ("deals", "hs_lastmodifieddate", "dealstage"),
    ],
)
def test_properties_api(client: httpx.Client, kind: str, lastmod: str, key: str) -> None:
    results = client.get(f"/crm/v3/properties/{kind}").json()["results"]
    by_name = {p["name"]: p for p in results}
    assert {lastmod, "createdate", "hs_object_id", key} <= set(by_name)
    assert by_name[lastmod]["type"] == "datetime" and by_name[lastmod]["fieldType"] == "date"
    assert all({"name", "label", "type", "fieldType", "groupName"} <= set(p) for p in results)


# ---------------------------------------------------------------- search API


def test_search_filters_on_last_modified_sorts_and_pages(client: httpx.Client, world: World, crm: Crm) -> None:
    """GTE/LT on lastmodifieddate (epoch ms) gives exactly that window, ascending, offset-paged, with total."""
    anchor = world.config.anchor
    start, end = anchor - timedelta(days=5), anchor - timedelta(days=4)
    expected = {i: t for i, t in live_contacts(world, crm).items() if start <= t < end}
    body = {
        "filterGroups": window("lastmodifieddate", start, end),
        "limit": 20,
        "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
        "properties": ["email"],
    }
    records, after = [], None
    while True:
        page = client.post(SEARCH, json={**body, **({"after": after} if after else {})}).json()
        assert page["total"] == len(expected) and len(page["results"]) <= 20
        records += page["results"]
        after = page.get("paging", {}).get("next", {}).get("after")
        if after is None:
            break
        assert after == str(len(records))
    assert [int(r["id"]) for r in records] == sorted(expected, key=lambda i: (expected[i], i)) and expected
    # the requested properties, plus the ones HubSpot always returns
    assert set(records[0]["properties"]) == {"email", "createdate", "lastmodifieddate", "hs_object_id"}


def test_search_never_returns_archived_records(client: httpx.Client, crm: Crm) -> None:
    archived = {str(hubspot_id("contacts", pid)) for pid in crm.deleted_people}
    everything = {
        "filterGroups": [{"filters": [{"propertyName": "hs_object_id", "operator": "LT", "value": "10000000"}]}],
        "limit": 200,
    }
    found = set()
    for after in (0, 200, 400):
        found |= {r["id"] for r in client.post(SEARCH, json={**everything, "after": after}).json()["results"]}
    assert archived and not archived & found


def test_search_serves_arabic_as_utf8(client: httpx.Client, world: World, crm: Crm) -> None:
    raw = client.post("/crm/v3/objects/tickets/search", json={"limit": 200, "properties": ["content"]}).content
    arabic = [c for c in crm.conversations(world, "hubspot") if not c.deleted_at and ARABIC.search(c.messages[0].body)]
    assert arabic and json.dumps(arabic[0].messages[0].body, ensure_ascii=False)[1:-1].encode() in raw
    assert not re.search(rb"\\u06[0-9a-fA-F]{2}", raw)


@pytest.mark.parametrize(
    "body",
    [
        {"limit": 201},
        {"limit": 0},
        {"limit": "200"},
        {"limit": 10, "after": "ten"},
        {"filterGroups": [{"filters": [{"propertyName": "no_such_property", "operator": "EQ", "value": "x"}]}]},
        {"filterGroups": [{"filters": [{"propertyName": "lastmodifieddate", "operator": "AFTER", "value": "1"}]}]},
        {
            "filterGroups": [
                {"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": "yesterday"}]}
            ]
        },
        {"filterGroups": [{"filters": []}] * 6},
        {"sorts": [{"propertyName": "lastmodifieddate"}, {"propertyName": "createdate"}]},
        {"sorts": [{"propertyName": "lastmodifieddate", "direction": "UP"}]},
    ],
    ids=[
        "limit-201",
        "limit-0",
        "limit-string",
        "after-not-offset",
        "unknown-property",
        "unknown-operator",
        "date-not-ms",
        "six-filter-groups",
        "two-sorts",
        "bad-direction",
    ],
)
def test_invalid_search_bodies_get_validation_error(client: httpx.Client, body: dict) -> None:
    response = client.post(SEARCH, json=body)
    assert response.status_code == 400
    assert response.json()["status"] == "error" and response.json()["category"] == "VALIDATION_ERROR"


def test_search_refuses_paging_past_10000(client: httpx.Client, crm: Crm) -> None:
    """The import day holds > 10,000 contacts: offsets serve up to the 10,000th result, never beyond."""
    body = {
        "filterGroups": window("lastmodifieddate", crm.import_day, crm.import_day + timedelta(days=1)),
        "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
        "limit": 200,
    }
    near = client.post(SEARCH, json={**body, "after": "9900"}).json()
    assert near["total"] > 10_000 and len(near["results"]) == 100
    assert near["paging"]["next"]["after"] == "10000"
    beyond = client.post(SEARCH, json={**body, "after": "10000"})
    assert beyond.status_code == 400
    error = beyond.json()
    assert error["category"] == "VALIDATION_ERROR" and "10000" in error["message"] and error["correlationId"]


# ---------------------------------------------------------------- rate limits and faults


def test_rate_limit_headers_and_429s(sandbox: SandboxProcess, client: httpx.Client) -> None:
    """The ten-second limit (190) reports X-HubSpot-RateLimit-* headers; search (5/s) reports none;
    over either, a 429 carries HubSpot's RATE_LIMIT body naming the policy."""
    sandbox.set_rate_limits(1.0)
    remaining = []
    for _ in range(190):
        response = client.get(CONTACTS, params={"limit": 1})
        assert response.status_code == 200
        remaining.append(int(response.headers["X-HubSpot-RateLimit-Remaining"]))
    assert remaining == list(range(189, -1, -1))
    headers = response.headers
    assert headers["X-HubSpot-RateLimit-Max"] == "190"
    assert headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert int(headers["X-HubSpot-RateLimit-Daily"]) - int(headers["X-HubSpot-RateLimit-Daily-Remaining"]) >= 190
    throttled = client.get(CONTACTS)
    assert throttled.status_code == 429 and throttled.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert throttled.json()["policyName"] == "TEN_SECONDLY_ROLLING"
    assert throttled.json()["message"] == "You have reached your ten_secondly_rolling limit."
    assert throttled.json()["errorType"] == "RATE_LIMIT"

    searches = [client.post(SEARCH, json={"limit": 1}) for _ in range(6)]  # a separate limit
    assert [r.status_code for r in searches] == [200] * 5 + [429]
    assert not any(k.lower().startswith("x-hubspot-ratelimit") for r in searches for k in r.headers)
    assert searches[-1].json()["policyName"] == "SECONDLY"
    assert sandbox.stats()["hubspot"]["rate_limited"] == 2


def test_shortened_windows_report_their_interval(sandbox: SandboxProcess, client: httpx.Client) -> None:
    sandbox.set_rate_limits(1.0, window_scale=0.05)
    assert client.get(CONTACTS).headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "500"


def test_no_rate_limit_headers_when_limits_are_off(client: httpx.Client) -> None:
    for _ in range(10):
        response = client.post(SEARCH, json={"limit": 1})
        assert response.status_code == 200
    assert not any(k.lower().startswith("x-hubspot") for k in client.get(CONTACTS).headers)


@pytest.mark.parametrize(
    ("rate", "status", "category"), [("rate_500", 500, "INTERNAL_ERROR"), ("rate_503", 503, "SERVICE_UNAVAILABLE")]
)
def test_server_errors_have_hubspots_shape(
    sandbox: SandboxProcess, client: httpx.Client, rate: str, status: int, category: str
) -> None:
    sandbox.set_faults(FaultConfig.model_validate({rate: 1.0}))
    response = client.get(CONTACTS)
    assert response.status_code == status and response.json()["category"] == category
