"""The Zendesk connector against the sandbox over real HTTP: exact counts under every fault."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from integration_pipelines.lib.http.errors import (
    AuthenticationError,
    ConfigurationError,
    RetryBudgetExhaustedError,
)
from integration_pipelines.sources.zendesk import ZendeskResource
from integration_pipelines_tests.fixtures.sandbox import zendesk_resource, zendesk_tickets
from vendor_sandbox.dialects import zendesk as zendesk_sandbox
from vendor_sandbox.faults import FaultConfig
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World


def whole_history(world: World) -> tuple[datetime, datetime]:
    anchor = world.config.anchor
    assert anchor is not None
    return anchor - timedelta(days=world.config.days + 1), anchor


def pull(resource: ZendeskResource, obj: str, start: datetime, end: datetime) -> tuple[pa.Table, dict]:
    with resource.open_client() as client:
        batches = [page.batch for page in client.pages(obj, start, end)]
        metrics = client.api.metrics.as_dict()
    return pa.Table.from_batches(batches) if batches else pa.table({}), metrics


def assert_exact_tickets(table: pa.Table, world: World, start: datetime, end: datetime) -> None:
    expected = {c.id for c in zendesk_tickets(world) if start <= c.updated_at < end}
    ids = table.column("id").to_pylist()
    assert len(ids) == len(set(ids)), "a ticket id arrived twice"
    assert set(ids) == expected
    deleted = {c.id for c in zendesk_tickets(world) if c.deleted_at and start <= c.updated_at < end}
    flagged = {i for i, d in zip(ids, table.column("is_deleted").to_pylist(), strict=True) if d}
    assert flagged == deleted and deleted, "deleted tickets must arrive flagged, not dropped"


def test_full_ticket_export_is_exact(zendesk: ZendeskResource, world: World) -> None:
    start, end = whole_history(world)
    table, metrics = pull(zendesk.model_copy(update={"per_page": 100}), "tickets", start, end)
    assert_exact_tickets(table, world, start, end)
    assert metrics["requests"] >= len(zendesk_tickets(world)) // 100  # really paged, 100 per page
    assert metrics["retries"] == 0


def test_one_day_window_holds_exactly_that_days_changes(zendesk: ZendeskResource, world: World) -> None:
    anchor = world.config.anchor
    start, end = anchor - timedelta(days=3), anchor - timedelta(days=2)
    table, _ = pull(zendesk, "tickets", start, end)
    expected = {c.id for c in zendesk_tickets(world) if start <= c.updated_at < end}
    assert sorted(table.column("id").to_pylist()) == sorted(expected) and expected


@pytest.mark.parametrize("obj", ["users", "organizations"])
def test_users_and_organizations_exact(zendesk: ZendeskResource, world: World, obj: str) -> None:
    start, end = whole_history(world)
    start -= timedelta(days=400)  # people and companies exist long before their first ticket
    table, _ = pull(zendesk, obj, start, end)
    expected = {p.id for p in world.people} if obj == "users" else {c.id for c in world.companies}
    ids = table.column("id").to_pylist()
    assert len(ids) == len(set(ids)) and set(ids) == expected


def test_comments_from_ticket_events_exact(zendesk: ZendeskResource, world: World) -> None:
    start, end = whole_history(world)
    table, _ = pull(zendesk, "ticket_comments", start, end)
    messages = {m.id: m for c in zendesk_tickets(world) for m in c.messages}
    ids = table.column("id").to_pylist()
    assert len(ids) == len(set(ids)) and set(ids) == set(messages)
    sample = table.slice(0, 50).to_pylist()
    for row in sample:  # Arabic, emoji and digits survive byte for byte
        assert row["body"] == messages[row["id"]].body
        assert row["ticket_id"] == messages[row["id"]].conversation_id


def test_time_based_pages_with_shared_boundary_second_are_deduplicated(sandbox: SandboxProcess, world: World) -> None:
    """ticket_events pages of 1000 repeat their last second; each comment must arrive once."""
    assert sum(len(c.messages) for c in zendesk_tickets(world)) > 1000, "world too small to page"
    start, end = whole_history(world)
    with zendesk_resource(sandbox).open_client() as client:
        pages = list(client.pages("ticket_comments", start, end))
    assert len(pages) >= 2
    ids = [i for p in pages for i in p.batch.column("id").to_pylist()]
    assert len(ids) == len(set(ids))


FAULTS = {
    "429": FaultConfig(rate_429=0.2, burst_429=3, retry_after_seconds=0),
    "429-http-date": FaultConfig(rate_429=0.2, retry_after_seconds=0, retry_after_format="http-date"),
    "500": FaultConfig(rate_500=0.3),
    "503": FaultConfig(rate_503=0.3),
    "timeout": FaultConfig(rate_slow=0.3, slow_seconds=1.5),
    "drop": FaultConfig(rate_drop=0.3),
    "truncate": FaultConfig(rate_truncate=0.3),
}
METRIC_OF_FAULT = {
    "429": "http_429s",
    "429-http-date": "http_429s",
    "500": "http_5xx",
    "503": "http_5xx",
    "timeout": "transport_errors",
    "drop": "transport_errors",
    "truncate": "malformed_bodies",
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_alone_loses_nothing(sandbox: SandboxProcess, world: World, fault: str) -> None:
    sandbox.set_faults(FAULTS[fault].model_copy(update={"seed": 3}))
    resource = zendesk_resource(sandbox, per_page=50, timeout_seconds=0.75)
    start, end = whole_history(world)
    table, metrics = pull(resource, "tickets", start, end)
    assert_exact_tickets(table, world, start, end)
    served = sandbox.stats()["zendesk"]
    assert sum(v for k, v in served.items() if k.startswith("fault_")) > 0, "the sandbox injected nothing"
    assert metrics[METRIC_OF_FAULT[fault]] > 0
    assert metrics["retries"] >= metrics[METRIC_OF_FAULT[fault]]


@pytest.mark.slow
def test_all_faults_mixed_at_ten_percent_each(sandbox: SandboxProcess, world: World) -> None:
    sandbox.set_faults(FaultConfig.mixed(0.1, slow_seconds=1.5, retry_after_seconds=0, seed=5))
    resource = zendesk_resource(sandbox, per_page=25, timeout_seconds=0.75)
    start, end = whole_history(world)
    table, metrics = pull(resource, "tickets", start, end)
    assert_exact_tickets(table, world, start, end)
    served = sandbox.stats()["zendesk"]
    for fault in ("429", "500", "503", "slow", "drop", "truncate"):
        assert served.get(f"fault_{fault}", 0) > 0, f"no {fault} fault was injected"
    assert metrics["http_429s"] > 0 and metrics["retries"] > 0 and metrics["malformed_bodies"] > 0
    comments, _ = pull(resource, "ticket_comments", start, end)
    ids = comments.column("id").to_pylist()
    assert len(ids) == len(set(ids)) == sum(len(c.messages) for c in zendesk_tickets(world))


def test_proactive_rate_limit_avoids_429s(sandbox: SandboxProcess, world: World) -> None:
    """Sandbox at Zendesk's 10 exports/min, windows shortened to 3 s; a client paced to the same
    published limit (and reading the headers) should not be throttled."""
    sandbox.set_rate_limits(1.0, window_scale=0.05)
    resource = zendesk_resource(sandbox, per_page=50, export_requests_per_minute=10 / 0.05)
    start, end = whole_history(world)
    table, metrics = pull(resource, "tickets", start, end)
    assert_exact_tickets(table, world, start, end)
    assert metrics["requests"] > 10  # more than one window's worth, so pacing mattered
    assert metrics["http_429s"] == 0
    assert sandbox.stats()["zendesk"].get("rate_limited", 0) == 0


def test_headers_tighten_a_client_configured_above_the_real_limit(sandbox: SandboxProcess, world: World) -> None:
    """The client believes it may send 100,000/min; the sandbox allows 10 per (shortened) window.
    The rate-limit headers alone must make it wait for the reset instead of collecting 429s."""
    sandbox.set_rate_limits(1.0, window_scale=0.05)
    resource = zendesk_resource(sandbox, per_page=50)
    start, end = whole_history(world)
    table, metrics = pull(resource, "tickets", start, end)
    assert_exact_tickets(table, world, start, end)
    assert metrics["requests"] > 10
    assert metrics["rate_limit_wait_s"] > 0
    assert sandbox.stats()["zendesk"].get("rate_limited", 0) == 0


def test_oauth_bearer_token(sandbox: SandboxProcess, world: World) -> None:
    resource = zendesk_resource(sandbox, email=None, api_token=None, oauth_token=zendesk_sandbox.OAUTH_TOKEN)
    with resource.open_client() as client:
        assert client.check_credentials()["auth"] == "oauth"


SECRET = "wrong-but-secret-token-5f2b9c"


def test_wrong_credentials_clear_error_without_secret(
    sandbox: SandboxProcess, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    resource = zendesk_resource(sandbox, api_token=SECRET)
    start, end = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 2, tzinfo=UTC)
    with pytest.raises(AuthenticationError) as excinfo, resource.open_client() as client:
        list(client.pages("tickets", start, end))
    message = str(excinfo.value)
    assert message.startswith("[zendesk]") and "401" in message and "ZENDESK_API_TOKEN" in message
    captured = capsys.readouterr()
    everything = "\n".join([message, repr(excinfo.value), caplog.text, captured.out, captured.err, repr(resource)])
    assert SECRET not in everything
    assert caplog.records, "requests should have been logged"


def test_oauth_wrong_token_names_the_oauth_setting(sandbox: SandboxProcess) -> None:
    resource = zendesk_resource(sandbox, email=None, api_token=None, oauth_token=SECRET)
    with pytest.raises(AuthenticationError, match="ZENDESK_OAUTH_TOKEN") as excinfo, resource.open_client() as c:
        c.check_credentials()
    assert SECRET not in str(excinfo.value)


def test_bad_subdomain_is_a_configuration_error(sandbox: SandboxProcess) -> None:
    resource = zendesk_resource(sandbox, subdomain="no-such-account")
    with pytest.raises(ConfigurationError, match="ZENDESK_SUBDOMAIN"), resource.open_client() as client:
        client.check_credentials()


def test_unresolvable_host_is_a_configuration_error() -> None:
    resource = ZendeskResource(
        subdomain="x",
        email="a@b.example",
        api_token=SECRET,
        base_url="http://{subdomain}.invalid",
        max_attempts=2,
        backoff_seconds=0,
    )
    with pytest.raises(ConfigurationError, match="cannot resolve") as excinfo, resource.open_client() as client:
        client.check_credentials()
    assert SECRET not in str(excinfo.value)


def test_exhausted_retries_raise_a_clear_error(sandbox: SandboxProcess, caplog: pytest.LogCaptureFixture) -> None:
    sandbox.set_faults(FaultConfig(rate_503=1.0))
    resource = zendesk_resource(sandbox, max_attempts=4)
    with pytest.raises(RetryBudgetExhaustedError) as excinfo, resource.open_client() as client:
        client.check_credentials()
    message = str(excinfo.value)
    assert "[zendesk]" in message and "4 attempt" in message and "HTTP 503" in message
    assert sandbox.stats()["zendesk"]["requests"] == 4


def test_run_wide_retry_budget_caps_total_retries(sandbox: SandboxProcess, world: World) -> None:
    sandbox.set_faults(FaultConfig(rate_500=0.5, seed=1))
    resource = zendesk_resource(sandbox, per_page=20, retry_budget=3)
    start, end = whole_history(world)
    with pytest.raises(RetryBudgetExhaustedError, match="budget of 3"):
        pull(resource, "tickets", start, end)


def test_missing_credentials_are_reported_before_any_request() -> None:
    resource = ZendeskResource(subdomain="acme")
    with pytest.raises(ConfigurationError, match="ZENDESK_EMAIL and ZENDESK_API_TOKEN"), resource.open_client():
        pass


def test_first_partition_also_takes_everything_changed_before_it(sandbox: SandboxProcess, world: World) -> None:
    """A window starting at the history start (the partitions' first day) is exported from the
    beginning: users and tickets last changed before it must not be lost to the first backfill."""
    start = datetime(2026, 10, 25, tzinfo=UTC)
    end = start + timedelta(days=1)
    resource = zendesk_resource(sandbox, history_start="2026-10-25")
    tickets, _ = pull(resource, "tickets", start, end)
    expected = {c.id for c in zendesk_tickets(world) if c.updated_at < end}
    assert set(tickets.column("id").to_pylist()) == expected
    assert any(c.updated_at < start for c in zendesk_tickets(world) if c.id in expected)
    users, _ = pull(resource, "users", start, end)
    assert set(users.column("id").to_pylist()) == {p.id for p in world.people if p.updated_at < end}
    later, _ = pull(resource, "tickets", end, end + timedelta(days=1))  # later windows stay bounded
    assert set(later.column("id").to_pylist()) == {
        c.id for c in zendesk_tickets(world) if end <= c.updated_at < end + timedelta(days=1)
    }
