"""Bulk API 2.0 results downloaded several chunks at once (resultPages) against the sandbox over HTTP:
the endpoint's documented shape, the same rows in the same order as one locator after another, a chunk
cut short retried or failing clearly, a reader stopping early leaving nothing running, and orgs
without resultPages (API before 58.0) read the old way."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import dagster as dg
import httpx
import pyarrow as pa
import pytest

from integration_pipelines.components.vendor_sync import vendor_components
from integration_pipelines.lib.http.errors import RetryBudgetExhaustedError
from integration_pipelines.lib.settings import SettingError
from integration_pipelines.sources.salesforce import SalesforceResource
from vendor_sandbox.dialects import salesforce as salesforce_sandbox
from vendor_sandbox.faults import FaultConfig
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

SANDBOX_DIALECTS = "salesforce"  # this module's own sandbox (fixtures vendor_server / vendor_sandbox)
CHUNK = 23  # the org's chunk size in these tests: the 747 case comments span 33 chunks
OBJ = "case_comments"


@pytest.fixture
def sf(vendor_sandbox: SandboxProcess) -> SandboxProcess:
    vendor_sandbox.admin("salesforce", "bulk", chunk_records=CHUNK)
    return vendor_sandbox


def resource(sf: SandboxProcess, **overrides: object) -> SalesforceResource:
    """Every window through a Bulk job, fast polls and retries; results 4 chunks at a time unless told."""
    settings: dict[str, object] = {
        "client_id": salesforce_sandbox.CLIENT_ID,
        "client_secret": salesforce_sandbox.CLIENT_SECRET,
        "login_url": f"{sf.url}/salesforce",
        "force_bulk": True,
        "bulk_max_records": CHUNK,
        "bulk_result_concurrency": 4,
        "bulk_poll_seconds": 0.01,
        "bulk_max_poll_seconds": 0.05,
        "timeout_seconds": 5.0,
        "backoff_seconds": 0.01,
        "max_backoff_seconds": 0.1,
        "max_attempts": 30,
        "retry_budget": 1000,
    }
    settings.update(overrides)
    return SalesforceResource(**settings)


def whole_history(world: World) -> tuple[datetime, datetime]:
    anchor = world.config.anchor
    assert anchor is not None
    return anchor - timedelta(days=world.config.days + 30), anchor


def pull(res: SalesforceResource, world: World) -> tuple[pa.Table, int, dict]:
    """The whole history of case comments: table in page order, page count, request metrics."""
    start, end = whole_history(world)
    with res.open_client() as client:
        pages = list(client.pages(OBJ, start, end))
        assert pages[-1].end_of_stream and not any(p.end_of_stream for p in pages[:-1])
        table = pa.Table.from_batches([p.batch for p in pages], schema=client.schema(OBJ))
        return table.drop_columns(["_extracted_at"]), len(pages), client.api.metrics.as_dict()


def result_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("salesforce-results")]


@pytest.fixture
def api(sf: SandboxProcess) -> Iterator[httpx.Client]:
    token = httpx.post(
        f"{sf.url}/salesforce/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": salesforce_sandbox.CLIENT_ID,
            "client_secret": salesforce_sandbox.CLIENT_SECRET,
        },
    ).json()
    with httpx.Client(
        base_url=f"{token['instance_url']}/", headers={"Authorization": f"Bearer {token['access_token']}"}
    ) as client:
        yield client


def completed_job(api: httpx.Client, version: str = "v60.0") -> str:
    soql = "SELECT Id, SystemModstamp FROM CaseComment ORDER BY SystemModstamp, Id"
    job = api.post(f"services/data/{version}/jobs/query", json={"operation": "queryAll", "query": soql}).json()
    for _ in range(3):
        api.get(f"services/data/{version}/jobs/query/{job['id']}")
    return job["id"]


def test_result_pages_endpoint_lists_every_chunk_once_five_at_a_time(api: httpx.Client) -> None:
    """Following nextRecordsUrl until done lists result URIs (at most five per response) whose chunks,
    fetched as given, are exactly the rows the locator chain gives, in the same order; before 58.0 the
    resource does not exist (404)."""
    job_id = completed_job(api)
    url: str | None = f"services/data/v60.0/jobs/query/{job_id}/resultPages"
    listed: list[str] = []
    sets = 0
    while url:
        body = api.get(url).json()
        sets += 1
        assert set(body) == {"resultPages", "nextRecordsUrl", "done"} and 1 <= len(body["resultPages"]) <= 5
        listed += [page["resultUrl"] for page in body["resultPages"]]
        assert body["done"] == (body["nextRecordsUrl"] is None)
        url = None if body["done"] else body["nextRecordsUrl"].lstrip("/")
    assert all(u.startswith(f"/services/data/v60.0/jobs/query/{job_id}/results?locator=") for u in listed)
    parallel = []
    for result_url in listed:
        response = api.get(result_url.lstrip("/"))
        assert response.status_code == 200
        parallel += response.text.splitlines()[1:]
    locator, sequential = None, []
    while locator != "null":
        params = {"maxRecords": CHUNK, **({"locator": locator} if locator else {})}
        response = api.get(f"services/data/v60.0/jobs/query/{job_id}/results", params=params)
        sequential += response.text.splitlines()[1:]
        locator = response.headers["sforce-locator"]
    assert len(listed) == math.ceil(len(sequential) / CHUNK) > 10 and sets == math.ceil(len(listed) / 5)
    assert parallel == sequential and len(set(parallel)) == len(parallel)
    old = completed_job(api, "v57.0")
    assert api.get(f"services/data/v57.0/jobs/query/{old}/resultPages").status_code == 404


def test_concurrent_download_gives_the_sequential_rows_in_the_same_order(sf: SandboxProcess, world: World) -> None:
    """One locator after another (concurrency 1) against four chunks at once while a third of the
    requests are slowed at random (so chunks finish out of order): identical tables, row for row and in
    the same order, no id twice, one page per chunk, one resultPages request per five chunks."""
    sequential, seq_pages, _ = pull(resource(sf, bulk_result_concurrency=1), world)
    sf.set_faults(FaultConfig(rate_slow=0.3, slow_seconds=0.15, seed=5))
    concurrent, pages, metrics = pull(resource(sf), world)
    ids = concurrent.column("Id").to_pylist()
    assert len(ids) == len(set(ids)) and len(ids) > 20 * CHUNK
    assert concurrent.equals(sequential)
    assert pages == seq_pages == math.ceil(len(ids) / CHUNK)
    assert sf.stats()["salesforce"].get("fault_slow", 0) > 0
    assert metrics["retries"] == 0
    assert result_threads() == []


def test_a_chunk_cut_short_is_fetched_again_and_nothing_is_lost(sf: SandboxProcess, world: World) -> None:
    """The eighth chunk is served cut in half twice: it is fetched again and the table is still the
    sequential one; the two bad bodies show as malformed bodies and retries."""
    expected, _, _ = pull(resource(sf, bulk_result_concurrency=1), world)
    sf.admin("salesforce", "bulk", break_offset=7 * CHUNK, break_times=2)
    table, _, metrics = pull(resource(sf), world)
    assert sf.admin("salesforce", "bulk")["broken_served"] == 2
    assert table.equals(expected)
    assert metrics["malformed_bodies"] == 2 and metrics["retries"] >= 2


def test_a_chunk_that_never_arrives_whole_fails_clearly(sf: SandboxProcess, world: World) -> None:
    """With 3 attempts per request and the eighth chunk cut short 3 times, the pull fails naming the
    job, that chunk's locator and the problem, after handing on the seven chunks before it in order."""
    sf.admin("salesforce", "bulk", break_offset=7 * CHUNK, break_times=3)
    start, end = whole_history(world)
    with resource(sf, max_attempts=3).open_client() as client:
        pages = client.pages(OBJ, start, end)
        seen = []
        with pytest.raises(RetryBudgetExhaustedError) as failure:
            for page in pages:
                seen.append(page.batch.num_rows)
    message = str(failure.value)
    assert "arrived incomplete 3 times" in message and "Bulk API job 750" in message
    assert "locator=MTYx" in message  # base64 of row 161 = 7 x 23
    assert "last problem: " in message
    assert len(seen) == 7
    assert result_threads() == []


def test_a_reader_stopping_early_releases_every_worker(sf: SandboxProcess, world: World) -> None:
    """The reader takes two pages of a job of dozens of chunks, waits, then stops: no result worker is
    left running, and only the few chunks of the window were ever requested (memory stays bounded)."""
    start, end = whole_history(world)
    with resource(sf).open_client() as client:
        client.fields(OBJ)
        before = client.api.metrics.as_dict()["requests"]
        pages = client.pages(OBJ, start, end)
        first_two = [next(pages), next(pages)]
        time.sleep(0.5)  # the window fills up meanwhile
        assert 1 <= len(result_threads()) <= 4 + 1  # the window's downloads and the listing ahead
        pages.close()
        assert result_threads() == []
        requested = client.api.metrics.as_dict()["requests"] - before
    assert all(p.batch.num_rows > 0 for p in first_two)
    # create + 3 polls + 3 resultPages sets at most (two read, one listed ahead) + 2 chunks read + 4 in the window
    assert requested <= 1 + 3 + 3 + 2 + 4
    served = sf.stats()["salesforce"]["requests"]
    time.sleep(0.3)
    assert sf.stats()["salesforce"]["requests"] == served  # nothing still asking after close


def test_a_session_expiring_under_downloads_in_flight_is_renewed_once(sf: SandboxProcess, world: World) -> None:
    """Every request takes 0.3 s; the session expires after the first page while the next chunks are
    being fetched, so several downloads get a 401 at once: one new login serves them all (the others
    retry with its token) and the rows are still the sequential ones."""
    expected, _, _ = pull(resource(sf, bulk_result_concurrency=1), world)
    start, end = whole_history(world)
    with resource(sf).open_client() as client:
        client.fields(OBJ)
        sf.set_faults(FaultConfig(rate_slow=1.0, slow_seconds=0.3))
        pages = client.pages(OBJ, start, end)
        batches = [next(pages).batch]
        assert sf.admin("salesforce", "expire-sessions")["expired"] >= 1
        batches += [p.batch for p in pages]
        assert client.login.token_requests == 2
        table = pa.Table.from_batches(batches, schema=client.schema(OBJ)).drop_columns(["_extracted_at"])
    assert table.equals(expected)
    assert sf.stats()["salesforce"]["unauthorized"] >= 2  # the downloads really were refused side by side


def test_org_without_result_pages_is_read_one_locator_after_another(
    sf: SandboxProcess, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """API 57.0: resultPages answers 404, the pull says so in the step's log and reads the same rows by
    locator, in bulk_max_records chunks."""
    expected, expected_pages, _ = pull(resource(sf, bulk_result_concurrency=1), world)
    with caplog.at_level(logging.INFO, logger="integration_pipelines.progress"):
        table, pages, _ = pull(resource(sf, api_version="57.0"), world)
    lines = [r.getMessage() for r in caplog.records if r.name == "integration_pipelines.progress"]
    assert len(lines) == 1 and "HTTP 404" in lines[0] and "57.0" in lines[0] and "one locator after another" in lines[0]
    assert table.equals(expected) and pages == expected_pages


@pytest.mark.slow
def test_all_faults_at_ten_percent_each_still_give_the_exact_rows(sf: SandboxProcess, world: World) -> None:
    """429, 500, 503, slow, dropped and truncated responses at 10 % each, on resultPages and result
    requests alike: the concurrent download still gives the sequential table."""
    expected, _, _ = pull(resource(sf, bulk_result_concurrency=1), world)
    sf.set_faults(FaultConfig.mixed(0.1, slow_seconds=1.0, retry_after_seconds=0, seed=3))
    table, _, metrics = pull(resource(sf, timeout_seconds=0.5), world)
    assert table.equals(expected)
    served = sf.stats()["salesforce"]
    assert all(served.get(f"fault_{f}", 0) > 0 for f in ("429", "500", "503", "slow", "drop", "truncate"))
    assert metrics["retries"] > 0


@pytest.mark.parametrize(("value", "degree"), [(None, 4), ("1", 1), ("8", 8)])
def test_concurrency_comes_from_its_variable(monkeypatch: pytest.MonkeyPatch, value: str | None, degree: int) -> None:
    """SALESFORCE_BULK_RESULT_CONCURRENCY sets the resource the definitions build (4 when unset)."""
    if value is None:
        monkeypatch.delenv("SALESFORCE_BULK_RESULT_CONCURRENCY", raising=False)
    else:
        monkeypatch.setenv("SALESFORCE_BULK_RESULT_CONCURRENCY", value)
    resource = dg.build_defs_for_component(vendor_components()["salesforce"]).resources["salesforce"]
    assert resource.bulk_result_concurrency == degree


@pytest.mark.parametrize("value", ["two", "0", "17", "2.5"])
def test_a_malformed_concurrency_stops_the_load_naming_its_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("SALESFORCE_BULK_RESULT_CONCURRENCY", value)
    with pytest.raises(
        SettingError, match=rf"SALESFORCE_BULK_RESULT_CONCURRENCY must be an integer from 1 to 16 .*'{value}'"
    ):
        dg.build_defs_for_component(vendor_components()["salesforce"])
