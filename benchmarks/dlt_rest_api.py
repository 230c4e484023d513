"""dlt's generic ``rest_api`` source, configured for the sandbox's vendor dialects: the baseline.

Runs in the benchmark's own virtualenv (``make dlt-venv``), never the project's: it imports dlt and
the standard library only. ``python benchmarks/dlt_rest_api.py '<json job>'`` prints one JSON line:
rows, seconds, tables. The job says: ``vendor`` (zendesk | hubspot | intercom), ``base_url`` (the
sandbox or the latency proxy), ``start``/``end`` (the window, Unix seconds), ``mode`` (``extract``:
dlt's extract step only, items written to its local files; ``duckdb``: ``pipeline.run`` merging by
``id`` into a DuckDB file, loading ``loader_file_format`` files: ``jsonl`` by default, dlt's fastest
for DuckDB without pyarrow; dlt's own default, ``insert_values``, loads many times slower), ``workdir``
and the credentials.

Each configuration uses dlt's documented paginators as a dlt user would write them for the vendor's
API; only Zendesk's stop condition (``end_of_stream: true``, a boolean that says "no more") needs a
small ``JSONResponseCursorPaginator`` subclass, since ``has_more_path`` reads the opposite sense.
HubSpot's search serves at most 10,000 results per query, so the window is searched one UTC day per
resource (all into one table); archived contacts come from the list API, as search never returns them.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import dlt
from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator
from dlt.sources.rest_api import rest_api_source

DAY = 86_400


class ZendeskCursorPaginator(JSONResponseCursorPaginator):
    """Zendesk's cursor export: next page by ``cursor=after_cursor``; the stream ends at ``end_of_stream``."""

    def __init__(self) -> None:
        super().__init__(cursor_path="after_cursor", cursor_param="cursor")

    def update_state(self, response: Any, data: list[Any] | None = None) -> None:
        super().update_state(response, data)
        if response.json().get("end_of_stream"):
            self._has_next_page = False


def zendesk(job: dict[str, Any]) -> dict[str, Any]:
    return {
        "client": {
            "base_url": f"{job['base_url']}/zendesk/{job['subdomain']}/api/v2/",
            "auth": {"type": "http_basic", "username": f"{job['email']}/token", "password": job["api_token"]},
        },
        "resource_defaults": {"primary_key": "id", "write_disposition": "merge"},
        "resources": [
            {
                "name": "tickets",
                "endpoint": {
                    "path": "incremental/tickets/cursor.json",
                    "params": {"start_time": job["start"], "per_page": 1000},
                    "data_selector": "tickets",
                    "paginator": ZendeskCursorPaginator(),
                },
            }
        ],
    }


def hubspot(job: dict[str, Any]) -> dict[str, Any]:
    properties = job["properties"]
    paginator = {"type": "cursor", "cursor_path": "paging.next.after", "cursor_body_path": "after"}

    def search_day(day_start: int) -> dict[str, Any]:
        day_end = min(day_start + DAY, job["end"])
        window = [
            {"propertyName": "lastmodifieddate", "operator": "GTE", "value": str(day_start * 1000)},
            {"propertyName": "lastmodifieddate", "operator": "LT", "value": str(day_end * 1000)},
        ]
        body = {
            "filterGroups": [{"filters": window}],
            "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
            "properties": properties,
            "limit": 200,
        }
        return {
            "name": f"contacts_{day_start}",
            "table_name": "contacts",
            "endpoint": {
                "path": "crm/v3/objects/contacts/search",
                "method": "POST",
                "json": body,
                "data_selector": "results",
                "paginator": paginator,
            },
        }

    archived = {
        "name": "contacts_archived",
        "table_name": "contacts",
        "endpoint": {
            "path": "crm/v3/objects/contacts",
            "params": {"archived": "true", "limit": 100, "properties": ",".join(properties)},
            "data_selector": "results",
            "paginator": {"type": "cursor", "cursor_path": "paging.next.after", "cursor_param": "after"},
        },
    }
    days = range(job["start"], job["end"], DAY)
    return {
        "client": {"base_url": f"{job['base_url']}/hubspot/", "auth": {"type": "bearer", "token": job["token"]}},
        "resource_defaults": {"primary_key": "id", "write_disposition": "merge"},
        "resources": [*(search_day(d) for d in days), archived],
    }


def intercom(job: dict[str, Any]) -> dict[str, Any]:
    query = {
        "operator": "AND",
        "value": [
            {"field": "updated_at", "operator": ">", "value": job["start"] - 1},
            {"field": "updated_at", "operator": "<", "value": job["end"]},
        ],
    }
    return {
        "client": {
            "base_url": f"{job['base_url']}/intercom/",
            "auth": {"type": "bearer", "token": job["token"]},
            "headers": {"Intercom-Version": "2.11"},
        },
        "resource_defaults": {"primary_key": "id", "write_disposition": "merge"},
        "resources": [
            {
                "name": "conversations",
                "endpoint": {
                    "path": "conversations/search",
                    "method": "POST",
                    "json": {"query": query, "pagination": {"per_page": 150}},
                    "data_selector": "conversations",
                    "paginator": {
                        "type": "cursor",
                        "cursor_path": "pages.next.starting_after",
                        "cursor_body_path": "pagination.starting_after",
                    },
                },
            }
        ],
    }


CONFIGS = {"zendesk": zendesk, "hubspot": hubspot, "intercom": intercom}
TABLES = {"zendesk": "tickets", "hubspot": "contacts", "intercom": "conversations"}


def run(job: dict[str, Any]) -> dict[str, Any]:
    """One extract or one full run into DuckDB; rows are items extracted, or rows in the merged table."""
    vendor, workdir = job["vendor"], job["workdir"]
    source = rest_api_source(CONFIGS[vendor](job), name=vendor)
    pipeline = dlt.pipeline(
        pipeline_name=f"bench_{vendor}",
        pipelines_dir=f"{workdir}/pipelines",
        destination=dlt.destinations.duckdb(f"{workdir}/dlt_{vendor}.duckdb"),
        dataset_name=vendor,
        progress="log" if job.get("verbose") else None,
    )
    started = time.perf_counter()
    if job["mode"] == "extract":
        info = pipeline.extract(source)
        seconds = time.perf_counter() - started
        rows = sum(
            m.items_count
            for load_metrics in info.metrics.values()
            for step in load_metrics
            for job_id, m in step["job_metrics"].items()
            if job_id.split(".")[0] == TABLES[vendor]
        )
        return {"rows": rows, "seconds": seconds}
    pipeline.run(source, loader_file_format=job.get("loader_file_format", "jsonl"))
    seconds = time.perf_counter() - started
    with pipeline.sql_client() as client:
        rows = client.execute_sql(f"SELECT count(*) FROM {TABLES[vendor]}")[0][0]
        tables = [r[0] for r in client.execute_sql("SELECT table_name FROM information_schema.tables")]
    return {"rows": rows, "seconds": seconds, "tables": sorted(t for t in tables if not t.startswith("_dlt"))}


if __name__ == "__main__":
    print(json.dumps(run(json.loads(sys.argv[1]))))
