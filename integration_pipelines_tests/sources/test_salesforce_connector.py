"""The Salesforce connector against its sandbox over real HTTP: exact ids for every object and window,
REST and Bulk API 2.0 giving identical tables, faults, session refresh, JWT, quota and secrets."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pyarrow as pa
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from integration_pipelines.lib.http.errors import (
    AuthenticationError,
    ConfigurationError,
    QuotaExhaustedError,
)
from integration_pipelines.sources.salesforce import OBJECTS, SalesforceResource
from integration_pipelines.sources.salesforce.bulk import IncompleteChunk, parse_chunk
from integration_pipelines.sources.salesforce.objects import salesforce_object
from vendor_sandbox.crm import Crm
from vendor_sandbox.dialects import salesforce as salesforce_sandbox
from vendor_sandbox.dialects.salesforce_render import SObjectTable, build_tables, sf_id, to_csv
from vendor_sandbox.faults import FaultConfig
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

NAMES = sorted(OBJECTS)


SANDBOX_DIALECTS = "salesforce"  # this module's own sandbox (fixtures vendor_server / vendor_sandbox)


@pytest.fixture
def sf(vendor_sandbox: SandboxProcess) -> SandboxProcess:
    return vendor_sandbox


@pytest.fixture(scope="module")
def tables(world: World, crm: Crm) -> dict[str, SObjectTable]:
    return build_tables(world, crm)


def resource(sf: SandboxProcess, **overrides: object) -> SalesforceResource:
    """A resource logging in to the sandbox with fast retries and polls, REST unless told otherwise."""
    settings: dict[str, object] = {
        "client_id": salesforce_sandbox.CLIENT_ID,
        "client_secret": salesforce_sandbox.CLIENT_SECRET,
        "login_url": f"{sf.url}/salesforce",
        "batch_size": 200,
        "bulk_threshold_rows": None,
        "bulk_max_records": 250,
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


def expected(obj: str, world: World, crm: Crm) -> dict[str, tuple[datetime, bool]]:
    """Id → (SystemModstamp, IsDeleted) of every record the sandbox holds, derived from the world."""
    cases = crm.conversations(world, "salesforce")
    if obj == "accounts":
        items = [(sf_id("001", c.id), crm.deleted_companies.get(c.id), c.updated_at) for c in world.companies]
    elif obj == "contacts":
        items = [
            (sf_id("003", p.id), crm.deleted_people.get(p.id), p.updated_at)
            for p in world.people
            if p.role == "customer"
        ]
    elif obj == "cases":
        items = [(sf_id("500", c.id), c.deleted_at, c.updated_at) for c in cases]
    elif obj == "case_comments":
        items = [
            (sf_id("00a", m.id), c.deleted_at, m.created_at)
            for c in cases
            for m in c.messages
            if m.author_role != "system"
        ]
    else:
        items = [(sf_id("006", d.id), d.deleted_at, d.updated_at) for d in crm.deals]
    return {rid: (deleted or updated, deleted is not None) for rid, deleted, updated in items}


def whole_history(world: World) -> tuple[datetime, datetime]:
    anchor = world.config.anchor
    assert anchor is not None
    return anchor - timedelta(days=world.config.days + 30), anchor


def pull(res: SalesforceResource, obj: str, start: datetime, end: datetime) -> tuple[pa.Table, dict, str]:
    with res.open_client() as client:
        pages = list(client.pages(obj, start, end))
        assert pages and pages[-1].end_of_stream and not any(p.end_of_stream for p in pages[:-1])
        table = pa.Table.from_batches([p.batch for p in pages], schema=client.schema(obj))
        return table, client.api.metrics.as_dict(), client.modes[obj]


def assert_exact(table: pa.Table, obj: str, world: World, crm: Crm, start: datetime, end: datetime) -> None:
    truth = {rid: v for rid, v in expected(obj, world, crm).items() if start <= v[0] < end}
    ids = table.column("Id").to_pylist()
    assert len(ids) == len(set(ids)), f"an {obj} id arrived twice"
    assert set(ids) == set(truth) and truth
    flagged = {i for i, d in zip(ids, table.column("is_deleted").to_pylist(), strict=True) if d}
    assert flagged == {rid for rid, (_, deleted) in truth.items() if deleted}
    assert table.column("IsDeleted").to_pylist() == table.column("is_deleted").to_pylist()
    stamps = dict(zip(ids, table.column("SystemModstamp").to_pylist(), strict=True))
    assert all(stamps[rid] == when for rid, (when, _) in truth.items())


@pytest.mark.parametrize("obj", NAMES)
def test_full_pull_is_exact_with_deletes_flagged(sf: SandboxProcess, world: World, crm: Crm, obj: str) -> None:
    start, end = whole_history(world)
    table, metrics, mode = pull(resource(sf), obj, start, end)
    assert mode == "rest" and metrics["retries"] == 0
    assert_exact(table, obj, world, crm, start, end)
    if obj != "accounts":  # the test world deletes no account
        assert pa.compute.sum(table.column("is_deleted")).as_py() > 0


@pytest.mark.parametrize("obj", NAMES)
def test_one_day_window_is_exact(sf: SandboxProcess, world: World, crm: Crm, obj: str) -> None:
    anchor = world.config.anchor
    assert anchor is not None
    start, end = anchor - timedelta(days=3), anchor - timedelta(days=2)
    table, _, _ = pull(resource(sf), obj, start, end)
    assert_exact(table, obj, world, crm, start, end)


@pytest.mark.parametrize("obj", NAMES)
def test_rest_and_bulk_give_identical_tables(sf: SandboxProcess, world: World, obj: str) -> None:
    """Same window, both paths: identical typed columns and _raw (only _extracted_at differs)."""
    start, end = whole_history(world)
    rest, _, rest_mode = pull(resource(sf), obj, start, end)
    bulk, metrics, bulk_mode = pull(resource(sf, force_bulk=True), obj, start, end)
    assert (rest_mode, bulk_mode) == ("rest", "bulk")
    rest, bulk = (t.drop_columns(["_extracted_at"]).sort_by("Id") for t in (rest, bulk))
    assert rest.num_rows > 0 and rest.equals(bulk)
    assert metrics["requests"] >= 4  # create, polls, results


def test_a_csv_chunk_cut_anywhere_is_detected(tables: dict[str, SObjectTable]) -> None:
    """Whatever prefix of a results chunk arrives (a truncated transfer), it is never taken as whole."""
    table = tables["CaseComment"]
    fields = [table.field(n) for n in ("Id", "IsDeleted", "CommentBody", "SystemModstamp")]
    rows = [table.values(r, [f.name for f in fields]) for r in table.rows[:12]]
    body = to_csv(fields, rows).encode()
    header, parsed = parse_chunk(body, "12")
    assert header == [f.name for f in fields] and [r[0] for r in parsed] == [r[0] for r in rows]
    for cut in range(len(body)):
        with pytest.raises(IncompleteChunk):
            parse_chunk(body[:cut], "12")


def test_bulk_is_chosen_above_the_row_threshold(sf: SandboxProcess, world: World, crm: Crm) -> None:
    start, end = whole_history(world)
    res = resource(sf, bulk_threshold_rows=100)
    with res.open_client() as client:
        for obj in ("cases", "accounts"):
            list(client.pages(obj, start, end))
        assert client.modes == {"cases": "bulk", "accounts": "rest"}
        assert client.estimates == {"cases": len(expected("cases", world, crm)), "accounts": len(world.companies)}


FAULT_SEED = 3  # its draws include every fault type in these pulls, on both paths


@pytest.mark.slow
@pytest.mark.parametrize("force_bulk", [False, True], ids=["rest", "bulk"])
def test_all_faults_mixed_at_ten_percent_each(sf: SandboxProcess, world: World, crm: Crm, force_bulk: bool) -> None:
    """Every fault at 10 % (60 % of requests fail somehow): still exactly the right rows, on both paths."""
    sf.set_faults(FaultConfig.mixed(0.1, slow_seconds=1.5, retry_after_seconds=0, seed=FAULT_SEED))
    res = resource(sf, force_bulk=force_bulk, timeout_seconds=0.75, bulk_max_records=150)
    start, end = whole_history(world)
    totals = {"http_429s": 0, "retries": 0, "malformed_bodies": 0, "transport_errors": 0, "http_5xx": 0}
    with res.open_client() as client:
        for obj in ("cases", "case_comments", "contacts"):
            table = pa.Table.from_batches([p.batch for p in client.pages(obj, start, end)], schema=client.schema(obj))
            assert_exact(table, obj, world, crm, start, end)
            assert client.modes[obj] == ("bulk" if force_bulk else "rest")
        totals = {k: v for k, v in client.api.metrics.as_dict().items() if k in totals}
    served = sf.stats()["salesforce"]
    for fault in ("429", "500", "503", "slow", "drop", "truncate"):
        assert served.get(f"fault_{fault}", 0) > 0, f"no {fault} fault was injected"
    assert totals["http_429s"] > 0 and totals["http_5xx"] > 0 and totals["transport_errors"] > 0
    assert totals["malformed_bodies"] > 0
    assert totals["retries"] >= totals["http_429s"] + totals["http_5xx"]


@pytest.mark.parametrize("force_bulk", [False, True], ids=["rest", "bulk"])
def test_expired_session_mid_pull_logs_in_once_more(
    sf: SandboxProcess, world: World, crm: Crm, force_bulk: bool
) -> None:
    start, end = whole_history(world)
    with resource(sf, force_bulk=force_bulk).open_client() as client:
        pages = client.pages("case_comments", start, end)
        batches = [next(pages).batch]
        assert sf.admin("salesforce", "expire-sessions") == {"expired": 1}
        batches += [p.batch for p in pages]
        assert len(batches) >= 3
        assert client.login.token_requests == 2
    assert_exact(pa.Table.from_batches(batches), "case_comments", world, crm, start, end)
    assert sf.admin("salesforce", "sessions") == {"issued": 2, "active": 1}
    assert sf.stats()["salesforce"]["unauthorized"] == 1


def test_jwt_bearer_flow(sf: SandboxProcess, world: World, crm: Crm, caplog: pytest.LogCaptureFixture) -> None:
    """An RSA key made here, its public half given to the sandbox: the JWT flow logs in and pulls; a key
    the org does not know is refused with an error naming the settings and showing no key material."""
    caplog.set_level(logging.DEBUG)

    def new_key() -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    key, stranger = new_key(), new_key()
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    sf.admin("salesforce", "jwt-key", public_key=public.decode())

    def pem(k: rsa.RSAPrivateKey) -> str:
        return k.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        ).decode()

    res = resource(sf, client_secret=None, username=salesforce_sandbox.USERNAME, private_key=pem(key))
    assert res.login_settings().flow == "jwt_bearer"
    start, end = whole_history(world)
    with res.open_client() as client:
        assert client.check_credentials()["DailyApiRequests"]["Max"] == 100_000
        table = pa.Table.from_batches([p.batch for p in client.pages("accounts", start, end)])
    assert_exact(table, "accounts", world, crm, start, end)

    wrong = res.model_copy(update={"private_key": pem(stranger)})
    with pytest.raises(AuthenticationError) as excinfo, wrong.open_client():
        pass
    message = str(excinfo.value)
    assert message.startswith("[salesforce]") and "invalid_grant" in message and "SALESFORCE_PRIVATE_KEY" in message
    for secret in (pem(key), pem(stranger)):
        for line in secret.splitlines()[1:-1]:
            assert line not in message and line not in caplog.text and line not in repr(wrong)


def test_client_credentials_flow_reports_quota(sf: SandboxProcess, world: World) -> None:
    start, end = whole_history(world)
    with resource(sf).open_client() as client:
        list(client.pages("opportunities", start, end))
        used = sf.admin("salesforce", "api-limit")["used"]
        assert client.api_usage == (used, 100_000) and used >= 2  # describe and one query page at least
        assert client.api.quota_remaining() == 100_000 - used


def test_new_custom_field_is_a_new_column(sf: SandboxProcess, world: World) -> None:
    start, end = whole_history(world)
    before, _, _ = pull(resource(sf), "cases", start, end)
    assert "Sentiment__c" not in before.column_names
    sf.admin("salesforce", "add-field", object="Case", name="Sentiment__c", type="double", default=-0.5)
    for res in (resource(sf), resource(sf, force_bulk=True)):
        after, _, _ = pull(res, "cases", start, end)
        assert after.schema.field("Sentiment__c").type == pa.float64()
        assert set(after.column("Sentiment__c").to_pylist()) == {-0.5}
        assert after.num_rows == before.num_rows
        assert after.drop_columns(["Sentiment__c"]).column_names == before.column_names
    with resource(sf).open_client() as client:
        assert "Sentiment__c" in client.schema("cases").names
        assert "Sentiment__c" not in [c.name for c in OBJECTS["cases"].columns]  # the static core stays


def test_request_limit_exceeded_stops_after_one_request(sf: SandboxProcess, world: World) -> None:
    start, end = whole_history(world)
    with resource(sf).open_client() as client:
        sf.admin("salesforce", "api-limit", limit=7, used=7)
        sf.reset_stats()
        with pytest.raises(QuotaExhaustedError) as excinfo:
            list(client.pages("cases", start, end))
        assert client.api.metrics.retries == 0
    message = str(excinfo.value)
    assert message.startswith("[salesforce]") and "REQUEST_LIMIT_EXCEEDED" in message and "api-usage=7/7" in message
    assert sf.stats()["salesforce"]["requests"] == 1


SECRET = "wrong-but-secret-salesforce-9c1d"


def test_wrong_client_secret_is_a_clear_error_without_secrets(
    sf: SandboxProcess, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    res = resource(sf, client_secret=SECRET)
    with pytest.raises(AuthenticationError) as excinfo, res.open_client():
        pass
    message = str(excinfo.value)
    assert message.startswith("[salesforce]") and "invalid_client" in message
    assert "SALESFORCE_CLIENT_ID" in message and "SALESFORCE_CLIENT_SECRET" in message
    captured = capsys.readouterr()
    everything = "\n".join([message, repr(excinfo.value), caplog.text, captured.out, captured.err, repr(res)])
    assert SECRET not in everything and caplog.records


def test_access_token_never_logged(sf: SandboxProcess, world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    start, end = whole_history(world)
    sf.set_faults(FaultConfig(rate_500=0.3, seed=2))  # failures log at WARNING with their URL
    with resource(sf, force_bulk=True).open_client() as client:
        list(client.pages("accounts", start, end))
        token = client.login.session.token
        assert token and client.api.redactor.text(f"got {token}") == "got ***"
    assert caplog.records and token not in caplog.text
    assert salesforce_sandbox.CLIENT_SECRET not in caplog.text


def test_unknown_object_and_field_are_configuration_errors(sf: SandboxProcess, world: World) -> None:
    start, end = whole_history(world)
    with resource(sf).open_client() as client:
        with pytest.raises(ConfigurationError, match="'Widget__c'"):
            list(client.pages(salesforce_object("widgets", "Widget__c"), start, end))
        sf.reset_stats()
        odd = salesforce_object("cases", "Case", fields=("Id", "Subject", "Mood__c"))
        with pytest.raises(ConfigurationError, match="no field 'Mood__c'"):
            list(client.pages(odd, start, end))
        assert sf.stats()["salesforce"]["requests"] == 1  # describe only: no query with a bad field
        with pytest.raises(ConfigurationError, match="unknown Salesforce object 'tickets'"):
            client.columns("tickets")


def test_missing_credentials_fail_before_any_request() -> None:
    with (
        pytest.raises(ConfigurationError, match="SALESFORCE_CLIENT_SECRET"),
        SalesforceResource(client_id="3MVG9x").open_client(),
    ):
        pass
    with (
        pytest.raises(ConfigurationError, match="SALESFORCE_USERNAME and SALESFORCE_PRIVATE_KEY"),
        SalesforceResource(client_id="3MVG9x", auth_flow="jwt_bearer", username="a@b.example").open_client(),
    ):
        pass
