"""The change feed's admin API, beside the other ``/_sandbox`` routes.

``POST /_sandbox/changes`` {"vendor", "kind", "count": 1, "deliver": true, "url"?, "at"?, "object"?}
    makes the changes synchronously, delivers their webhooks (with retries) unless ``deliver`` is
    false, and answers ``{"changes": [...], "deliveries": [...]}``: record ids as the vendor's REST
    API shows them, change times, event ids and each delivery's status, attempts and outcomes.
    ``url`` is the exact endpoint to POST to (default: ``{--webhooks-to}/{vendor}``); ``at`` (ISO-8601)
    dates the change, e.g. past Zendesk's one-minute export lag; ``object`` picks what HubSpot
    ("tickets", "contacts") or Intercom ("conversations", "contacts") changes.
``GET /_sandbox/webhooks``: per-vendor delivered/failed/attempts/events and the latest deliveries;
``DELETE /_sandbox/webhooks`` zeroes them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from vendor_sandbox.changefeed.feed import ChangeFeed
from vendor_sandbox.changefeed.model import ChangeError
from vendor_sandbox.dialect import json_response

OPTION_KEYS = ("object",)


def _moment(value: Any) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def change_routes(feed: ChangeFeed) -> list[Route]:
    async def make_changes(request: Request) -> Response:
        try:
            body = await request.json()
            if not isinstance(body, dict):
                raise ChangeError("the body must be a JSON object")
            vendor, kind = str(body.get("vendor", "")), str(body.get("kind", ""))
            count = body.get("count", 1)
            if not isinstance(count, int) or isinstance(count, bool):
                raise ChangeError("count must be an integer")
            options = {k: body[k] for k in OPTION_KEYS if k in body}
            deliver = bool(body.get("deliver", True))
            if deliver:
                feed.target(vendor, body.get("url"))  # no receiver: refuse before changing anything
            changes = feed.apply(vendor, kind, count, _moment(body.get("at")), options)
            results = await feed.deliver(vendor, changes, body.get("url")) if deliver else []
        except ValueError as exc:  # ChangeError, bad JSON, bad "at"
            return json_response({"error": str(exc)}, 422)
        return json_response(
            {
                "vendor": vendor,
                "kind": kind,
                "changes": [c.summary() for c in changes],
                "deliveries": [r.summary() for r in results],
            }
        )

    async def get_webhooks(request: Request) -> Response:
        return json_response(
            {
                "target": feed.settings.target,
                "interval": feed.settings.interval,
                "vendors": sorted(feed.dialects),
                **feed.stats.snapshot(),
            }
        )

    async def delete_webhooks(request: Request) -> Response:
        feed.stats.reset()
        return json_response({})

    return [
        Route("/_sandbox/changes", make_changes, methods=["POST"]),
        Route("/_sandbox/webhooks", get_webhooks, methods=["GET"]),
        Route("/_sandbox/webhooks", delete_webhooks, methods=["DELETE"]),
    ]
