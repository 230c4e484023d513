"""The HubSpot connector against its sandbox over real HTTP: exact id sets, window splits, faults, limits.

Expected records are derived from the world and the CRM facts independently of the sandbox's code
(only the documented id mapping ``hubspot_id`` is shared).
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from integration_pipelines.lib.http.errors import AuthenticationError, ConfigurationError
from integration_pipelines.sources.hubspot import HubSpotResource
from integration_pipelines.sources.hubspot.client import epoch_ms
from integration_pipelines_tests.fixtures.sandbox import TEST_LEADS
from vendor_sandbox.crm import Crm
from vendor_sandbox.dialects import hubspot as hubspot_sandbox
from vendor_sandbox.dialects.hubspot_render import hubspot_id
from vendor_sandbox.faults import FaultConfig
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

OBJECTS = ("contacts", "companies", "tickets", "deals")
Truth = dict[int, tuple[datetime, datetime | None]]  # id → (last modified, archived at)


SANDBOX_DIALECTS = "hubspot"  # this module's own sandbox (fixtures vendor_server / vendor_sandbox)


@pytest.fixture
def sandbox(vendor_sandbox: SandboxProcess) -> SandboxProcess:
    return vendor_sandbox


def resource(sandbox: SandboxProcess, **overrides: object) -> HubSpotResource:
    """A resource pointed at the sandbox with fast retries and no client-side pacing, for tests."""
    settings: dict[str, object] = {
        "access_token": hubspot_sandbox.ACCESS_TOKEN,
        "base_url": f"{sandbox.url}/hubspot",
        "timeout_seconds": 2.0,
        "backoff_seconds": 0.01,
        "max_backoff_seconds": 0.1,
        "max_attempts": 30,
        "requests_per_10s": 1_000_000,
        "search_requests_per_second": 100_000,
    }
    settings.update(overrides)
    return HubSpotResource(**settings)


def truth(world: World, crm: Crm, kind: str) -> Truth:
    if kind == "contacts":
        found: Truth = {
            hubspot_id("contacts", p.id): (p.updated_at, crm.deleted_people.get(p.id))
            for p in world.people
            if p.role == "customer"
        }
        found.update({lead.id: (lead.updated_at, None) for lead in crm.leads})
        return found
    if kind == "companies":
        return {hubspot_id("companies", c.id): (c.updated_at, crm.deleted_companies.get(c.id)) for c in world.companies}
    if kind == "tickets":  # an archived ticket keeps the last-modified time it had before the archive
        return {
            hubspot_id("tickets", c.id): (c.messages[-1].created_at if c.deleted_at else c.updated_at, c.deleted_at)
            for c in crm.conversations(world, "hubspot")
        }
    return {hubspot_id("deals", d.id): (d.updated_at, d.deleted_at) for d in crm.deals}


def expected(facts: Truth, start: datetime | None, end: datetime) -> tuple[set[int], set[int]]:
    """(ids a pull of [start, end) must return, the archived ones among them): a record's version
    time is its archive time once archived, else its last-modified time."""
    ids, archived = set(), set()
    for rid, (lastmod, archived_at) in facts.items():
        moment = archived_at or lastmod
        if (start is None or moment >= start) and moment < end:
            ids.add(rid)
            if archived_at:
                archived.add(rid)
    return ids, archived


def pull(res: HubSpotResource, obj: str, start: datetime, end: datetime) -> tuple[pa.Table, dict, Counter]:
    with res.open_client() as client:
        pages = list(client.pages(obj, start, end))
        metrics, stats = client.api.metrics.as_dict(), client.stats.copy()
    assert [p.end_of_stream for p in pages] == [False] * (len(pages) - 1) + [True]
    assert [p.number for p in pages] == list(range(1, len(pages) + 1))
    return pa.Table.from_batches([p.batch for p in pages]), metrics, stats


def assert_exact(table: pa.Table, ids: set[int], archived: set[int]) -> None:
    got = table.column("id").to_pylist()
    assert len(got) == len(set(got)), "a record arrived twice"
    assert set(got) == ids
    flags = dict(zip(got, table.column("is_deleted").to_pylist(), strict=True))
    assert {i for i, deleted in flags.items() if deleted} == archived, "archived records must arrive flagged"
    assert table.column("updated_at").null_count == 0


def busiest_archive_day(facts: Truth, world: World) -> tuple[datetime, datetime]:
    """The UTC day holding most archives (so archived rows are exercised), else a day with changes."""
    days = [a.replace(hour=0, minute=0, second=0) for _, a in facts.values() if a]
    day = max(set(days), key=days.count) if days else world.config.anchor - timedelta(days=3)
    return day, day + timedelta(days=1)


def whole_history(world: World) -> tuple[datetime, datetime]:
    anchor = world.config.anchor
    assert anchor is not None
    return anchor - timedelta(days=world.config.days + 1), anchor


# ---------------------------------------------------------------- exact pulls


@pytest.mark.parametrize("obj", OBJECTS)
def test_one_day_incremental_search_is_exact(sandbox: SandboxProcess, world: World, crm: Crm, obj: str) -> None:
    facts = truth(world, crm, obj)
    start, end = busiest_archive_day(facts, world)
    table, _, stats = pull(resource(sandbox), obj, start, end)
    ids, archived = expected(facts, start, end)
    assert ids and (archived or obj == "companies")  # the test world archives no company (see below)
    assert_exact(table, ids, archived)
    assert stats["search_requests"] >= 1 and stats["list_pages"] == 0 and stats["archived_pages"] >= 1


@pytest.mark.parametrize("obj", OBJECTS)
def test_full_load_through_the_list_api_is_exact(sandbox: SandboxProcess, world: World, crm: Crm, obj: str) -> None:
    start, end = whole_history(world)
    start -= timedelta(days=400)
    table, _, stats = pull(resource(sandbox, full_load=True), obj, start, end)
    ids, archived = expected(truth(world, crm, obj), start, end)
    assert_exact(table, ids, archived)
    assert stats["list_pages"] >= 1 and stats["search_requests"] == 0


def test_window_at_history_start_reads_everything_before_its_end(
    sandbox: SandboxProcess, world: World, crm: Crm
) -> None:
    """The first partition (start at/before history_start) is a full load with no lower bound."""
    start = world.config.anchor - timedelta(days=6)
    end = start + timedelta(days=1)
    table, _, stats = pull(
        resource(sandbox, history_start=start.date().isoformat(), list_page_size=50), "tickets", start, end
    )
    ids, archived = expected(truth(world, crm, "tickets"), None, end)
    assert_exact(table, ids, archived)
    assert len(ids) > len(expected(truth(world, crm, "tickets"), start, end)[0])
    assert stats["search_requests"] == 0 and stats["list_pages"] > 1


def test_archived_company_arrives_as_a_delete(sandbox: SandboxProcess, world: World, crm: Crm) -> None:
    """The test world archives no company, so archive one (as DELETE would) inside a window."""
    company = world.companies[5]
    at = world.config.anchor - timedelta(days=2, hours=-3)
    sandbox.admin(
        "hubspot", "archive", object="companies", ids=[hubspot_id("companies", company.id)], at_ms=epoch_ms(at)
    )
    facts = {**truth(world, crm, "companies"), hubspot_id("companies", company.id): (company.updated_at, at)}
    start, end = at.replace(hour=0), at.replace(hour=0) + timedelta(days=1)
    for res in (resource(sandbox), resource(sandbox, full_load=True)):
        table, _, _ = pull(res, "companies", start, end)
        assert_exact(table, *expected(facts, start, end))
        row = next(r for r in table.to_pylist() if r["id"] == hubspot_id("companies", company.id))
        assert row["is_deleted"] and row["updated_at"] == row["archived_at"] == at


def test_typed_columns_and_raw_properties(sandbox: SandboxProcess, world: World, crm: Crm) -> None:
    start, end = whole_history(world)
    table, _, _ = pull(resource(sandbox), "deals", start, end)
    deals = {hubspot_id("deals", d.id): d for d in crm.deals}
    for row in table.to_pylist():
        deal = deals[row["id"]]
        assert (row["dealname"], row["amount"], row["currency"], row["dealstage"]) == (
            deal.name,
            deal.amount,
            deal.currency,
            deal.stage,
        )
        assert row["created_at"] == deal.created_at and row["closedate"] == deal.close_date
        assert '"pipeline":"default"' in row["_raw"]


# ---------------------------------------------------------------- the 10,000-result cap


def test_import_day_over_the_search_cap_is_split_and_exact(sandbox: SandboxProcess, world: World, crm: Crm) -> None:
    start, end = crm.import_day, crm.import_day + timedelta(days=1)
    table, metrics, stats = pull(resource(sandbox), "contacts", start, end)
    ids, archived = expected(truth(world, crm, "contacts"), start, end)
    assert len(ids) > 10_000 and len(ids) >= TEST_LEADS
    assert_exact(table, ids, archived)
    assert stats["window_splits"] >= 1 and stats["search_queries"] >= 3
    assert stats["search_requests"] <= len(ids) // 200 + 2 * stats["search_queries"]  # no paging to waste
    assert metrics["retries"] == 0


def test_same_millisecond_crowds_at_split_points(sandbox: SandboxProcess, world: World, crm: Crm) -> None:
    """With a cap of 100, put 150 contacts in each of: the window's first millisecond, its midpoint (the
    first split point), its last millisecond, its end (excluded) and just before its start (excluded).
    Every crowd larger than the cap in one millisecond must be read by id, each record once."""
    sandbox.admin("hubspot", "search_cap", cap=100)
    start = world.config.anchor - timedelta(days=5)
    end = start + timedelta(days=1)
    s, e = epoch_ms(start), epoch_ms(end)
    obj = "contacts"
    facts = truth(world, crm, obj)
    leads = iter(sorted(lead.id for lead in crm.leads))
    for moment in (s, s + (e - s) // 2, e - 1, e, s - 1):
        crowd = [next(leads) for _ in range(150)]
        sandbox.admin("hubspot", "touch", object=obj, ids=crowd, at_ms=moment)
        at = datetime.fromtimestamp(moment / 1000, UTC)
        facts.update({rid: (at, None) for rid in crowd})
    table, _, stats = pull(resource(sandbox, search_result_cap=100, search_page_size=50), obj, start, end)
    ids, archived = expected(facts, start, end)
    assert len(ids) > 450
    assert_exact(table, ids, archived)
    assert stats["keyset_queries"] >= 3 * 3 and stats["window_splits"] >= 3  # 150 per crowd, 50 per query


def test_window_growing_past_the_cap_while_paged_resumes(sandbox: SandboxProcess, world: World, crm: Crm) -> None:
    """Records modified during a pull land at the end of the ascending order; when that pushes the
    query past the cap, the client resumes from the last millisecond it read instead of failing. Pages
    are requested one after another here, so the change lands between two of them (with requests at
    once, see test_hubspot_search_concurrency.py)."""
    sandbox.admin("hubspot", "search_cap", cap=100)
    start = world.config.anchor - timedelta(days=10)
    end = start + timedelta(days=1)
    facts = truth(world, crm, "contacts")
    before = expected(facts, start, end)[0]
    assert 60 < len(before) < 100  # pages of 20: two are read (one ahead) before the records change
    with resource(sandbox, search_result_cap=100, search_page_size=20, search_concurrency=1).open_client() as client:
        pages = client.pages("contacts", start, end)
        first = next(pages)
        late = sorted(lead.id for lead in crm.leads)[:120]
        at_ms = epoch_ms(end) - 1000
        sandbox.admin("hubspot", "touch", object="contacts", ids=late, at_ms=at_ms)
        table = pa.Table.from_batches([first.batch, *(p.batch for p in pages)])
        stats = client.stats.copy()
    at = datetime.fromtimestamp(at_ms / 1000, UTC)
    assert max(facts[i][0] for i in before) < at
    facts.update({rid: (at, None) for rid in late})
    assert_exact(table, *expected(facts, start, end))
    assert stats["resumed_queries"] == 1


# ---------------------------------------------------------------- faults and rate limits


@pytest.mark.slow
def test_all_faults_mixed_at_ten_percent_each(sandbox: SandboxProcess, world: World, crm: Crm) -> None:
    sandbox.set_faults(FaultConfig.mixed(0.1, slow_seconds=1.5, retry_after_seconds=0, seed=5))
    res = resource(sandbox, timeout_seconds=0.75, search_page_size=20, list_page_size=20)
    start, end = whole_history(world)
    day = world.config.anchor - timedelta(days=4), world.config.anchor - timedelta(days=3)
    totals: dict[str, int] = {}
    for obj, (a, b) in (
        ("contacts", day),
        ("companies", (start, end)),
        ("tickets", (start, end)),
        ("deals", (start, end)),
    ):
        table, metrics, _ = pull(res, obj, a, b)
        assert_exact(table, *expected(truth(world, crm, obj), a, b))
        for key, value in metrics.items():
            totals[key] = totals.get(key, 0) + value
    served = sandbox.stats()["hubspot"]
    for fault in ("429", "500", "503", "slow", "drop", "truncate"):
        assert served.get(f"fault_{fault}", 0) > 0, f"no {fault} fault was injected"
    assert totals["http_429s"] > 0 and totals["http_5xx"] > 0 and totals["malformed_bodies"] > 0
    assert totals["transport_errors"] > 0 and totals["retries"] >= totals["http_429s"] + totals["http_5xx"]


def test_client_paced_to_published_limits_sees_no_429s(sandbox: SandboxProcess, world: World, crm: Crm) -> None:
    """Sandbox at HubSpot's limits with windows shortened 20x (190 per 0.5 s; search 5 per 50 ms); a
    client configured with the same published limits, scaled alike, is never throttled. Searches go one
    after another here: time shrinks 20x but a request's delay on its way does not, and several search
    threads parsing pages at once delay a send by more than the 14 ms this scale leaves (the real-time
    5/s limit with searches at once: test_hubspot_search_concurrency.py)."""
    sandbox.set_rate_limits(1.0, window_scale=0.05)
    res = resource(
        sandbox,
        requests_per_10s=190 / 0.05,
        search_requests_per_second=4 / 0.05,
        list_page_size=25,
        search_concurrency=1,
    )
    start, end = crm.import_day, crm.import_day + timedelta(days=1)
    with res.open_client() as client:
        searched = pa.Table.from_batches([p.batch for p in client.pages("contacts", start, end)])
        search_metrics = client.api.metrics.as_dict()
    with res.model_copy(update={"full_load": True}).open_client() as client:
        listed = pa.Table.from_batches([p.batch for p in client.pages("contacts", *whole_history(world))])
        list_metrics, quota = client.api.metrics.as_dict(), client.api.quota_remaining()
    assert_exact(searched, *expected(truth(world, crm, "contacts"), start, end))
    assert_exact(listed, *expected(truth(world, crm, "contacts"), *whole_history(world)))
    assert search_metrics["requests"] > 5 * 5 and list_metrics["requests"] > 2 * 190  # several windows each
    assert search_metrics["http_429s"] == list_metrics["http_429s"] == 0
    assert sandbox.stats()["hubspot"].get("rate_limited", 0) == 0
    assert quota is not None and 0 < quota < hubspot_sandbox.DAILY_LIMIT  # the daily quota, from headers


def test_headers_hold_back_a_client_configured_above_the_limit(sandbox: SandboxProcess, world: World, crm: Crm) -> None:
    """The client believes it may send a million per 10 s; the sandbox allows 38 per 1 s window (a fifth
    of HubSpot's 190, so even a slow machine outruns it). Remaining reaching 0 must make it wait one
    Interval-Milliseconds instead of collecting 429s."""
    sandbox.set_rate_limits(0.2, window_scale=0.1)
    start, end = whole_history(world)
    table, metrics, _ = pull(resource(sandbox, full_load=True, list_page_size=50), "contacts", start, end)
    assert_exact(table, *expected(truth(world, crm, "contacts"), start, end))
    assert metrics["requests"] > 190 and metrics["rate_limit_wait_s"] > 0
    assert metrics["http_429s"] == 0 and sandbox.stats()["hubspot"].get("rate_limited", 0) == 0


# ---------------------------------------------------------------- credentials

SECRET = "pat-na1-wrong-but-secret-7c1f0e"


def test_wrong_token_clear_error_without_secret(
    sandbox: SandboxProcess, world: World, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    res = resource(sandbox, access_token=SECRET)
    with pytest.raises(AuthenticationError) as excinfo, res.open_client() as client:
        list(client.pages("contacts", *whole_history(world)))
    message = str(excinfo.value)
    assert message.startswith("[hubspot] HubSpot rejected") and "401" in message
    assert "HUBSPOT_ACCESS_TOKEN" in message and "INVALID_AUTHENTICATION" in message
    captured = capsys.readouterr()
    everything = "\n".join([message, repr(excinfo.value), caplog.text, captured.out, captured.err, repr(res)])
    assert SECRET not in everything
    assert caplog.records, "requests should have been logged"


def test_oauth_refresh_token_flow_and_refresh_on_401(sandbox: SandboxProcess, world: World, crm: Crm) -> None:
    res = resource(
        sandbox,
        access_token=None,
        client_id=hubspot_sandbox.CLIENT_ID,
        client_secret=hubspot_sandbox.CLIENT_SECRET,
        refresh_token=hubspot_sandbox.REFRESH_TOKEN,
    )
    start, end = busiest_archive_day(truth(world, crm, "tickets"), world)
    with res.open_client() as client:
        assert client.check_credentials()["auth"] == "oauth-app"
        sandbox.admin("hubspot", "expire_tokens")  # the next request gets 401 and must refresh once
        table = pa.Table.from_batches([p.batch for p in client.pages("tickets", start, end)])
        assert client.api.metrics.as_dict()["retries"] == 0
    assert_exact(table, *expected(truth(world, crm, "tickets"), start, end))
    assert sandbox.stats()["hubspot"]["unauthorized"] == 1


def test_wrong_refresh_token_names_the_oauth_settings(sandbox: SandboxProcess) -> None:
    res = resource(
        sandbox,
        access_token=None,
        client_id=hubspot_sandbox.CLIENT_ID,
        client_secret=hubspot_sandbox.CLIENT_SECRET,
        refresh_token=SECRET,
    )
    with pytest.raises(AuthenticationError, match="HUBSPOT_REFRESH_TOKEN") as excinfo, res.open_client():
        pass
    assert "BAD_REFRESH_TOKEN" in str(excinfo.value) and SECRET not in str(excinfo.value)


@pytest.mark.parametrize(
    ("settings", "message"),
    [({}, "HUBSPOT_ACCESS_TOKEN"), ({"client_id": "x", "refresh_token": SECRET}, "HUBSPOT_CLIENT_SECRET")],
)
def test_missing_credentials_are_reported_before_any_request(settings: dict, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as excinfo, HubSpotResource(**settings).open_client():
        pass
    assert SECRET not in str(excinfo.value)
