"""The sandbox's Salesforce dialect: login, SOQL subset, query paging, Bulk API 2.0 jobs, limits.

Plain ``httpx`` against this module's own sandbox (serving only Salesforce), so these tests pin down
what the fake Salesforce promises the connector, in Salesforce's own paths, fields and error shapes.
The SOQL parser is also tested in-process.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from vendor_sandbox.crm import Crm
from vendor_sandbox.dialects.salesforce import CLIENT_ID, CLIENT_SECRET, USERNAME
from vendor_sandbox.dialects.salesforce.render import (
    SObjectTable,
    build_tables,
    sf_id,
)
from vendor_sandbox.dialects.salesforce.soql import SoqlError, parse
from vendor_sandbox.faults import FaultConfig
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

V = "/services/data/v60.0"
ARABIC = re.compile("[\u0600-\u06ff]")
GOOD_SOQL = "SELECT Id, IsDeleted, SystemModstamp FROM {obj} WHERE SystemModstamp >= {lo} AND SystemModstamp < {hi}"


SANDBOX_DIALECTS = "salesforce"  # this module's own sandbox (fixtures vendor_server / vendor_sandbox)


@pytest.fixture
def sf(vendor_sandbox: SandboxProcess) -> SandboxProcess:
    return vendor_sandbox


def login(sf: SandboxProcess, **form: str) -> httpx.Response:
    data = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **form}
    return httpx.post(f"{sf.url}/salesforce/services/oauth2/token", data=data)


@pytest.fixture
def api(sf: SandboxProcess) -> Iterator[httpx.Client]:
    """A client on the instance URL with a fresh access token."""
    body = login(sf).json()
    with httpx.Client(
        base_url=body["instance_url"] + "/", timeout=10, headers={"Authorization": f"Bearer {body['access_token']}"}
    ) as client:
        yield client


@pytest.fixture(scope="module")
def tables(world: World, crm: Crm) -> dict[str, SObjectTable]:
    return build_tables(world, crm)


def soql_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- login


def test_client_credentials_login(sf: SandboxProcess) -> None:
    """The token response carries a token, the sandbox's own instance URL and a verifiable signature."""
    response = login(sf)
    assert response.status_code == 200
    body = response.json()
    assert body["instance_url"] == f"{sf.url}/salesforce" and body["token_type"] == "Bearer"
    assert body["access_token"].startswith("00D") and body["issued_at"].isdigit()
    expected = hmac.new(CLIENT_SECRET.encode(), (body["id"] + body["issued_at"]).encode(), hashlib.sha256).digest()
    assert base64.b64decode(body["signature"]) == expected
    assert sf.admin("salesforce", "sessions") == {"issued": 1, "active": 1}
    assert "sforce-limit-info" not in response.headers  # a login is not an API call


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"client_secret": "wrong"}, "invalid_client"),
        ({"client_id": "3MVG9-unknown"}, "invalid_client_id"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
    ],
)
def test_login_errors_are_oauth_400s(sf: SandboxProcess, form: dict[str, str], error: str) -> None:
    response = login(sf, **form)
    assert response.status_code == 400
    assert response.json()["error"] == error and response.json()["error_description"]


@pytest.fixture(scope="module")
def keys() -> tuple[str, str, str]:
    """(private PEM, its public PEM, another private PEM) for the JWT bearer flow."""

    def private() -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    key, other = private(), private()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    other_pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return pem, public, other_pem


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({}, None),
        ({"aud": "https://evil.example"}, "invalid_grant"),
        ({"exp": -60}, "invalid_grant"),
        ({"iss": "someone-else"}, "invalid_client_id"),
        ({"sub": "nobody@sandbox.example"}, "invalid_grant"),
        ({"key": "other"}, "invalid_grant"),
    ],
    ids=["valid", "wrong-audience", "expired", "wrong-issuer", "unknown-user", "wrong-key"],
)
def test_jwt_bearer_assertions(sf: SandboxProcess, keys: tuple[str, str, str], change: dict, error: str | None) -> None:
    """An RS256 assertion (iss = client id, sub = username, aud = login URL, future exp) signed by the
    registered key gets a token; each broken claim or key gets Salesforce's OAuth error."""
    pem, public, other = keys
    sf.admin("salesforce", "jwt-key", public_key=public)
    claims = {"iss": CLIENT_ID, "sub": USERNAME, "aud": "https://test.salesforce.com", "exp": int(time.time()) + 120}
    claims.update({k: v for k, v in change.items() if k != "key"})
    if "exp" in change:
        claims["exp"] = int(time.time()) + change["exp"]
    assertion = jwt.encode(claims, other if change.get("key") else pem, algorithm="RS256")
    response = httpx.post(
        f"{sf.url}/salesforce/services/oauth2/token",
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
    )
    if error is None:
        assert response.status_code == 200 and response.json()["instance_url"] == f"{sf.url}/salesforce"
    else:
        assert response.status_code == 400 and response.json()["error"] == error


def test_jwt_without_registered_key_and_bad_key_upload(sf: SandboxProcess, keys: tuple[str, str, str]) -> None:
    assertion = jwt.encode(
        {"iss": CLIENT_ID, "sub": USERNAME, "aud": sf.url, "exp": int(time.time()) + 60}, keys[0], algorithm="RS256"
    )
    response = httpx.post(
        f"{sf.url}/salesforce/services/oauth2/token",
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_client"
    with pytest.raises(httpx.HTTPStatusError) as excinfo:
        sf.admin("salesforce", "jwt-key", public_key="not a key")
    assert excinfo.value.response.status_code == 422


@pytest.mark.parametrize("authorization", ["Bearer 00D-made-up", "", "Basic dXNlcjpwYXNz"])
def test_missing_or_bad_session_is_401_invalid_session_id(sf: SandboxProcess, authorization: str) -> None:
    response = httpx.get(f"{sf.url}/salesforce{V}/limits", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_expired_sessions_get_401(sf: SandboxProcess, api: httpx.Client) -> None:
    assert api.get("services/data/v60.0/limits").status_code == 200
    assert sf.admin("salesforce", "expire-sessions") == {"expired": 1}
    response = api.get("services/data/v60.0/limits")
    assert response.status_code == 401 and response.json()[0]["errorCode"] == "INVALID_SESSION_ID"


# ---------------------------------------------------------------- SOQL subset (in-process)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT Id FROM Case",
        "select id, subject from case where systemmodstamp >= 2026-10-01T00:00:00Z",
        "SELECT Id FROM Case WHERE SystemModstamp >= 2026-10-01T00:00:00.000Z "
        "AND SystemModstamp < 2026-10-02T00:00:00Z ORDER BY SystemModstamp, Id",
        "SELECT Id FROM Case WHERE SystemModstamp > 2026-10-01T03:00:00+03:00 ORDER BY SystemModstamp ASC, Id ASC",
        "SELECT COUNT() FROM CaseComment WHERE SystemModstamp = 2026-10-01T00:00:00Z",
    ],
)
def test_soql_subset_accepted(tables: dict[str, SObjectTable], text: str) -> None:
    query = parse(text, tables)
    assert query.sobject in tables
    if "COUNT()" in text:
        assert query.fields is None and query.lower == query.upper == (1790812800000, True)
    else:
        assert query.fields is not None and query.fields[0] == "Id"  # canonical case
    if "> 2026-10-01T03:00:00+03:00" in text:
        assert query.lower == (1790812800000, False) and query.upper is None and query.ordered


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("SELECT Id FROM Case LIMIT 10", "MALFORMED_QUERY"),
        (
            "SELECT Id FROM Case WHERE SystemModstamp >= 2026-10-01T00:00:00Z OR SystemModstamp < 2026-10-02T00:00:00Z",
            "MALFORMED_QUERY",
        ),
        ("SELECT Id FROM Case WHERE Status = 'New'", "MALFORMED_QUERY"),
        ("SELECT Id FROM Case ORDER BY CreatedDate", "MALFORMED_QUERY"),
        ("SELECT Id, (SELECT Id FROM CaseComments) FROM Case", "MALFORMED_QUERY"),
        ("SELECT Account.Name FROM Contact", "MALFORMED_QUERY"),
        ("SELECT COUNT() FROM Case ORDER BY SystemModstamp", "MALFORMED_QUERY"),
        ("SELECT Id, Id FROM Case", "MALFORMED_QUERY"),
        ("SELECT Id FROM", "MALFORMED_QUERY"),
        ("", "MALFORMED_QUERY"),
        ("SELECT Id FROM Widget__c", "INVALID_TYPE"),
        ("SELECT Id, Sentiment__c FROM Case", "INVALID_FIELD"),
    ],
)
def test_soql_outside_the_subset_is_rejected(tables: dict[str, SObjectTable], text: str, code: str) -> None:
    with pytest.raises(SoqlError) as excinfo:
        parse(text, tables)
    assert excinfo.value.code == code


def test_rejections_over_http_use_salesforce_error_shape(api: httpx.Client) -> None:
    response = api.get("services/data/v60.0/query", params={"q": "SELECT Id FROM Case LIMIT 5"})
    assert response.status_code == 400
    (error,) = response.json()
    assert error["errorCode"] == "MALFORMED_QUERY"
    assert "ERROR at Row:1:Column:21" in error["message"] and "unexpected token: 'LIMIT'" in error["message"]
    missing = api.get("services/data/v60.0/query")
    assert missing.status_code == 400 and missing.json()[0]["errorCode"] == "MALFORMED_QUERY"


# ---------------------------------------------------------------- REST query paging


def collect(api: httpx.Client, resource: str, soql: str, batch: int | None) -> list[dict]:
    headers = {"Sforce-Query-Options": f"batchSize={batch}"} if batch else {}
    response = api.get(f"services/data/v60.0/{resource}", params={"q": soql}, headers=headers)
    pages = [response.json()]
    while not pages[-1]["done"]:
        assert re.fullmatch(r"/services/data/v60\.0/query/01g\w{15}-\d+", pages[-1]["nextRecordsUrl"])
        pages.append(api.get(pages[-1]["nextRecordsUrl"].lstrip("/"), headers=headers).json())
        assert len(pages) < 50
    return pages


def test_query_all_pages_by_batch_size(api: httpx.Client, tables: dict[str, SObjectTable]) -> None:
    """batchSize=200 over every CaseComment: pages of 200 then the rest, totalSize on each page, done only
    on the last, nextRecordsUrl ids, attributes, and every row once in (SystemModstamp, Id) order."""
    table = tables["CaseComment"]
    pages = collect(api, "queryAll", "SELECT Id, SystemModstamp FROM CaseComment ORDER BY SystemModstamp, Id", 200)
    total = len(table.rows)
    assert [len(p["records"]) for p in pages] == [200] * (total // 200) + ([total % 200] if total % 200 else [])
    assert all(p["totalSize"] == total for p in pages)
    assert [p["done"] for p in pages] == [False] * (len(pages) - 1) + [True] and "nextRecordsUrl" not in pages[-1]
    records = [r for p in pages for r in p["records"]]
    assert [r["Id"] for r in records] == [r["Id"] for r in table.rows]
    first = records[0]
    assert first["attributes"] == {"type": "CaseComment", "url": f"{V}/sobjects/CaseComment/{first['Id']}"}
    assert list(first) == ["attributes", "Id", "SystemModstamp"]


@pytest.mark.parametrize(("batch", "sizes"), [(50, 200), (None, 2000), (5000, 2000)])
def test_batch_size_is_clamped_to_200_2000(api: httpx.Client, batch: int | None, sizes: int) -> None:
    body = collect(api, "queryAll", "SELECT Id FROM Contact", batch)[0]
    assert len(body["records"]) == min(sizes, body["totalSize"])


def test_deleted_rows_only_through_query_all(api: httpx.Client, world: World, crm: Crm) -> None:
    """query hides deleted contacts; queryAll returns them with IsDeleted true and SystemModstamp at deletion."""
    soql = "SELECT Id, IsDeleted, SystemModstamp FROM Contact"
    live = {r["Id"]: r for p in collect(api, "query", soql, None) for r in p["records"]}
    every = {r["Id"]: r for p in collect(api, "queryAll", soql, None) for r in p["records"]}
    deleted = {sf_id("003", pid): when for pid, when in crm.deleted_people.items()}
    assert deleted and set(every) - set(live) == set(deleted)
    for rid, when in deleted.items():
        assert every[rid]["IsDeleted"] is True
        assert every[rid]["SystemModstamp"] == when.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    assert not any(r["IsDeleted"] for r in live.values())


def test_window_and_count(api: httpx.Client, world: World, crm: Crm) -> None:
    """[lo, hi) on SystemModstamp returns exactly the cases changed then; COUNT() agrees."""
    anchor = world.config.anchor
    assert anchor is not None
    lo, hi = anchor - timedelta(days=3), anchor - timedelta(days=2)
    expected = {sf_id("500", c.id) for c in crm.conversations(world, "salesforce") if lo <= c.updated_at < hi}
    soql = GOOD_SOQL.format(obj="Case", lo=soql_time(lo), hi=soql_time(hi))
    ids = [r["Id"] for p in collect(api, "queryAll", soql, None) for r in p["records"]]
    assert expected and sorted(ids) == sorted(expected)
    count = api.get(
        "services/data/v60.0/queryAll",
        params={
            "q": f"SELECT COUNT() FROM Case WHERE SystemModstamp >= {soql_time(lo)} "
            f"AND SystemModstamp < {soql_time(hi)}"
        },
    ).json()
    assert count == {"totalSize": len(expected), "done": True, "records": []}


def test_describe_and_unknown_objects(api: httpx.Client) -> None:
    body = api.get("services/data/v60.0/sobjects/Opportunity/describe").json()
    types = {f["name"]: f["type"] for f in body["fields"]}
    assert body["keyPrefix"] == "006" and types["Id"] == "id" and types["Amount"] == "currency"
    assert types["CloseDate"] == "date" and types["SystemModstamp"] == "datetime" and types["IsWon"] == "boolean"
    for path in ("services/data/v60.0/sobjects/Widget__c/describe", "services/data/v99x/limits"):
        response = api.get(path)
        assert response.status_code == 404 and response.json()[0]["errorCode"] == "NOT_FOUND"


def test_ids_are_18_char_with_key_prefixes() -> None:
    assert sf_id("001", 1) == "0015g0000000001AAA"
    assert len(sf_id("500", 10**9)) == 18 and sf_id("500", 10**9) != sf_id("500", 10**9 + 1)
    assert sf_id("003", 10) == "0035g000000000AAAQ"  # the case-safe suffix marks the upper-case "A" (bit 4)
    assert sf_id("003", 36) == "0035g000000000aAAA"  # lower case "a" sets no bit


# ---------------------------------------------------------------- Bulk API 2.0


def test_bulk_query_job_lifecycle_and_csv_chunks(api: httpx.Client, tables: dict[str, SObjectTable]) -> None:
    """Create (UploadComplete) → InProgress for a few polls → JobComplete; results before completion are
    refused; CSV comes in maxRecords chunks linked by Sforce-Locator, the last one "null"."""
    soql = "SELECT Id, IsDeleted, CommentBody, SystemModstamp FROM CaseComment ORDER BY SystemModstamp, Id"
    job = api.post("services/data/v60.0/jobs/query", json={"operation": "queryAll", "query": soql}).json()
    assert job["id"].startswith("750") and job["state"] == "UploadComplete" and job["object"] == "CaseComment"
    url = f"services/data/v60.0/jobs/query/{job['id']}"
    early = api.get(f"{url}/results")
    assert early.status_code == 400
    states = [api.get(url).json()["state"] for _ in range(3)]
    assert states == ["InProgress", "InProgress", "JobComplete"]
    table = tables["CaseComment"]
    assert api.get(url).json()["numberRecordsProcessed"] == len(table.rows)

    locator, sizes, rows = None, [], []
    while True:
        params = {"maxRecords": 300, **({"locator": locator} if locator else {})}
        response = api.get(f"{url}/results", params=params)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        assert re.fullmatch(r"api-usage=\d+/100000", response.headers["sforce-limit-info"])
        parsed = list(csv.reader(io.StringIO(response.text, newline="")))
        assert parsed[0] == ["Id", "IsDeleted", "CommentBody", "SystemModstamp"]
        sizes.append(int(response.headers["sforce-numberofrecords"]))
        assert len(parsed) - 1 == sizes[-1]
        rows += parsed[1:]
        locator = response.headers["sforce-locator"]
        if locator == "null":
            break
    total = len(table.rows)
    assert sizes == [300] * (total // 300) + ([total % 300] if total % 300 else [])
    assert [r[0] for r in rows] == [r["Id"] for r in table.rows]
    deleted = [r for r in rows if r[1] == "true"]
    assert deleted and all(r[1] in ("true", "false") for r in rows)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z", r[3]) for r in rows)
    arabic = next(r for r in table.rows if ARABIC.search(r["CommentBody"] or ""))
    assert [arabic["Id"], "false" if not arabic["IsDeleted"] else "true", arabic["CommentBody"]] in [
        r[:3] for r in rows
    ]


@pytest.mark.parametrize(
    ("spec", "code"),
    [
        ({"operation": "upsert", "query": "SELECT Id FROM Case"}, "INVALIDJOB"),
        ({"operation": "query", "query": "SELECT COUNT() FROM Case"}, "INVALIDJOB"),
        ({"operation": "query", "query": "SELECT Id FROM Case LIMIT 1"}, "MALFORMED_QUERY"),
    ],
)
def test_bulk_rejects_bad_jobs(api: httpx.Client, spec: dict, code: str) -> None:
    response = api.post("services/data/v60.0/jobs/query", json=spec)
    assert response.status_code == 400 and response.json()[0]["errorCode"] == code
    missing = api.get("services/data/v60.0/jobs/query/7505g0000000000AAA")
    assert missing.status_code == 404


def test_bulk_query_hides_deleted_rows_query_all_keeps_them(api: httpx.Client, crm: Crm) -> None:
    counts = {}
    for operation in ("query", "queryAll"):
        job = api.post(
            "services/data/v60.0/jobs/query", json={"operation": operation, "query": "SELECT Id FROM Opportunity"}
        ).json()
        for _ in range(3):
            api.get(f"services/data/v60.0/jobs/query/{job['id']}")
        counts[operation] = int(
            api.get(f"services/data/v60.0/jobs/query/{job['id']}/results").headers["sforce-numberofrecords"]
        )
    deleted = sum(1 for d in crm.deals if d.deleted_at)
    assert deleted and counts == {"query": len(crm.deals) - deleted, "queryAll": len(crm.deals)}


# ---------------------------------------------------------------- limits


def test_limit_info_on_every_response_and_403_over_quota(sf: SandboxProcess, api: httpx.Client) -> None:
    """Sforce-Limit-Info counts each API call; past the (run-time) daily limit calls get 403
    REQUEST_LIMIT_EXCEEDED with no Retry-After, and the count stops there."""
    usage = [api.get("services/data/v60.0/limits").headers["sforce-limit-info"] for _ in range(3)]
    assert usage == ["api-usage=1/100000", "api-usage=2/100000", "api-usage=3/100000"]
    assert api.get("services/data/v60.0/limits").json()["DailyApiRequests"] == {"Max": 100000, "Remaining": 99996}
    sf.admin("salesforce", "api-limit", limit=5)
    assert api.get("services/data/v60.0/limits").headers["sforce-limit-info"] == "api-usage=5/5"
    over = api.get("services/data/v60.0/sobjects/Case/describe")
    assert over.status_code == 403 and "retry-after" not in over.headers
    assert over.json() == [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    assert over.headers["sforce-limit-info"] == "api-usage=5/5"


def test_rate_limit_scale_sets_the_daily_allowance(sf: SandboxProcess, api: httpx.Client) -> None:
    """--rate-limits / PUT rate-limits scale the 100,000-a-day allowance: at 0.0001 it is 10 calls."""
    sf.set_rate_limits(0.0001)
    usage = [api.get("services/data/v60.0/limits").headers["sforce-limit-info"] for _ in range(10)]
    assert usage == [f"api-usage={n}/10" for n in range(1, 11)]
    over = api.get("services/data/v60.0/limits")
    assert over.status_code == 403 and over.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    assert "retry-after" not in over.headers and sf.stats()["salesforce"]["rate_limited"] == 1
    assert login(sf).status_code == 200  # logging in is not an API call


def test_fault_shapes(sf: SandboxProcess, api: httpx.Client) -> None:
    sf.set_faults(FaultConfig(rate_429=1.0, retry_after_seconds=2))
    throttled = api.get("services/data/v60.0/limits")
    assert throttled.status_code == 429 and throttled.headers["retry-after"] == "2"
    sf.set_faults(FaultConfig(rate_503=1.0))
    unavailable = api.get("services/data/v60.0/limits")
    assert unavailable.status_code == 503 and unavailable.json()[0]["errorCode"] == "SERVER_UNAVAILABLE"


# ---------------------------------------------------------------- custom fields


def test_custom_field_added_at_run_time(sf: SandboxProcess, api: httpx.Client) -> None:
    described = sf.admin("salesforce", "add-field", object="Case", name="Sentiment__c", type="double", default=0.25)
    assert described["name"] == "Sentiment__c" and described["custom"] is True
    fields = api.get("services/data/v60.0/sobjects/Case/describe").json()["fields"]
    assert fields[-1]["name"] == "Sentiment__c" and fields[-1]["type"] == "double"
    body = api.get("services/data/v60.0/query", params={"q": "SELECT Id, sentiment__c FROM Case"}).json()
    assert body["records"][0]["Sentiment__c"] == 0.25
    for bad in (
        {"name": "Sentiment"},
        {"name": "Sentiment__c"},
        {"name": "X__c", "type": "blob"},
        {"object": "Widget", "name": "X__c"},
    ):
        with pytest.raises(httpx.HTTPStatusError) as excinfo:
            sf.admin("salesforce", "add-field", **{"object": "Case", "type": "string", **bad})
        assert excinfo.value.response.status_code == 422


def test_arabic_json_is_utf8_not_escaped(api: httpx.Client) -> None:
    raw = api.get("services/data/v60.0/queryAll", params={"q": "SELECT Id, Subject FROM Case"}).content
    assert ARABIC.search(raw.decode("utf-8")) and not re.search(rb"\\u06[0-9a-fA-F]{2}", raw)
