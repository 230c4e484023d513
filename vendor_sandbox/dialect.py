"""What a vendor dialect plugs into the sandbox: routes, auth, rate-limit groups and error shapes.

The framework (``app.py``) applies faults, auth and rate limits the same way to every dialect, so
adding Salesforce, HubSpot, Intercom or an LLM endpoint means writing one of these classes.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import ClassVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from vendor_sandbox.changefeed.model import VendorFeed
from vendor_sandbox.crm import Crm
from vendor_sandbox.ratelimits import Limit, WindowState
from vendor_sandbox.world import World


def json_response(payload: object, status_code: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """A compact UTF-8 JSON response (Arabic stays readable, not \\u-escaped)."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(
        body, status_code=status_code, headers=dict(headers or {}), media_type="application/json; charset=utf-8"
    )


class Dialect(ABC):
    """One vendor's API as served by the sandbox, mounted at ``/{mount}``."""

    name: str
    mount: str  # path prefix, may hold path parameters (e.g. "/zendesk/{subdomain}")
    rate_limits: Mapping[str, Limit]
    change_feed: ClassVar[VendorFeed | None] = None  # how the vendor changes its data and sends webhooks

    def __init__(self, world: World, crm: Crm) -> None:
        self.world = world
        self.crm = crm  # which conversations live in this system, deals, CRM-side deletions

    @abstractmethod
    def routes(self) -> Sequence[BaseRoute]:
        """The vendor's endpoints, relative to the mount."""

    @abstractmethod
    def credential(self, request: Request) -> str | None:
        """The caller's identity if its credentials are valid, else None (answered with 401)."""

    def preflight(self, request: Request) -> Response | None:
        """A response that short-circuits the request before auth (e.g. unknown account)."""
        return None

    def limit_group(self, request: Request) -> str:
        return "default"

    def unauthorized(self, request: Request) -> Response:
        return json_response({"error": "unauthorized"}, 401)

    def throttled(self, retry_after: str, state: WindowState | None) -> Response:
        headers = {"Retry-After": retry_after, **(self.limit_headers(state) if state else {})}
        return json_response({"error": "rate limited"}, 429, headers)

    def server_error(self, status_code: int) -> Response:
        return json_response({"error": "server error"}, status_code)

    def admin(self, action: str, payload: dict) -> object:
        """Run-time controls a dialect offers tests (``POST /_sandbox/{name}/{action}``), e.g. expiring
        sessions or adding a custom field; unknown actions raise KeyError (answered with 404).
        ``reset`` (back to the start state) is always accepted: a dialect without state has nothing to do."""
        if action == "reset":
            return {}
        raise KeyError(action)

    def limit_headers(self, state: WindowState) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(state.limit),
            "RateLimit-Remaining": str(state.remaining),
            "RateLimit-Reset": str(state.reset_after),
        }
