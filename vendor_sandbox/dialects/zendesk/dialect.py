"""Zendesk Support as the sandbox serves it: incremental exports, auth, limits and error shapes.

Served under ``/zendesk/{subdomain}`` so that a wrong subdomain is testable on loopback.
Paths, paging fields, the one-minute lag, the 10 requests/minute export limit, 401 and 429
bodies and headers follow Zendesk's published API.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Sequence
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from vendor_sandbox.changefeed.overlay import Overlay
from vendor_sandbox.crm import Crm
from vendor_sandbox.dialect import Dialect, json_response
from vendor_sandbox.dialects.zendesk import render
from vendor_sandbox.dialects.zendesk.bulk import BulkTickets
from vendor_sandbox.dialects.zendesk.changes import ZENDESK_FEED
from vendor_sandbox.export_stream import ExportStream, decode_cursor, encode_cursor
from vendor_sandbox.ratelimits import Limit, WindowState
from vendor_sandbox.world import World

SUBDOMAIN = "sandbox"
EMAIL = "admin@sandbox.example"
API_TOKEN = "sandbox-zendesk-api-token"
OAUTH_TOKEN = "sandbox-zendesk-oauth-token"
MAX_PER_PAGE = 1000
TIME_BASED_PAGE = 1000


class ZendeskDialect(Dialect):
    name = "zendesk"
    mount = "/zendesk/{subdomain}"
    rate_limits = {
        "incremental": Limit(10, 60),  # incremental exports: 10 requests per minute
        "default": Limit(700, 60),  # Enterprise plan account-wide limit
    }

    change_feed = ZENDESK_FEED
    base = f"https://{SUBDOMAIN}.zendesk.com"

    def __init__(self, world: World, crm: Crm) -> None:
        super().__init__(world, crm)
        self.users = ExportStream(
            (int(p.updated_at.timestamp()), p.id, render.user(p, self.base)) for p in world.people
        )
        self.organizations = ExportStream(
            (int(o.updated_at.timestamp()), o.id, render.organization(o, self.base)) for o in world.companies
        )
        self.tickets: ExportStream | BulkTickets = ExportStream(())
        self.ticket_events = ExportStream(())
        self._build_tickets()
        basic = base64.b64encode(f"{EMAIL}/token:{API_TOKEN}".encode()).decode()
        self._valid_auth = {f"Basic {basic}": "api-token", f"Bearer {OAUTH_TOKEN}": "oauth"}

    def _build_tickets(self) -> None:
        """Tickets and their comment events from the seeded world, without the change feed's changes."""
        conversations = self.crm.conversations(self.world, "zendesk")
        self.overlay = Overlay(self.world, self.name, conversations)
        config = self.world.config
        if config.bulk_tickets:  # the world's tickets as templates for that many, made page by page
            assert config.anchor is not None  # resolved by build_world
            history = (config.anchor - timedelta(days=config.days), config.anchor)
            self.tickets = BulkTickets(conversations, config.bulk_tickets, *history, self.base)
        else:
            self.tickets.load(  # in place: the routes hold these streams
                (int(c.updated_at.timestamp()), c.id, render.ticket(c, self.base)) for c in conversations
            )
        self.ticket_events.load(
            (int(m.created_at.timestamp()), m.id, render.comment_event(m, c)) for c in conversations for m in c.messages
        )

    def admin(self, action: str, payload: dict) -> object:
        """``reset`` undoes the change feed's changes (the rest of Zendesk's data never changes)."""
        if action == "reset":
            if self.overlay.dirty:
                self._build_tickets()
            return {"tickets": len(self.tickets)}
        return super().admin(action, payload)

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/api/v2/incremental/tickets/cursor.json", self._cursor_export(self.tickets, "tickets")),
            Route("/api/v2/incremental/users/cursor.json", self._cursor_export(self.users, "users")),
            Route("/api/v2/incremental/organizations.json", self._time_export(self.organizations, "organizations")),
            Route("/api/v2/incremental/ticket_events.json", self._time_export(self.ticket_events, "ticket_events")),
            Route("/api/v2/users/me.json", self._me),
        ]

    def preflight(self, request: Request) -> Response | None:
        subdomain = request.path_params.get("subdomain")
        if subdomain != SUBDOMAIN:
            return json_response(
                {
                    "error": {
                        "title": f"No help desk at {subdomain}.zendesk.com",
                        "message": "There is no help desk configured at this address.",
                    }
                },
                404,
            )
        return None

    def credential(self, request: Request) -> str | None:
        return self._valid_auth.get(request.headers.get("authorization", ""))

    def unauthorized(self, request: Request) -> Response:
        return json_response({"error": "Couldn't authenticate you"}, 401)

    def limit_group(self, request: Request) -> str:
        return "incremental" if "/incremental/" in request.url.path else "default"

    def throttled(self, retry_after: str, state: WindowState | None) -> Response:
        headers = {"Retry-After": retry_after, **(self.limit_headers(state) if state else {})}
        return json_response(
            {"error": "APIRateLimitExceeded", "description": "Number of allowed API requests per minute exceeded"},
            429,
            headers,
        )

    def server_error(self, status_code: int) -> Response:
        return json_response(
            {
                "error": "ServiceUnavailable" if status_code == 503 else "InternalError",
                "description": "Please try again later",
            },
            status_code,
        )

    def limit_headers(self, state: WindowState) -> dict[str, str]:
        return {
            "X-Rate-Limit": str(state.limit),
            "X-Rate-Limit-Remaining": str(state.remaining),
            "ratelimit-limit": str(state.limit),
            "ratelimit-remaining": str(state.remaining),
            "ratelimit-reset": str(state.reset_after),
        }

    async def _me(self, request: Request) -> Response:
        identity = self.credential(request)
        return json_response({"user": {"id": 1, "email": EMAIL, "role": "admin", "auth": identity}})

    def _cursor_export(self, stream: ExportStream, key: str):
        async def handler(request: Request) -> Response:
            q = request.query_params
            try:
                per_page = min(int(q.get("per_page", MAX_PER_PAGE)), MAX_PER_PAGE)
                if "cursor" in q:
                    position = decode_cursor(q["cursor"])
                elif "start_time" in q:
                    start = int(q["start_time"])
                    if start > time.time() - 60:
                        return _invalid("start_time must be more than one minute in the past")
                    position = (start, -1)
                else:
                    return _invalid("start_time or cursor is required")
            except ValueError:
                return _invalid("invalid start_time, cursor or per_page")
            if per_page < 1:
                return _invalid("per_page must be positive")
            page = stream.after((position[0] - 1, 2**62) if position[1] == -1 else position, per_page)
            cursor = encode_cursor(page.last_key or position)
            next_url = str(
                request.url.remove_query_params("start_time").include_query_params(cursor=cursor, per_page=per_page)
            )
            body = (
                b'{"'
                + key.encode()
                + b'":['
                + b",".join(page.records)
                + b"],"
                + f'"after_cursor":"{cursor}","after_url":"{next_url}","before_cursor":null,'
                f'"before_url":null,"end_of_stream":{str(page.end_of_stream).lower()}}}'.encode()
            )
            return Response(body, media_type="application/json; charset=utf-8")

        return handler

    def _time_export(self, stream: ExportStream, key: str):
        async def handler(request: Request) -> Response:
            try:
                start = int(request.query_params["start_time"])
            except (KeyError, ValueError):
                return _invalid("start_time is required and must be a Unix time")
            if start > time.time() - 60:
                return _invalid("start_time must be more than one minute in the past")
            page = stream.since(start, TIME_BASED_PAGE)
            end_time = page.last_key[0] if page.last_key else start
            next_url = str(request.url.include_query_params(start_time=end_time))
            end_of_stream = page.end_of_stream or len(page.records) < TIME_BASED_PAGE
            body = (
                b'{"'
                + key.encode()
                + b'":['
                + b",".join(page.records)
                + b"],"
                + f'"next_page":"{next_url}","count":{len(page.records)},"end_time":{end_time},'
                f'"end_of_stream":{str(end_of_stream).lower()}}}'.encode()
            )
            return Response(body, media_type="application/json; charset=utf-8")

        return handler


def _invalid(description: str) -> Response:
    return json_response({"error": "InvalidValue", "description": description}, 400)
