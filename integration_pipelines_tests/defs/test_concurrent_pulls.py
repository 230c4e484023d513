"""A vendor's objects pulled at once ({VENDOR}_CONCURRENCY) write exactly what one-at-a-time pulls write.

Each vendor's raw step runs twice against the sandbox over HTTP, the sandbox enforcing the vendor's
published limits (windows shortened so a run takes seconds) and the client configured with the same
limits: once with ``{VENDOR}_CONCURRENCY=1``, once with several objects at once. Both lakes must hold
the same rows per object and day, every object must make the same requests (its metrics are its own,
whatever ran beside it), and neither run may see a 429: the shared token bucket alone paces them."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import dagster as dg
import pyarrow.parquet as pq
import pytest
from dagster_duckdb import DuckDBResource

from integration_pipelines.lib.lake import LakeResource
from integration_pipelines.lib.partitions import range_tags
from integration_pipelines.lib.webhooks.resource import WebhookInboxResource
from integration_pipelines.sources import registry
from integration_pipelines_tests.fixtures.pipeline import VOLATILE_COLUMNS, vendor_definitions
from integration_pipelines_tests.fixtures.sandbox import (
    hubspot_resource,
    intercom_resource,
    salesforce_resource,
    zendesk_resource,
)
from vendor_sandbox.dialects import hubspot as hubspot_sandbox
from vendor_sandbox.faults import FaultConfig
from vendor_sandbox.process import SandboxProcess

FIRST, LAST = "2026-10-27", "2026-10-31"

# the days pulled, (sandbox scale, window scale), and the client configured with the same published
# limits scaled alike; small pages, so that every object needs several requests and the limits bind
VENDORS: dict[str, tuple[str, tuple[float, float], Any]] = {
    # Zendesk: 10 export requests per 3 s window (a minute / 20)
    "zendesk": (FIRST, (1.0, 0.05), lambda s: zendesk_resource(s, export_requests_per_minute=200, per_page=20)),
    # HubSpot: 190 per 0.5 s, search 5 per 50 ms (the connector paces search at 4 per window)
    "hubspot": (
        FIRST,
        (1.0, 0.05),
        lambda s: hubspot_resource(s, requests_per_10s=190 / 0.05, search_requests_per_second=80, search_page_size=20),
    ),
    # Intercom: 16 per 1 s window (10,000 per minute is more than a test machine sends); one GET per
    # conversation for its parts, so one day is already dozens of requests
    "intercom": (
        LAST,
        (16.5 / 1667, 0.1),
        lambda s: intercom_resource(s, requests_per_minute=16 * 60, rate_limit_window_seconds=1.0, per_page=20),
    ),
    # Salesforce: its daily API quota (no rate); describe, query and the quota headers per request
    "salesforce": (FIRST, (1.0, 1.0), lambda s: salesforce_resource(s, batch_size=200)),
}


def stores(home: Path) -> dict[str, Any]:
    """The lake, webhook inbox and warehouse under ``home`` (the raw step uses the first two)."""
    return {
        "lake": LakeResource(url=str(home / "lake")),
        "webhook_inbox": WebhookInboxResource(url=f"sqlite:///{home / 'webhook_inbox.sqlite'}"),
        "duckdb": DuckDBResource(database=str(home / "warehouse.duckdb")),
    }


def raw_run(
    sandbox: SandboxProcess, vendor: str, home: Path, concurrency: int, monkeypatch: pytest.MonkeyPatch
) -> dict[str, dict[str, Any]]:
    """The vendor's raw step for its days up to ``LAST`` at ``concurrency`` (one run, as a backfill of
    the range runs); each object's materialization metadata."""
    monkeypatch.setenv(f"{vendor.upper()}_CONCURRENCY", str(concurrency))
    component = vendor_definitions(vendor)
    first, (scale, window_scale), resource = VENDORS[vendor]
    sandbox.set_rate_limits(scale, window_scale)
    defs = dg.Definitions(
        assets=component.assets,
        asset_checks=component.asset_checks,
        jobs=component.jobs,
        resources={vendor: resource(sandbox), **stores(home)},
    )
    raw = [k for k in defs.resolve_asset_graph().get_all_asset_keys() if k.path[:2] == ["raw", vendor]]
    result = defs.resolve_job_def(f"{vendor}_sync_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(),
        partition_key=LAST if first == LAST else None,
        tags=range_tags(first, LAST) if first != LAST else {},
        asset_selection=raw,
    )
    assert result.success
    events = result.get_asset_materialization_events()
    # in the objects' order, whatever order they finished in (one event per object and day)
    order = list(dict.fromkeys(e.materialization.asset_key for e in events))
    assert order == [dg.AssetKey(["raw", vendor, name]) for name in registry.get(vendor).objects]
    return {  # the window_* numbers are the same on each day's event
        e.materialization.asset_key.path[-1]: {k: v.value for k, v in e.materialization.metadata.items()}
        for e in events
    }


def lake_rows(home: Path, vendor: str) -> dict[tuple[str, str], list[tuple]]:
    """Every row the run wrote, by (object, day folder), without when it was extracted, sorted."""
    found: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for path in sorted((home / "lake" / "raw" / vendor).rglob("*.parquet")):
        table = pq.read_table(path)
        table = table.drop_columns([c for c in VOLATILE_COLUMNS if c in table.column_names])
        rows = [tuple(repr(value) for value in row.values()) for row in table.to_pylist()]
        found[(path.parent.parent.name, path.parent.name)].extend(rows)
    return {key: sorted(rows) for key, rows in found.items()}


HTTP_COUNTS = ("window_requests", "window_http_429s", "window_retries")


@pytest.mark.slow
@pytest.mark.parametrize("vendor", ["zendesk", "hubspot", "intercom", "salesforce"])
def test_concurrent_pulls_write_what_sequential_pulls_write(
    sandbox: SandboxProcess, vendor: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = raw_run(sandbox, vendor, tmp_path / "one", 1, monkeypatch)
    assert sandbox.stats()[vendor].get("rate_limited", 0) == 0, "one at a time was throttled"
    sandbox.reset_stats()
    many = raw_run(sandbox, vendor, tmp_path / "many", len(one), monkeypatch)
    assert sandbox.stats()[vendor].get("rate_limited", 0) == 0, "pulls at once were throttled"

    sequential, concurrent = lake_rows(tmp_path / "one", vendor), lake_rows(tmp_path / "many", vendor)
    assert sum(len(rows) for rows in sequential.values()) > 0
    assert sorted(sequential) == sorted(concurrent)  # same objects and days
    for key, rows in sequential.items():
        assert len(rows) == len(set(rows)), f"{key}: a row written twice"
        assert concurrent[key] == rows, key
    for name in one:
        assert one[name]["window_rows"] == many[name]["window_rows"], name
        for count in HTTP_COUNTS:  # each object's own requests, not its neighbours'
            assert one[name][count] == many[name][count], (name, count, one[name][count], many[name][count])
        assert one[name]["window_http_429s"] == many[name]["window_http_429s"] == 0
    assert sum(m["window_requests"] for m in many.values()) > 2 * len(many)  # several pages per object
    if vendor != "salesforce":  # the limit was reached: the bucket, not the sandbox, held requests back
        assert sum(m["window_rate_limit_wait_s"] for m in many.values()) > 0


def test_a_failing_object_stops_the_others_and_fails_the_step(
    sandbox: SandboxProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Zendesk's four objects at once with a token the sandbox rejects: the step fails with the vendor's
    error (not the cancellation of a neighbour), no object is materialized and no lake file published."""
    monkeypatch.setenv("ZENDESK_CONCURRENCY", "4")
    component = vendor_definitions("zendesk")
    defs = dg.Definitions(
        assets=component.assets,
        asset_checks=component.asset_checks,
        jobs=component.jobs,
        resources={"zendesk": zendesk_resource(sandbox, api_token="wrong-token"), **stores(tmp_path)},
    )
    raw = [k for k in defs.resolve_asset_graph().get_all_asset_keys() if k.path[:2] == ["raw", "zendesk"]]
    result = defs.resolve_job_def("zendesk_sync_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), partition_key=LAST, asset_selection=raw, raise_on_error=False
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    message = failure.step_failure_data.error.to_string()
    assert "AuthenticationError" in message and "PullCancelled" not in message
    assert not list((tmp_path / "lake").rglob("*.parquet"))
    assert result.get_asset_materialization_events() == []


# how each vendor's credentials expire in the sandbox, the client that renews them, and after how many
# answered requests (the login and a first request per object) they expire
EXPIRY: dict[str, tuple[str, str, Any, int]] = {
    "salesforce": (FIRST, "expire-sessions", lambda s: salesforce_resource(s, batch_size=200), 6),
    "hubspot": (
        LAST,
        "expire_tokens",
        lambda s: hubspot_resource(
            s,
            access_token=None,
            client_id=hubspot_sandbox.CLIENT_ID,
            client_secret=hubspot_sandbox.CLIENT_SECRET,
            refresh_token=hubspot_sandbox.REFRESH_TOKEN,
            requests_per_10s=190 / 0.05,
            search_requests_per_second=80,
            search_page_size=20,
        ),
        5,
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("vendor", sorted(EXPIRY))
def test_credentials_expiring_under_pulls_at_once_are_renewed_and_no_pull_fails(
    sandbox: SandboxProcess, vendor: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every object at once, 300 ms a request; once the sandbox has answered the login and a first
    request per object, it expires the credentials, so the pulls' next requests get 401s together.
    They must take turns renewing them (a connector refuses a second refresh while one runs, which
    used to fail that pull): the step succeeds with the same lake rows as an undisturbed run one
    object at a time."""
    first, action, client, answered = EXPIRY[vendor]
    monkeypatch.setitem(VENDORS, vendor, (first, VENDORS[vendor][1], client))
    raw_run(sandbox, vendor, tmp_path / "one", 1, monkeypatch)
    sandbox.admin(vendor, "reset")
    sandbox.reset_stats()
    sandbox.set_faults(FaultConfig(rate_slow=1.0, slow_seconds=0.3))
    expired: list[int] = []

    def expire_mid_run() -> None:
        for _ in range(1200):  # at most a minute
            if sandbox.stats().get(vendor, {}).get("requests", 0) >= answered:
                expired.append(sandbox.admin(vendor, action)["expired"])
                return
            time.sleep(0.05)

    watcher = threading.Thread(target=expire_mid_run)
    watcher.start()
    try:
        many = raw_run(sandbox, vendor, tmp_path / "many", len(registry.get(vendor).objects), monkeypatch)
    finally:  # raw_run fails the test if the step fails
        watcher.join()
        sandbox.set_faults(FaultConfig())
    assert expired and expired[0] >= 1, "the credentials were not expired while the pulls ran"
    assert sandbox.stats()[vendor].get("unauthorized", 0) >= 1  # some pull did meet the expiry
    assert lake_rows(tmp_path / "many", vendor) == lake_rows(tmp_path / "one", vendor)
    assert all(m["window_http_429s"] == 0 for m in many.values())
