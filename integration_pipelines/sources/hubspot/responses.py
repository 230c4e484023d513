"""What HubSpot's CRM responses must look like, shared by the list and the search paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from integration_pipelines.lib.http.errors import IntegrationError
from integration_pipelines.lib.records import parse_timestamp
from integration_pipelines.sources.hubspot.objects import HubSpotObject

INTEGRATION = "hubspot"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)

Records = list[dict[str, Any]]


def epoch_ms(moment: datetime) -> int:
    return (moment.astimezone(UTC) - _EPOCH) // _MS


def results(spec: HubSpotObject, body: Any) -> Records:
    found = body.get("results") if isinstance(body, dict) else None
    if not isinstance(found, list) or not all(isinstance(r, dict) for r in found):
        keys = sorted(body) if isinstance(body, dict) else type(body).__name__
        raise malformed(spec, f"expected a results list, got {keys}")
    return found


def next_after(body: dict[str, Any]) -> str | None:
    """``paging.next.after``: the list API's cursor, or the search API's offset of the next page."""
    paging = body.get("paging")
    after = ((paging or {}).get("next") or {}).get("after") if isinstance(paging, dict) else None
    return str(after) if after not in (None, "") else None


def last_modified(spec: HubSpotObject, record: dict[str, Any]) -> datetime:
    properties = record.get("properties")
    value = properties.get(spec.lastmod_property) if isinstance(properties, dict) else None
    try:
        stamp = parse_timestamp(value)
    except ValueError:
        stamp = None
    if stamp is None:
        raise malformed(spec, f"record {record.get('id')!r} has no valid {spec.lastmod_property}")
    return stamp


def malformed(spec: HubSpotObject, detail: str) -> IntegrationError:
    return IntegrationError(INTEGRATION, f"malformed {spec.name} response: {detail}")
