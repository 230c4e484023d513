"""Calendly API v2 as the sandbox serves it: scheduled events, their invitees, the current user, limits.

Served under ``/calendly`` (the host is ``api.calendly.com``). Follows the published API: Bearer token
(personal access token or OAuth); ``GET /users/me`` (``current_organization``); ``GET /scheduled_events``
filtered by ``organization`` and start time (``min_start_time`` inclusive, ``max_start_time`` exclusive),
``status``, ``sort=start_time:asc|desc``, ``count`` ≤ 100 and ``page_token``; ``GET
/scheduled_events/{uuid}`` and ``/scheduled_events/{uuid}/invitees`` (``count``, ``page_token``,
``status``, ``email``); ``{"collection": [...], "pagination": {"count", "next_page", "next_page_token",
"previous_page", "previous_page_token"}}``; 500 requests per user per minute with ``X-RateLimit-Limit``,
``-Remaining`` and ``-Reset`` (seconds); errors as ``{"title", "message"}``. An organization other than
the token's is 403 Permission Denied, as for a non-admin token.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Sequence
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from vendor_sandbox.crm import Crm
from vendor_sandbox.dialect import Dialect, json_response
from vendor_sandbox.dialects.calendly import render
from vendor_sandbox.dialects.calendly.changes import CALENDLY_FEED
from vendor_sandbox.ratelimits import Limit, WindowState
from vendor_sandbox.world import World

ACCESS_TOKEN = "sandbox-calendly-personal-access-token"
OAUTH_TOKEN = "sandbox-calendly-oauth-access-token"
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
RATE_LIMIT = Limit(500, 60)  # paid plans: 500 requests per user per minute
POISON_KINDS = ("null_version", "bad_version", "null_key")
BREAKS = ("no_collection", "same_token")  # how ``break_pages`` breaks the events pages after the first


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _error(status: int, title: str, message: str) -> Response:
    return json_response({"title": title, "message": message}, status)


def _invalid(parameter: str, message: str) -> Response:
    body = {
        "title": "Invalid Argument",
        "message": "The supplied parameters are invalid.",
        "details": [{"parameter": parameter, "message": message}],
    }
    return json_response(body, 400)


class CalendlyDialect(Dialect):
    name = "calendly"
    mount = "/calendly"
    rate_limits = {"default": RATE_LIMIT}
    change_feed = CALENDLY_FEED

    def __init__(self, world: World, crm: Crm) -> None:
        super().__init__(world, crm)
        self._tokens = {f"Bearer {ACCESS_TOKEN}": "personal-access-token", f"Bearer {OAUTH_TOKEN}": "oauth"}
        self._build()

    def _build(self) -> None:
        """The seeded bookings, without the change feed's changes or poison records."""
        self.bookings: dict[str, render.Booking] = {b.event_uuid: b for b in render.bookings(self.world)}
        self.poison: dict[str, dict] = {}  # event uuid → a broken event record (no invitees)
        self.rng = random.Random(f"change-feed:{self.world.config.seed}:calendly")
        self.dirty = False
        self.broken: str | None = None

    def admin(self, action: str, payload: dict) -> object:
        """``reset`` undoes changes, poison and breaks; ``poison_event`` lists an event starting at ``at``
        whose ``updated_at`` is null or not a time, or whose ``uri`` is null (``kind``); ``break_pages``
        makes every events page after the first lack its ``collection`` or repeat the token it was given."""
        if action == "reset":
            if self.dirty:
                self._build()
            return {"scheduled_events": len(self.bookings)}
        if action == "poison_event":
            return self._poison(payload)
        if action == "break_pages":
            mode = payload.get("mode")
            if mode not in (*BREAKS, None):
                raise ValueError(f"mode must be one of {BREAKS} or null")
            self.broken, self.dirty = mode, True
            return {"mode": mode}
        return super().admin(action, payload)

    def _poison(self, payload: dict) -> dict:
        kind = payload.get("kind", "null_version")
        if kind not in POISON_KINDS:
            raise ValueError(f"kind must be one of {POISON_KINDS}")
        at = _time(str(payload["at"]))
        first = next(iter(self.bookings.values()))
        key = render.new_uuid(self.rng)
        record = {**render.scheduled_event(first), "uri": f"{render.API}/scheduled_events/{key}"}
        record.update(start_time=render.iso(at), end_time=render.iso(at), created_at=render.iso(at))
        record["updated_at"] = {"null_version": None, "bad_version": "sometime last week"}.get(kind, render.iso(at))
        if kind == "null_key":
            record["uri"] = None
        self.poison[key] = record
        self.dirty = True
        return {"uuid": key, "uri": record["uri"]}

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/users/me", self._me),
            Route("/scheduled_events", self._events),
            Route("/scheduled_events/{uuid}", self._event),
            Route("/scheduled_events/{uuid}/invitees", self._invitees),
        ]

    def credential(self, request: Request) -> str | None:
        return self._tokens.get(request.headers.get("authorization", ""))

    def unauthorized(self, request: Request) -> Response:
        return _error(401, "Unauthenticated", "The access token is invalid")

    def throttled(self, retry_after: str, state: WindowState | None) -> Response:
        headers = {"Retry-After": retry_after, **(self.limit_headers(state) if state else {})}
        body = {"title": "Too Many Requests", "message": "You have exceeded the rate limit. Please try again later."}
        return json_response(body, 429, headers)

    def server_error(self, status_code: int) -> Response:
        return _error(status_code, "Internal Server Error", "The server encountered an unexpected condition.")

    def limit_headers(self, state: WindowState) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(state.limit),
            "X-RateLimit-Remaining": str(state.remaining),
            "X-RateLimit-Reset": str(state.reset_after),
        }

    async def _me(self, request: Request) -> Response:
        return json_response(
            {
                "resource": {
                    "uri": render.HOST_USER,
                    "name": render.HOST_NAME,
                    "email": render.HOST_EMAIL,
                    "timezone": "Asia/Riyadh",
                    "current_organization": render.ORGANIZATION,
                    "resource_type": "User",
                }
            }
        )

    def _per_page(self, request: Request) -> int | Response:
        try:
            count = int(request.query_params.get("count", DEFAULT_PER_PAGE))
        except ValueError:
            return _invalid("count", "must be an integer")
        if not 1 <= count <= MAX_PER_PAGE:
            return _invalid("count", f"must be between 1 and {MAX_PER_PAGE}")
        return count

    async def _events(self, request: Request) -> Response:
        q = request.query_params
        organization = q.get("organization")
        if not organization:
            return _invalid("organization", "organization, user or group is required")
        if organization != render.ORGANIZATION:
            return _error(403, "Permission Denied", "You do not have permission to access this resource.")
        count = self._per_page(request)
        if isinstance(count, Response):
            return count
        try:
            low = _time(q["min_start_time"]) if "min_start_time" in q else None
            high = _time(q["max_start_time"]) if "max_start_time" in q else None
        except ValueError:
            return _invalid("min_start_time", "must be an ISO 8601 time")
        descending = q.get("sort", "start_time:asc") == "start_time:desc"
        rows = [(b.start_time, uuid, render.scheduled_event(b)) for uuid, b in self.bookings.items()]
        rows += [(_time(r["start_time"]), uuid, r) for uuid, r in self.poison.items()]
        rows = [
            r
            for r in rows
            if (low is None or r[0] >= low)
            and (high is None or r[0] < high)
            and q.get("status") in (None, r[2]["status"])
        ]
        rows.sort(key=lambda r: (r[0], r[1]), reverse=descending)
        token = q.get("page_token")
        if token and self.broken == "no_collection":
            return json_response({"data": [], "pagination": {"next_page_token": None}})
        if token and self.broken == "same_token":
            return json_response({"collection": [], "pagination": {"count": 0, "next_page_token": token}})
        return self._page(request, [(r[0].timestamp(), r[1], r[2]) for r in rows], count)

    async def _event(self, request: Request) -> Response:
        booking = self.bookings.get(request.path_params["uuid"])
        if booking is None:
            return _error(404, "Resource Not Found", "The server could not find the requested resource.")
        return json_response({"resource": render.scheduled_event(booking)})

    async def _invitees(self, request: Request) -> Response:
        uuid = request.path_params["uuid"]
        booking = self.bookings.get(uuid)
        if booking is None and uuid not in self.poison:
            return _error(404, "Resource Not Found", "The server could not find the requested resource.")
        count = self._per_page(request)
        if isinstance(count, Response):
            return count
        records = [] if booking is None else [render.invitee(booking)]
        q = request.query_params
        records = [
            r for r in records if q.get("status") in (None, r["status"]) and q.get("email") in (None, r["email"])
        ]
        return self._page(request, [(_time(r["created_at"]).timestamp(), r["uri"], r) for r in records], count)

    def _page(self, request: Request, rows: list[tuple[float, str, dict]], count: int) -> Response:
        """Rows after the ``page_token``'s position; the token names the last row served, so a row that
        moves while a client pages is neither skipped nor served twice."""
        token = request.query_params.get("page_token")
        if token:
            try:
                after = tuple(json.loads(base64.urlsafe_b64decode(token.encode())))
            except ValueError:
                return _invalid("page_token", "is invalid")
            keys = [(r[0], r[1]) for r in rows]
            position = next((i + 1 for i, k in enumerate(keys) if k == after), None)
            if position is None:  # the row moved away: continue after where it was
                position = sum(1 for k in keys if k <= after)
            rows = rows[position:]
        page, more = rows[:count], len(rows) > count
        next_token = (
            base64.urlsafe_b64encode(json.dumps([page[-1][0], page[-1][1]]).encode()).decode() if more else None
        )
        next_page = str(request.url.include_query_params(page_token=next_token)) if next_token else None
        body = {
            "collection": [r[2] for r in page],
            "pagination": {
                "count": len(page),
                "next_page": next_page,
                "previous_page": None,
                "next_page_token": next_token,
                "previous_page_token": None,
            },
        }
        return json_response(body)
