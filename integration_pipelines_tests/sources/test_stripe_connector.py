"""The Stripe connector against its sandbox over real HTTP: exact rows, deletes, windows, limits, bad data.

This module starts its own sandbox process serving the Stripe dialect. Expected counts come from the
shared pool of customers (``voices.scripts(world, "payment")``): one Stripe customer per distinct
customer, a subscription for two scripts in three and a dispute for the third; expected states come
from the sandbox's account built independently here (``render.build``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from integration_pipelines.lib.http.errors import AuthenticationError, ConfigurationError, IntegrationError
from integration_pipelines.sources.stripe import OBJECTS, StripeResource
from integration_pipelines_tests.fixtures.sandbox import sandbox_resource
from vendor_sandbox import voices
from vendor_sandbox.dialects.stripe import render
from vendor_sandbox.faults import FaultConfig
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

SANDBOX_DIALECTS = "stripe"  # this module's own sandbox (fixtures vendor_server / vendor_sandbox)
SECRET = "rk_live_wrongButSecretStripeKey9f3a1c"


@pytest.fixture
def sandbox(vendor_sandbox: SandboxProcess) -> SandboxProcess:
    return vendor_sandbox


def stripe_resource(sandbox: SandboxProcess, **overrides: object) -> StripeResource:
    return sandbox_resource(sandbox, "stripe", **{"per_page": 7, "timeout_seconds": 2.0, **overrides})


@pytest.fixture
def stripe(sandbox: SandboxProcess) -> StripeResource:
    return stripe_resource(sandbox)


@pytest.fixture(scope="module")
def account(world: World) -> render.StripeState:
    return render.build(world)


def pull(resource: StripeResource, obj: str, start: datetime, end: datetime) -> tuple[pa.Table, dict, list]:
    with resource.open_client() as client:
        pages = list(client.pages(obj, start, end))
        metrics = client.api.metrics.as_dict()
    table = pa.Table.from_batches([p.batch for p in pages], schema=pages[0].batch.schema)
    return table, metrics, pages


def history(world: World) -> tuple[datetime, datetime]:
    anchor = world.config.anchor
    assert anchor is not None
    return anchor - timedelta(days=world.config.days + 1), anchor + timedelta(days=1)


def latest_in(account: render.StripeState, obj: str, start: datetime, end: datetime) -> dict[str, dict]:
    """Each record's last event in [start, end), as the Events API holds it."""
    types = set(OBJECTS[obj].event_types)
    latest: dict[str, dict] = {}
    for event in account.events:
        if event["type"] in types and start.timestamp() <= event["created"] < end.timestamp():
            latest[event["data"]["object"]["id"]] = event
    return latest


def test_customers_are_the_payment_channels_customers(stripe: StripeResource, world: World) -> None:
    scripts = voices.scripts(world, "payment")
    people = {s.customer.id: s.customer for s in scripts}
    table, metrics, pages = pull(stripe, "customers", *history(world))
    rows = {r["id"]: r for r in table.to_pylist()}
    assert len(rows) == table.num_rows == len(people) > 0
    for person in people.values():
        row = rows[render.customer_id(person)]
        assert (row["email"], row["phone"], row["name"]) == (person.email, person.phone, person.name)
    assert len(pages) > 1 and metrics["retries"] == 0


@pytest.mark.parametrize("obj", sorted(OBJECTS))
def test_full_pull_is_each_records_latest_state_once(
    stripe: StripeResource, world: World, account: render.StripeState, obj: str
) -> None:
    start, end = history(world)
    table, _, pages = pull(stripe, obj, start, end)
    scripts = voices.scripts(world, "payment")
    expected_count = {
        "customers": len({s.customer.id for s in scripts}),
        "subscriptions": sum(1 for s in scripts if s.number % 3),
        "disputes": sum(1 for s in scripts if s.number % 3 == 0),
        "refunds": len(account.refunds),
    }[obj]
    rows = table.to_pylist()
    assert len(rows) == len({r["id"] for r in rows}) == expected_count > 0
    assert not any(p.rejects for p in pages)
    latest = latest_in(account, obj, start, end)
    current = getattr(account, obj)
    for row in rows:
        event = latest[row["id"]]
        assert (row["event_id"], row["event_type"]) == (event["id"], event["type"])
        assert row["updated_at"] == datetime.fromtimestamp(event["created"], UTC)
        if "status" in row:
            assert row["status"] == current[row["id"]]["status"]  # nothing changed after its last event
    assert {r["id"] for r in rows if r["is_deleted"]} == (account.deleted if obj == "customers" else set())


def test_cancellations_keep_the_customers_words_and_the_enums(
    stripe: StripeResource, world: World, account: render.StripeState
) -> None:
    table, _, _ = pull(stripe, "subscriptions", *history(world))
    rows = {r["id"]: r for r in table.to_pylist()}
    for script in voices.scripts(world, "payment"):
        if script.number % 3 == 0:
            continue
        row = rows[render.stripe_id("sub", script.number)]
        if script.number % 4 in (1, 2):
            assert row["cancellation_comment"] == render.first_words(script)  # Arabic and English kept exactly
            assert row["cancellation_reason"] == "cancellation_requested"
            assert row["cancellation_feedback"] in render.FEEDBACK and row["canceled_at"] is not None
            assert row["cancel_at_period_end"] == (script.number % 4 == 2)
        else:
            assert row["cancellation_comment"] is None
    disputes, _, _ = pull(stripe, "disputes", *history(world))
    assert {r["reason"] for r in disputes.to_pylist()} <= set(render.DISPUTE_REASONS)
    emails = {render.stripe_id("dp", s.number): s.customer.email for s in voices.scripts(world, "payment")}
    assert all(r["customer_email"] == emails[r["id"]] for r in disputes.to_pylist())
    with_words = [r for r in disputes.to_pylist() if r["evidence_text"]]
    assert len(with_words) == sum(1 for s in voices.scripts(world, "payment") if s.number % 6 == 0)


def test_one_day_window_is_exact_and_includes_its_start_only(
    stripe: StripeResource, world: World, account: render.StripeState
) -> None:
    anchor = world.config.anchor
    assert anchor is not None
    start, end = anchor - timedelta(days=4), anchor - timedelta(days=3)
    for obj in sorted(OBJECTS):
        table, _, _ = pull(stripe, obj, start, end)
        assert sorted(table.column("id").to_pylist()) == sorted(latest_in(account, obj, start, end))
        assert all(start <= t < end for t in table.column("updated_at").to_pylist())
    moment = datetime.fromtimestamp(account.events[len(account.events) // 2]["created"], UTC)
    record = account.events[len(account.events) // 2]["data"]["object"]["id"]
    obj = next(o for o in OBJECTS.values() if account.events[len(account.events) // 2]["type"] in o.event_types)
    inside, _, _ = pull(stripe, obj.name, moment, moment + timedelta(seconds=1))
    before, _, _ = pull(stripe, obj.name, moment - timedelta(seconds=5), moment)
    assert record in inside.column("id").to_pylist() and record not in before.column("id").to_pylist()


def test_first_window_also_lists_what_is_older_than_the_events(
    sandbox: SandboxProcess, world: World, account: render.StripeState
) -> None:
    """At the history start the window also lists every object created before its end (Stripe keeps
    events 30 days); a record both listed and in the window's events comes once, from its event."""
    day = datetime(2026, 10, 26, tzinfo=UTC)
    resource = stripe_resource(sandbox, history_start="2026-10-26")
    table, _, _ = pull(resource, "customers", day, day + timedelta(days=1))
    created_before = {
        c["id"] for c in account.customers.values() if c["created"] < (day + timedelta(days=1)).timestamp()
    }
    in_events = set(latest_in(account, "customers", day, day + timedelta(days=1)))
    expected = (created_before - account.deleted) | in_events
    ids = table.column("id").to_pylist()
    assert len(ids) == len(set(ids)) and set(ids) == expected
    assert len(expected) > len(in_events)
    listed = [r for r in table.to_pylist() if r["event_id"] is None]
    assert listed and all(r["updated_at"] == r["created"] for r in listed)
    subscriptions, _, _ = pull(resource, "subscriptions", day, day + timedelta(days=1))
    canceled = {s["id"] for s in account.subscriptions.values() if s["status"] == "canceled"}
    assert canceled & set(subscriptions.column("id").to_pylist()), "status=all lists cancelled subscriptions"


# ---------------------------------------------------------------- limits and faults


def test_429s_with_retry_after_are_waited_out_with_nothing_lost_or_doubled(
    sandbox: SandboxProcess, world: World
) -> None:
    clean, _, _ = pull(stripe_resource(sandbox, per_page=5), "subscriptions", *history(world))
    sandbox.set_rate_limits(0.2, window_scale=1.0)  # 5 requests a second; the client does not pace itself
    table, metrics, _ = pull(stripe_resource(sandbox, per_page=3), "subscriptions", *history(world))
    assert metrics["http_429s"] > 0 and sandbox.stats()["stripe"]["rate_limited"] == metrics["http_429s"]
    assert sorted(table.column("id").to_pylist()) == sorted(clean.column("id").to_pylist())
    assert table.num_rows == len(set(table.column("id").to_pylist()))


def test_a_client_paced_below_the_limit_sees_no_429(sandbox: SandboxProcess, world: World) -> None:
    sandbox.set_rate_limits(0.2, window_scale=1.0)  # 5 requests a second
    table, metrics, _ = pull(stripe_resource(sandbox, requests_per_second=4.0), "customers", *history(world))
    assert table.num_rows and metrics["requests"] > 5 and metrics["http_429s"] == 0


def test_mixed_faults_lose_nothing(sandbox: SandboxProcess, world: World) -> None:
    clean, _, _ = pull(stripe_resource(sandbox), "disputes", *history(world))
    sandbox.set_faults(FaultConfig.mixed(0.15, slow_seconds=0.5, retry_after_seconds=0, seed=3))
    table, metrics, _ = pull(stripe_resource(sandbox, per_page=3, timeout_seconds=0.3), "disputes", *history(world))
    assert sorted(table.column("id").to_pylist()) == sorted(clean.column("id").to_pylist())
    assert metrics["retries"] > 0


# ---------------------------------------------------------------- bad data


def test_a_malformed_page_is_a_clear_error_naming_stripe_and_the_object(
    sandbox: SandboxProcess, stripe: StripeResource, world: World
) -> None:
    sandbox.admin("stripe", "break_pages", count=1)
    with pytest.raises(IntegrationError, match=r"^\[stripe\] malformed disputes page from events: expected a 'data'"):
        pull(stripe, "disputes", *history(world))


def test_malformed_events_are_quarantined_and_the_rest_arrive(
    sandbox: SandboxProcess, stripe: StripeResource, world: World
) -> None:
    start, end = history(world)
    clean, _, _ = pull(stripe, "customers", start, end)
    at = "2026-10-28T12:00:00Z"
    made = {
        kind: sandbox.admin("stripe", "poison_event", at=at, kind=kind)
        for kind in ("null_version", "bad_version", "null_id")
    }
    table, _, pages = pull(stripe, "customers", start, end)
    assert sorted(table.column("id").to_pylist()) == sorted(clean.column("id").to_pylist())
    rejects = [r for p in pages for r in p.rejects]
    assert sorted((r.reason, r.key) for r in rejects) == sorted(
        [
            ("null_version", made["null_version"]["object_id"]),
            ("malformed_version", made["bad_version"]["object_id"]),
            ("null_key", None),
        ]
    )


# ---------------------------------------------------------------- credentials


def test_a_wrong_key_is_a_clear_error_without_the_secret(
    sandbox: SandboxProcess, world: World, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    resource = stripe_resource(sandbox, api_key=SECRET)
    with pytest.raises(AuthenticationError) as excinfo, resource.open_client() as client:
        list(client.pages("customers", *history(world)))
    message = str(excinfo.value)
    assert message.startswith("[stripe]") and "401" in message and "STRIPE_API_KEY" in message
    assert "Invalid API Key provided" in message
    captured = capsys.readouterr()
    everything = "\n".join([message, repr(excinfo.value), caplog.text, captured.out, captured.err, repr(resource)])
    assert SECRET not in everything
    assert sandbox.stats()["stripe"]["requests"] == 1, "a rejected key is not retried"


def test_a_missing_key_is_reported_before_any_request() -> None:
    with pytest.raises(ConfigurationError, match="STRIPE_API_KEY"), StripeResource().open_client():
        pass


def test_per_page_is_capped_at_stripes_maximum() -> None:
    with pytest.raises(ValueError):
        StripeResource(api_key="x", per_page=101)
