"""This project's side of the dlt comparison: the connector's client alone, and the Dagster assets end to end.

Client only: ``open_client().pages(object, start, end)`` iterated to the end (records decoded and typed
as Arrow, nothing written). End to end: the vendor's ``raw`` and ``warehouse`` assets for one object,
materialized in process over a window of days in one run (a single-run backfill, as the UI launches
it), with a fresh lake, DuckDB file and ephemeral Dagster instance under ``home``; their checks run
as in the vendor's sync job (``synced_recently`` left out, as there).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from integration_pipelines.components.vendor_sync import vendor_components
from integration_pipelines.lib.lake import LakeResource
from integration_pipelines.lib.partitions import range_tags
from integration_pipelines.lib.webhooks.resource import WebhookInboxResource
from integration_pipelines.sources.hubspot import HubSpotResource
from integration_pipelines.sources.intercom import IntercomResource
from integration_pipelines.sources.zendesk import ZendeskResource
from vendor_sandbox.dialects import hubspot as hubspot_sandbox
from vendor_sandbox.dialects import intercom as intercom_sandbox
from vendor_sandbox.dialects import zendesk as zendesk_sandbox

OBJECTS = {"hubspot": "contacts", "zendesk": "tickets", "intercom": "conversations"}
RETRIES: dict[str, Any] = {"timeout_seconds": 30.0, "backoff_seconds": 0.05, "max_backoff_seconds": 2.0}
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}  # events are stored all the same
UNPACED: dict[str, dict[str, float]] = {
    "zendesk": {"export_requests_per_minute": 1e9, "requests_per_minute": 1e9},
    "hubspot": {"requests_per_10s": 1e9, "search_requests_per_second": 1e9},
    "intercom": {"requests_per_minute": 1e9},
}


def connector(vendor: str, base_url: str, settings: Mapping[str, Any] | None = None) -> dg.ConfigurableResource:
    """The vendor's resource pointed at ``base_url`` (the sandbox or the latency proxy); unpaced unless
    ``settings`` gives limits."""
    options = {**RETRIES, **UNPACED[vendor], **(settings or {})}
    if vendor == "zendesk":
        return ZendeskResource(
            subdomain=zendesk_sandbox.SUBDOMAIN,
            email=zendesk_sandbox.EMAIL,
            api_token=zendesk_sandbox.API_TOKEN,
            base_url=f"{base_url}/zendesk/{{subdomain}}",
            **options,
        )
    if vendor == "hubspot":
        return HubSpotResource(access_token=hubspot_sandbox.ACCESS_TOKEN, base_url=f"{base_url}/hubspot", **options)
    return IntercomResource(access_token=intercom_sandbox.ACCESS_TOKEN, base_url=f"{base_url}/intercom", **options)


def window(first: date, last: date) -> tuple[datetime, datetime]:
    """UTC days ``first``..``last`` inclusive as the half-open window the assets pull."""
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    return start, datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)


def client_only(vendor: str, base_url: str, first: date, last: date, **settings: Any) -> dict[str, Any]:
    """Rows, seconds and the client's own counters for one pull of the window, nothing written."""
    start, end = window(first, last)
    rows = 0
    resource = connector(vendor, base_url, settings)
    started = time.perf_counter()
    with resource.open_client() as client:  # type: ignore[attr-defined]
        for page in client.pages(OBJECTS[vendor], start, end):
            rows += page.batch.num_rows
        seconds = time.perf_counter() - started
        metrics = client.api.metrics
        stats = dict(getattr(client, "stats", {}))
    return {
        "rows": rows,
        "seconds": seconds,
        "client_requests": metrics.requests,
        "throttled": metrics.throttled,
        "rate_limit_wait_seconds": metrics.rate_limit_wait_seconds,
        "stats": stats,
    }


def end_to_end(vendor: str, base_url: str, first: date, last: date, home: Path) -> dict[str, Any]:
    """The vendor's raw + warehouse assets for its object over ``first``..``last`` in one in-process run."""
    settings = vendor_components()[vendor]
    component = dg.build_defs_for_component(settings)
    keys = [dg.AssetKey(["raw", vendor, OBJECTS[vendor]]), dg.AssetKey(["warehouse", vendor, OBJECTS[vendor]])]
    # as the vendor's sync job selects: the assets and their checks but synced_recently (its own schedule's)
    selection = dg.AssetSelection.assets(*keys) - dg.AssetSelection.checks(*settings.freshness_check_keys())
    defs = dg.Definitions(
        assets=component.assets,
        asset_checks=component.asset_checks,
        jobs=[dg.define_asset_job("bench_job", selection=selection)],
        resources={
            vendor: connector(vendor, base_url),
            "lake": LakeResource(url=str(home / "lake")),
            "duckdb": DuckDBResource(database=str(home / "warehouse.duckdb")),
            "webhook_inbox": WebhookInboxResource(url=f"sqlite:///{home / 'webhook_inbox.sqlite'}"),
        },
    )
    job = defs.resolve_job_def("bench_job")
    with dg.DagsterInstance.ephemeral() as instance:
        started, cpu_started = time.perf_counter(), time.process_time()
        result = job.execute_in_process(
            run_config=QUIET, instance=instance, tags=range_tags(first.isoformat(), last.isoformat())
        )
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    if not result.success:
        raise RuntimeError(f"{vendor} end-to-end run failed")
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(f'SELECT count(*) FROM "{vendor}"."{OBJECTS[vendor]}"').fetchone()[0]  # type: ignore[index]
    # CPU seconds of this process (every thread): far less moved by other load on the machine than wall time
    return {"rows": rows, "seconds": seconds, "cpu_seconds": cpu_seconds}
