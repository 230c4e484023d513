"""Twilio Programmable Messaging as the sandbox serves it: the Messages list, a message, its media, auth.

Served under ``/twilio`` (the host is ``api.twilio.com``). Follows the published 2010-04-01 API: HTTP
Basic with the Account SID + Auth Token or an API Key SID + secret; ``GET /2010-04-01/Accounts/{sid}.json``;
``GET .../Messages.json`` newest first (``date_sent`` descending), filtered by ``DateSent`` (that GMT
day), ``DateSent>`` (on or after) and ``DateSent<`` (on or before; a day, or a time as the SDK sends it),
``To`` and ``From``, ``PageSize`` 1-1000 (default 50), pages linked by ``next_page_uri`` with a
``PageToken`` (``PA`` + the last SID); ``GET .../Messages/{sid}.json`` and ``.../Media.json``. Errors as
``{"code", "message", "more_info", "status"}`` (20003 authenticate, 20404 not found, 20429 too many
requests, with ``Retry-After``).

Deviations: Twilio limits *concurrent* requests per account; the sandbox counts 100 requests a second.
``admin("poison_message")`` serves a message whose ``date_updated`` is null or not a time;
``admin("malformed_list")`` makes the list answer without its ``messages`` array, until ``reset``.
"""

from __future__ import annotations

import base64
import bisect
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from vendor_sandbox.crm import Crm
from vendor_sandbox.dialect import Dialect, json_response
from vendor_sandbox.dialects.twilio import render
from vendor_sandbox.dialects.twilio.changes import TWILIO_FEED
from vendor_sandbox.ratelimits import Limit, WindowState
from vendor_sandbox.world import World

ACCOUNT_SID = render.ACCOUNT_SID
AUTH_TOKEN = "sandbox-twilio-auth-token"
API_KEY_SID = "SK0f1e2d3c4b5a69788796a5b4c3d2e1f0"
API_KEY_SECRET = "sandbox-twilio-api-key-secret"
RATE_LIMIT = Limit(100, 1)
MAX_PAGE_SIZE = 1000
PREFIX = f"/{render.API_VERSION}/Accounts"


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class TwilioDialect(Dialect):
    name = "twilio"
    mount = "/twilio"
    rate_limits = {"default": RATE_LIMIT}
    change_feed = TWILIO_FEED

    def __init__(self, world: World, crm: Crm) -> None:
        super().__init__(world, crm)
        # both credentials are the one account's: they share its limit
        self._valid_auth = {_basic(ACCOUNT_SID, AUTH_TOKEN): ACCOUNT_SID, _basic(API_KEY_SID, API_KEY_SECRET): "key"}
        self._build()

    def _build(self) -> None:
        """The seeded messages, without the change feed's changes."""
        self.messages: dict[str, render.Message] = {}
        self.keys: list[tuple[float, str]] = []  # (-date_sent, sid): the list's order, newest first
        for message in render.messages(self.world):
            self.put(message)
        self.rng = random.Random(f"change-feed:{self.world.config.seed}:twilio")
        self.dirty = False
        self.malformed_list = False

    def put(self, message: render.Message) -> None:
        """Add or replace a message (``date_sent`` never changes, so its place in the list stays)."""
        if message.sid not in self.messages:
            bisect.insort(self.keys, (-message.date_sent.timestamp(), message.sid))
        self.messages[message.sid] = message
        self.dirty = True

    def admin(self, action: str, payload: dict) -> object:
        if action == "reset":
            if self.dirty or self.malformed_list:
                self._build()
            return {"messages": len(self.messages)}
        if action == "poison_message":
            return self._poison(payload)
        if action == "malformed_list":
            self.malformed_list = True
            return {}
        return super().admin(action, payload)

    def _poison(self, payload: dict) -> dict:
        at = datetime.fromisoformat(str(payload["at"]).replace("Z", "+00:00")).astimezone(UTC)
        template = next(iter(self.messages.values()))
        kind = payload.get("kind", "null_version")
        poisoned = render.Message(
            render.sid("SM", "poison", len(self.messages)),
            template.channel,
            "inbound",
            template.sender,
            template.recipient,
            f"poison {kind}",
            "received",
            0,
            at,
            at,
            at,
            template.customer_id,
            "customer",
            extra={"date_updated": None if kind == "null_version" else "sometime last week"},
        )
        self.put(poisoned)
        return {"sid": poisoned.sid}

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route(PREFIX + "/{account}.json", self._account, methods=["GET"]),
            Route(PREFIX + "/{account}/Messages.json", self._list, methods=["GET"]),
            Route(PREFIX + "/{account}/Messages/{sid}.json", self._message, methods=["GET"]),
            Route(PREFIX + "/{account}/Messages/{sid}/Media.json", self._media, methods=["GET"]),
        ]

    def credential(self, request: Request) -> str | None:
        return ACCOUNT_SID if request.headers.get("authorization", "") in self._valid_auth else None

    def unauthorized(self, request: Request) -> Response:
        return _error(401, 20003, "Authenticate")

    def throttled(self, retry_after: str, state: WindowState | None) -> Response:
        response = _error(429, 20429, "Too Many Requests")
        response.headers["Retry-After"] = retry_after
        return response

    def server_error(self, status_code: int) -> Response:
        return _error(status_code, 20500, "An internal server error has occurred")

    def limit_headers(self, state: WindowState) -> dict[str, str]:
        return {}  # Twilio reports no rate-limit headers on the Messages API

    def _account_or_404(self, request: Request) -> Response | None:
        if request.path_params["account"] != ACCOUNT_SID:
            return _error(404, 20404, f"The requested resource {request.url.path} was not found")
        return None

    async def _account(self, request: Request) -> Response:
        missing = self._account_or_404(request)
        if missing is not None:
            return missing
        return json_response(
            {
                "sid": ACCOUNT_SID,
                "friendly_name": "Sandbox Helpdesk",
                "status": "active",
                "type": "Full",
                "uri": f"{PREFIX}/{ACCOUNT_SID}.json",
            }
        )

    async def _message(self, request: Request) -> Response:
        missing = self._account_or_404(request)
        message = self.messages.get(request.path_params["sid"])
        if missing is not None or message is None:
            return missing or _error(404, 20404, f"The requested resource {request.url.path} was not found")
        return json_response(message.record())

    async def _media(self, request: Request) -> Response:
        missing = self._account_or_404(request)
        message = self.messages.get(request.path_params["sid"])
        if missing is not None or message is None:
            return missing or _error(404, 20404, f"The requested resource {request.url.path} was not found")
        return json_response(render.media_list(message))

    async def _list(self, request: Request) -> Response:
        missing = self._account_or_404(request)
        if missing is not None:
            return missing
        q = request.query_params
        try:
            page_size = int(q.get("PageSize", 50))
            page = int(q.get("Page", 0))
            lower, upper = _bounds(q.get("DateSent"), q.get("DateSent>"), q.get("DateSent<"))
        except ValueError as exc:
            return _error(400, 20001, f"Invalid parameter: {exc}")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            return _error(400, 20001, f"PageSize must be between 1 and {MAX_PAGE_SIZE}")
        first = bisect.bisect_left(self.keys, (-upper.timestamp(), "")) if upper else 0
        stop = bisect.bisect_right(self.keys, (-lower.timestamp(), "~")) if lower else len(self.keys)
        token = q.get("PageToken")
        if token:
            after = self.messages.get(token[2:]) if token.startswith("PA") else None
            if after is None:
                return _error(400, 20001, "Invalid PageToken")
            first = max(first, bisect.bisect_right(self.keys, (-after.date_sent.timestamp(), after.sid)))
        to, sender = q.get("To"), q.get("From")
        items: list[render.Message] = []
        more = False
        for _, message_sid in self.keys[first:stop]:
            message = self.messages[message_sid]
            if (to and message.recipient != to) or (sender and message.sender != sender):
                continue
            if len(items) == page_size:
                more = True
                break
            items.append(message)
        filters = [(k, v) for k, v in q.multi_items() if k not in ("Page", "PageSize", "PageToken")]
        path = f"{PREFIX}/{ACCOUNT_SID}/Messages.json"

        def uri(number: int, token: str | None = None) -> str:
            query = [*filters, ("PageSize", str(page_size)), ("Page", str(number))]
            return f"{path}?{urlencode(query + ([('PageToken', token)] if token else []))}"

        body: dict[str, Any] = {
            "end": page * page_size + max(len(items) - 1, 0),
            "first_page_uri": uri(0),
            "next_page_uri": uri(page + 1, f"PA{items[-1].sid}") if more else None,
            "page": page,
            "page_size": page_size,
            "previous_page_uri": uri(page - 1) if page else None,
            "start": page * page_size,
            "uri": uri(page, token),
            "messages": None if self.malformed_list else [m.record() for m in items],
        }
        return json_response(body)


def _day_or_time(value: str) -> tuple[datetime, bool]:
    """A GMT day (``YYYY-MM-DD``) or a time; True for a day."""
    if len(value) == 10:
        day = datetime.fromisoformat(value).replace(tzinfo=UTC)
        return day, True
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)), False


def _bounds(on: str | None, after: str | None, before: str | None) -> tuple[datetime | None, datetime | None]:
    """Inclusive [lower, upper] of ``date_sent``: ``DateSent>`` on or after, ``DateSent<`` on or before."""
    lower = upper = None
    if on:
        day, _ = _day_or_time(on)
        lower, upper = day, day + timedelta(days=1) - timedelta(microseconds=1)
    if after:
        moment, _ = _day_or_time(after)
        lower = moment if lower is None else max(lower, moment)
    if before:
        moment, is_day = _day_or_time(before)
        moment = moment + timedelta(days=1) - timedelta(microseconds=1) if is_day else moment
        upper = moment if upper is None else min(upper, moment)
    return lower, upper


def _error(status: int, code: int, message: str) -> Response:
    return json_response(
        {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status},
        status,
    )
