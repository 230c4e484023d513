"""A vendor's raw step with its objects pulled one at a time ({VENDOR}_CONCURRENCY=1, the baseline) and
at the product's default degree, at an injected network latency, with the sandbox enforcing the vendor's
published limits and the connector configured with them (docs/settings.md defaults).

Latency is the sandbox's ``slow`` fault on every request (``slow_seconds``, requests waiting side by
side as on a real network). One pull at a time sends at most 1/latency requests a second, so below
the limit a run's time is the sum of its objects' request chains; pulled at once, the chains overlap
and the shared token bucket alone holds them to the limit. Each pair of runs must write the same lake
rows per object and day, and see no 429.

Measured here (2 cores, 300 ms, 3 days, 600 conversations): Salesforce (5 objects, no rate limit)
5.42 s → 1.69 s (3.2x); HubSpot 23.5 s → 21.6 s (1.09x: its search budget of 4 a second is already
nearly filled by one stream at 300 ms); Intercom 11.7 s → 11.1 s (1.06x: conversation parts, fetched
4 at a time inside their own pull, are the longest chain). Zendesk (default 1) is left out: its 10
export requests a minute are filled by one pull.

``python -m benchmarks.concurrency [--latency-ms 300] [--days 3] [--conversations 600]``
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pyarrow.parquet as pq
from dagster_duckdb import DuckDBResource

from benchmarks.figures import Figure, record
from benchmarks.pipeline_side import QUIET, RETRIES, connector
from benchmarks.vendor_ceiling import default_pacing
from integration_pipelines.components.vendor_sync import vendor_components
from integration_pipelines.lib.lake import LakeResource
from integration_pipelines.lib.partitions import range_tags
from integration_pipelines.lib.webhooks.resource import WebhookInboxResource
from integration_pipelines.sources.salesforce import SalesforceResource
from vendor_sandbox.dialects import salesforce as salesforce_sandbox
from vendor_sandbox.faults import FaultConfig
from vendor_sandbox.process import SandboxProcess

VENDORS = ("hubspot", "intercom", "salesforce")  # Salesforce has a daily quota, no rate: latency alone paces it


def resource(vendor: str, url: str) -> dg.ConfigurableResource:
    if vendor == "salesforce":
        return SalesforceResource(
            client_id=salesforce_sandbox.CLIENT_ID,
            client_secret=salesforce_sandbox.CLIENT_SECRET,
            login_url=f"{url}/salesforce",
            **RETRIES,
        )
    return connector(vendor, url, default_pacing(vendor))


VOLATILE = ("_extracted_at",)


def raw_run(sandbox: SandboxProcess, vendor: str, degree: int, first: date, last: date, home: Path) -> dict[str, Any]:
    """The vendor's raw step over ``first``..``last`` at ``degree``: seconds, requests, 429s, lake rows."""
    os.environ[f"{vendor.upper()}_CONCURRENCY"] = str(degree)
    component = dg.build_defs_for_component(vendor_components()[vendor])
    defs = dg.Definitions(
        assets=component.assets,
        asset_checks=component.asset_checks,
        jobs=component.jobs,
        resources={
            vendor: resource(vendor, sandbox.url),
            "lake": LakeResource(url=str(home / "lake")),
            "duckdb": DuckDBResource(database=str(home / "warehouse.duckdb")),
            "webhook_inbox": WebhookInboxResource(url=f"sqlite:///{home / 'webhook_inbox.sqlite'}"),
        },
    )
    raw = [k for k in defs.resolve_asset_graph().get_all_asset_keys() if k.path[:2] == ["raw", vendor]]
    sandbox.reset_stats()
    with dg.DagsterInstance.ephemeral() as instance:
        started = time.perf_counter()
        result = defs.resolve_job_def(f"{vendor}_sync_job").execute_in_process(
            run_config=QUIET,
            instance=instance,
            tags=range_tags(first.isoformat(), last.isoformat()),
            asset_selection=raw,
        )
        seconds = time.perf_counter() - started
    if not result.success:
        raise RuntimeError(f"{vendor} raw step failed at concurrency {degree}")
    served = sandbox.stats().get(vendor, {})
    return {
        "seconds": seconds,
        "requests": served.get("requests", 0),
        "throttled": served.get("rate_limited", 0),
        "rows": lake_rows(home / "lake" / "raw" / vendor),
    }


def lake_rows(folder: Path) -> dict[tuple[str, str], list[tuple]]:
    """Rows per (object, day folder) without their extraction time, sorted: what must not change."""
    found: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for path in sorted(folder.rglob("*.parquet")):
        table = pq.read_table(path)
        table = table.drop_columns([c for c in VOLATILE if c in table.column_names])
        found[(path.parent.parent.name, path.parent.name)] += [tuple(map(repr, r.values())) for r in table.to_pylist()]
    return {key: sorted(rows) for key, rows in found.items()}


BULK_SOQL = "SELECT Id, IsDeleted, CommentBody, SystemModstamp FROM CaseComment ORDER BY SystemModstamp, Id"


def bulk_results(sandbox: SandboxProcess, chunk_rows: int = 10) -> None:
    """One Bulk job's results (case comments in ``chunk_rows``-row chunks), timed from JobComplete: one
    locator after another (the baseline) vs resultPages at the default degree; same rows, same order."""
    from integration_pipelines.sources.salesforce.bulk import BulkQuery
    from integration_pipelines.sources.salesforce.settings import BULK_RESULT_CONCURRENCY

    sandbox.admin("salesforce", "bulk", chunk_records=chunk_rows)
    default, timed = BULK_RESULT_CONCURRENCY.value(), {}
    for degree in (1, default):
        res = SalesforceResource(
            client_id=salesforce_sandbox.CLIENT_ID,
            client_secret=salesforce_sandbox.CLIENT_SECRET,
            login_url=f"{sandbox.url}/salesforce",
            **{**RETRIES, "bulk_max_records": chunk_rows, "bulk_result_concurrency": degree, "bulk_poll_seconds": 0.01},
        )
        with res.open_client() as client:
            query = BulkQuery(client.api, client.api_version, client.bulk_settings)
            rows = [row for chunk in query.run(BULK_SOQL) for row in chunk.rows]
            timed[degree] = (time.perf_counter() - (query.completed_at or 0), rows)
    (base, rows), (seconds, same) = timed[1], timed[default]
    print(
        f"  salesforce Bulk results, {len(rows)} rows in {math.ceil(len(rows) / chunk_rows)} chunks: one locator after "
        f"another {base:.2f} s, resultPages x{default} {seconds:.2f} s  {base / seconds:5.2f}x baseline; "
        f"same rows in the same order: {'yes' if rows == same else 'NO'}"
    )
    record(
        Figure("other", f"Salesforce Bulk results, resultPages x{default} vs one locator after another",
               seconds, "s", base, "one locator after another", better="lower", benchmark="concurrency")
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-ms", type=float, default=300.0, help="added to every request (default 300)")
    parser.add_argument("--days", type=int, default=3, help="days pulled in one run (default 3)")
    parser.add_argument("--conversations", type=int, default=600, help="sandbox world size (default 600)")
    parser.add_argument("--vendors", default=",".join(VENDORS), help="comma-separated (default: all three)")
    args = parser.parse_args()
    today = datetime.now(UTC).date()
    first, last = today - timedelta(days=args.days), today - timedelta(days=1)
    sandbox_args = ["--conversations", str(args.conversations), "--days", str(args.days + 1)]
    sandbox_args += ["--anchor", today.isoformat(), "--rate-limits", "off", "--log-level", "critical"]
    print(
        f"raw step, {first}..{last}, {args.latency_ms:g} ms a request, vendors' published limits enforced, "
        f"{args.conversations} conversations"
    )
    with SandboxProcess(sandbox_args) as sandbox, tempfile.TemporaryDirectory(prefix="bench-concurrency-") as tmp:
        sandbox.set_rate_limits(1.0)
        sandbox.set_faults(FaultConfig(rate_slow=1.0, slow_seconds=args.latency_ms / 1000))
        for vendor in [v.strip() for v in args.vendors.split(",") if v.strip()]:
            os.environ.pop(f"{vendor.upper()}_CONCURRENCY", None)
            default = vendor_components()[vendor].concurrency_degree()
            results = {d: raw_run(sandbox, vendor, d, first, last, Path(tmp) / f"{vendor}-{d}") for d in (1, default)}
            baseline = results[1]["seconds"]
            for degree, result in results.items():
                print(
                    f"  {vendor:<10} concurrency {degree}  {result['seconds']:7.2f} s  {result['requests']:>5} requests"
                    f"  {result['throttled']} x 429  {baseline / result['seconds']:5.2f}x baseline"
                )
            same = results[1]["rows"] == results[default]["rows"]
            print(f"  {vendor:<10} same lake rows per object and day: {'yes' if same else 'NO'}")
        if "salesforce" in args.vendors:
            bulk_results(sandbox)


if __name__ == "__main__":
    main()
