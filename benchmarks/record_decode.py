"""Record decoding: rows/s from a page's response bytes to the Arrow record batch a connector yields.

Run from the repo root:  ``python -m benchmarks.record_decode [--tickets 3000] [--leads 20000] [--repeat 5]``

A sandbox (``SandboxProcess``, limits off) serves the world; every Zendesk ticket export page
(``per_page`` 1000) and every HubSpot contacts list page (100 per page, every discovered property)
is fetched once over HTTP and kept as bytes in memory. Then each variant turns every page's bytes
into the batch, as the connectors do (decode the body, take the page's records, ``convert_records``
with the object's columns), ``--repeat`` times; the best pass counts (wall clock, and CPU seconds, which a busy machine
disturbs less):

- ``baseline``: the body decoded as ``ApiClient`` does today (``json.loads`` of the text) and the
  conversion as it was (``integration_pipelines_tests/lib/records_reference.py``);
- ``new_convert``: the same decode, the columnar ``convert_records`` (what ships with this change);
- ``new``: the body decoded with ``orjson.loads`` as well (the HTTP client's parse step).

Every variant's batches must equal the baseline's (checked, ``_raw`` byte for byte). ``--profile``
prints cProfile's top functions for the baseline and the new path.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
import pyarrow as pa

from benchmarks.figures import Figure, record
from integration_pipelines.lib import records
from integration_pipelines.sources.hubspot import HubSpotResource
from integration_pipelines.sources.hubspot.objects import CONTACTS
from integration_pipelines.sources.zendesk import ZendeskResource
from integration_pipelines.sources.zendesk.objects import TICKETS
from integration_pipelines_tests.lib import records_reference
from vendor_sandbox.dialects.hubspot.dialect import ACCESS_TOKEN
from vendor_sandbox.dialects.zendesk.dialect import API_TOKEN, EMAIL, SUBDOMAIN
from vendor_sandbox.process import SandboxProcess

EXTRACTED_AT = datetime(2026, 12, 1, tzinfo=UTC)
SPECS = {"zendesk_tickets": (TICKETS, "tickets"), "hubspot_contacts": (CONTACTS, "results")}


def fetch_pages(sandbox: SandboxProcess) -> dict[str, list[bytes]]:
    """Every page's raw body, as the connectors request them."""
    zendesk = ZendeskResource(
        subdomain=SUBDOMAIN,
        email=EMAIL,
        api_token=API_TOKEN,
        base_url=f"{sandbox.url}/zendesk/{{subdomain}}",
        export_requests_per_minute=100_000,
        requests_per_minute=100_000,
    )
    hubspot = HubSpotResource(access_token=ACCESS_TOKEN, base_url=f"{sandbox.url}/hubspot", requests_per_10s=1e6)
    pages: dict[str, list[bytes]] = {"zendesk_tickets": [], "hubspot_contacts": []}
    with zendesk.open_client() as client:
        params: dict[str, Any] = {"start_time": 0, "per_page": 1000}
        while True:
            content = client.api.request("GET", TICKETS.path, params=params).content
            pages["zendesk_tickets"].append(content)
            body = json.loads(content)
            if body["end_of_stream"]:
                break
            params = {"cursor": body["after_cursor"], "per_page": 1000}
    with hubspot.open_client() as client:
        params = {"limit": 100, "properties": ",".join(client.properties(CONTACTS)), "archived": "false"}
        while True:
            content = client.api.request("GET", "/crm/v3/objects/contacts", params=params).content
            pages["hubspot_contacts"].append(content)
            after = ((json.loads(content).get("paging") or {}).get("next") or {}).get("after")
            if not after:
                break
            params = {**params, "after": after}
    return pages


def json_body(content: bytes) -> Any:
    """What ``ApiClient._parse`` does with a 2xx body today."""
    return json.loads(content.decode(json.detect_encoding(content), "surrogatepass"))


VARIANTS: dict[str, tuple[Callable[[bytes], Any], Callable[..., records.ConvertedPage]]] = {
    "baseline": (json_body, records_reference.convert_records),
    "new_convert": (json_body, records.convert_records),
    "new": (orjson.loads, records.convert_records),
}


def decode(name: str, variant: str, pages: list[bytes]) -> list[pa.RecordBatch]:
    parse, convert = VARIANTS[variant]
    spec, key = SPECS[name]
    out = []
    for content in pages:
        page = convert(
            parse(content)[key],
            spec.columns,
            EXTRACTED_AT,
            primary_key=spec.primary_key,
            version_column=spec.version_column,
        )
        out.append(page.batch)
    return out


def measure(name: str, pages: list[bytes], repeat: int) -> dict[str, Any]:
    """Best wall-clock and CPU seconds of ``repeat`` passes per variant; every variant's batches
    must equal the baseline's."""
    results: dict[str, Any] = {}
    expected = decode(name, "baseline", pages)
    rows = sum(b.num_rows for b in expected)
    for variant in VARIANTS:
        wall = cpu = float("inf")
        for _ in range(repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            batches = decode(name, variant, pages)
            wall = min(wall, time.perf_counter() - started)
            cpu = min(cpu, time.process_time() - started_cpu)
        if not all(b.equals(e) for b, e in zip(batches, expected, strict=True)):
            raise AssertionError(f"{name}: {variant} made different batches from the baseline")
        results[variant] = {"rows_per_s": rows / wall, "rows_per_cpu_s": rows / max(cpu, 1e-9)}
    return {"rows": rows, "pages": len(pages), "bytes": sum(map(len, pages)), "variants": results}


def print_report(name: str, report: dict[str, Any]) -> None:
    print(f"\n{name}: {report['rows']:,} rows in {report['pages']} pages, {report['bytes'] / 1e6:.1f} MB of JSON")
    base = report["variants"]["baseline"]
    for variant, got in report["variants"].items():
        print(
            f"  {variant:<12} {got['rows_per_s']:>10,.0f} rows/s {got['rows_per_cpu_s']:>10,.0f} rows/CPU-s"
            f"  {got['rows_per_s'] / base['rows_per_s']:.2f}x baseline"
        )
    print("  batches identical to the baseline's (values, schema, _raw bytes): yes")
    for variant, got in report["variants"].items():
        if variant != "baseline":
            record(
                Figure("other", f"record decoding, {name}: {variant}", got["rows_per_s"], "rows/s",
                       base["rows_per_s"], "per-cell decoding", benchmark="record_decode")
            )  # fmt: skip


def profile(name: str, variant: str, pages: list[bytes], top: int) -> None:
    profiler = cProfile.Profile()
    profiler.runcall(decode, name, variant, pages)
    print(f"--- cProfile {name} {variant}")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=3000, help="conversations in the world (Zendesk tickets)")
    parser.add_argument("--leads", type=int, default=20_000, help="imported HubSpot leads (contacts)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="cProfile the baseline and the new path")
    args = parser.parse_args()
    sandbox_args = ["--seed", "7", "--conversations", str(args.tickets), "--import-leads", str(args.leads)]
    sandbox_args += ["--days", "30", "--rate-limits", "off", "--dialects", "zendesk,hubspot", "--log-level", "critical"]
    with SandboxProcess(sandbox_args, startup_timeout=300) as sandbox:
        pages = fetch_pages(sandbox)
    for name, got in pages.items():
        print_report(name, measure(name, got, args.repeat))
    if args.profile:
        for name, got in pages.items():
            for variant in ("baseline", "new"):
                profile(name, variant, got, 12)


if __name__ == "__main__":
    main()
