"""Intercom as the sandbox serves it: search with cursor paging, conversation details, auth, limits.

Served under ``/intercom`` (the host is ``api.intercom.io``, or the EU/AU regional hosts). Follows the
published API 2.11: Bearer token; ``POST /conversations/search`` and ``POST /contacts/search`` (query
of ``{field, operator, value}`` filters combined with AND/OR, at most 2 levels and 15 filters per
group; ``>``/``<`` strict; ``per_page`` up to 150; ``starting_after`` cursors); ``GET /conversations``;
``GET /conversations/{id}`` with its parts (``display_as=plaintext``); ``GET /me`` and ``/admins``;
``X-RateLimit-Limit/Remaining/Reset`` (Reset a Unix time, sent on authenticated responses only);
errors as ``{"type": "error.list", "request_id", "errors": [{"code", "message"}]}``.

Faithful quirks: contact search compares timestamps by UTC *day* (Intercom indexes them as dates,
so ``updated_at > t`` means "from the day after t's day"), conversation search to the second.
Deleted conversations vanish from search and ``GET`` (404), and archived contacts (``crm.
deleted_people``) are a soft delete that hides the contact and its conversations: Intercom's REST API
never lists either (only the ``conversation.deleted``/``contact.archived``/``contact.deleted``
webhooks announce them). Deliberate deviation: a missing ``Intercom-Version`` header is rejected
(real Intercom falls back to the app's default version), so a connector must always send it.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from vendor_sandbox.changefeed.overlay import Overlay
from vendor_sandbox.crm import Crm
from vendor_sandbox.dialect import Dialect, json_response
from vendor_sandbox.dialects.intercom import render
from vendor_sandbox.dialects.intercom.changes import INTERCOM_FEED
from vendor_sandbox.dialects.intercom.search import (
    CONTACT_FIELDS,
    CONVERSATION_FIELDS,
    Predicate,
    QueryError,
    SearchIndex,
    decode_cursor,
    encode_cursor,
    searchable_values,
)
from vendor_sandbox.faults import retry_after_seconds
from vendor_sandbox.ratelimits import Limit, WindowState
from vendor_sandbox.world import World

ACCESS_TOKEN = "sandbox-intercom-access-token"
SUPPORTED_VERSIONS = ("2.9", "2.10", "2.11")  # the shapes served here; 2.11 is the reference
MAX_PER_PAGE = 150
RATE_LIMIT = Limit(1667, 10)  # 10,000 calls/min per app, counted in 10-second windows (10,000 / 6)


class IntercomDialect(Dialect):
    name = "intercom"
    mount = "/intercom"
    rate_limits = {"default": RATE_LIMIT}

    change_feed = INTERCOM_FEED

    def __init__(self, world: World, crm: Crm) -> None:
        super().__init__(world, crm)
        bots = {m.author_id for c in world.conversations for m in c.messages if m.author_role == "system"}
        self.admins = [p for p in world.people if p.role == "agent" and p.id not in bots]
        self.contact_index = SearchIndex([], CONTACT_FIELDS, day_granular=True)
        self.conversation_index = SearchIndex([], CONVERSATION_FIELDS, day_granular=False)
        self._build()

    def _build(self) -> None:
        """Contacts and conversations from the seeded world, without the change feed's changes."""
        archived = set(self.crm.deleted_people)
        self.customers = [p for p in self.world.people if p.role == "customer" and p.id not in archived]
        self.conversations = {
            c.id: c
            for c in self.crm.conversations(self.world, "intercom")
            if c.deleted_at is None and c.requester_id not in archived
        }
        self.overlay = Overlay(self.world, self.name, self.conversations.values())
        self.conversations = self.overlay.conversations  # one dict: a change is what GET /conversations/{id} shows
        self.contact_index.load(
            [
                (render.epoch(p.updated_at), p.id, searchable_values(rec, CONTACT_FIELDS), rec)
                for p in self.customers
                for rec in (render.contact(p, self.world),)
            ]
        )
        self.conversation_index.load(
            [
                (render.epoch(c.updated_at), c.id, searchable_values(rec, CONVERSATION_FIELDS), rec)
                for c in self.conversations.values()
                for rec in (render.conversation(c, self.world),)
            ]
        )

    def admin(self, action: str, payload: dict) -> object:
        """``reset`` undoes the change feed's changes (and poison contacts); ``poison_contact`` makes
        search return a contact, indexed at ``at``, whose ``updated_at`` is null or not a time."""
        if action == "poison_contact":
            return self._poison_contact(payload)
        if action == "reset":
            if self.overlay.dirty:
                self._build()
            return {"conversations": len(self.conversations), "contacts": len(self.customers)}
        return super().admin(action, payload)

    def _poison_contact(self, payload: dict) -> dict:
        at = datetime.fromisoformat(str(payload["at"]).replace("Z", "+00:00"))
        key = 9_000_000_000 + len(self.contact_index.keys)  # far above any seeded person id
        record = {
            **render.contact(self.customers[0], self.world),
            "id": f"poison-{key}",
            "updated_at": render.epoch(at),
        }
        values = searchable_values(record, CONTACT_FIELDS)  # found by a search of its day ...
        record["updated_at"] = None if payload.get("kind", "null_version") == "null_version" else "not-a-time"
        self.contact_index.upsert(render.epoch(at), key, values, record)  # ... served without a usable time
        self.overlay.dirty = True  # reset rebuilds the index without it
        return {"id": record["id"]}

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route(
                "/conversations/search",
                self._search(self.conversation_index, "conversation.list", "conversations", 20),
                methods=["POST"],
            ),
            Route("/contacts/search", self._search(self.contact_index, "list", "data", 50), methods=["POST"]),
            Route("/conversations", self._list_conversations, methods=["GET"]),
            Route("/conversations/{conversation_id}", self._conversation, methods=["GET"]),
            Route("/me", self._me, methods=["GET"]),
            Route("/admins", self._admins, methods=["GET"]),
        ]

    def preflight(self, request: Request) -> Response | None:
        version = request.headers.get("intercom-version")
        if version not in SUPPORTED_VERSIONS:
            return _error(
                400,
                "intercom_version_invalid",
                f"The requested version could not be found: {version!r}. The sandbox serves the "
                f"Intercom-Version header values {', '.join(SUPPORTED_VERSIONS)} and requires one",
            )
        return None

    def credential(self, request: Request) -> str | None:
        return "access-token" if request.headers.get("authorization") == f"Bearer {ACCESS_TOKEN}" else None

    def unauthorized(self, request: Request) -> Response:
        return _error(401, "unauthorized", "Access Token Invalid")

    def throttled(self, retry_after: str, state: WindowState | None) -> Response:
        wait = retry_after_seconds(retry_after)
        limit = state.limit if state else int(RATE_LIMIT.requests)
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(math.ceil(time.time() + wait) if wait else int(time.time())),
        }
        return _error(429, "rate_limit_exceeded", f"Exceeded rate limit of {limit} in 10_seconds", headers)

    def server_error(self, status_code: int) -> Response:
        if status_code == 503:
            return _error(503, "service_unavailable", "Sorry, the API service is temporarily unavailable")
        return _error(status_code, "server_error", "Server Error")

    def limit_headers(self, state: WindowState) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(state.limit),
            "X-RateLimit-Remaining": str(state.remaining),
            "X-RateLimit-Reset": str(math.ceil(time.time() + state.reset_after)),
        }

    def _search(self, index: SearchIndex, list_type: str, key: str, default_per_page: int):
        async def handler(request: Request) -> Response:
            try:
                body = json.loads(await request.body())
            except ValueError:
                return _error(400, "parameter_invalid", "The request body is not valid JSON")
            if not isinstance(body, dict) or "query" not in body:
                return _error(400, "parameter_not_found", "query is required")
            try:
                predicate = index.compile(body["query"])
            except QueryError as exc:
                return _error(400, exc.code, exc.message)
            return _page(index, predicate, body.get("pagination") or {}, default_per_page, list_type, key)

        return handler

    async def _list_conversations(self, request: Request) -> Response:
        q = request.query_params
        pagination: dict[str, Any] = {"starting_after": q.get("starting_after")}
        if "per_page" in q:
            pagination["per_page"] = int(q["per_page"]) if q["per_page"].isdigit() else q["per_page"]
        return _page(self.conversation_index, lambda values: True, pagination, 20, "conversation.list", "conversations")

    async def _conversation(self, request: Request) -> Response:
        raw_id = request.path_params["conversation_id"]
        conversation = self.conversations.get(int(raw_id)) if raw_id.isdigit() else None
        if conversation is None:
            return _error(404, "not_found", "Resource Not Found")
        plaintext = request.query_params.get("display_as") == "plaintext"
        return json_response(render.conversation(conversation, self.world, plaintext=plaintext, with_parts=True))

    async def _me(self, request: Request) -> Response:
        me = render.admin(self.admins[0])
        me["app"] = {
            "type": "app",
            "id_code": render.WORKSPACE_ID,
            "name": "Sandbox Helpdesk",
            "region": "US",
            "timezone": "Asia/Riyadh",
            "secure": True,
            "identity_verification": False,
        }
        return json_response(me)

    async def _admins(self, request: Request) -> Response:
        return json_response({"type": "admin.list", "admins": [render.admin(p) for p in self.admins]})


def _page(
    index: SearchIndex, predicate: Predicate, pagination: Any, default_per_page: int, list_type: str, key: str
) -> Response:
    if not isinstance(pagination, dict):
        return _error(400, "parameter_invalid", "pagination must be an object")
    per_page = pagination.get("per_page", default_per_page)
    if not isinstance(per_page, int) or isinstance(per_page, bool) or not 1 <= per_page <= MAX_PER_PAGE:
        return _error(400, "parameter_invalid", f"per_page must be an integer between 1 and {MAX_PER_PAGE}")
    cursor = pagination.get("starting_after")
    after, page_number = None, 1
    if cursor is not None:
        try:
            after, previous = decode_cursor(cursor)
        except (ValueError, TypeError, AttributeError):
            return _error(400, "parameter_invalid", "starting_after is not a valid cursor")
        page_number = previous + 1
    records, total, last = index.search(predicate, after, per_page)
    pages: dict[str, Any] = {
        "type": "pages",
        "page": page_number,
        "per_page": per_page,
        "total_pages": math.ceil(total / per_page),
    }
    if last is not None:
        pages["next"] = {"page": page_number + 1, "starting_after": encode_cursor(last, page_number)}
    body = (
        f'{{"type":"{list_type}","{key}":['.encode()
        + b",".join(records)
        + f'],"total_count":{total},"pages":{json.dumps(pages, separators=(",", ":"))}}}'.encode()
    )
    return Response(body, media_type="application/json; charset=utf-8")


def _error(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> Response:
    return json_response(
        {"type": "error.list", "request_id": str(uuid.uuid4()), "errors": [{"code": code, "message": message}]},
        status,
        headers,
    )
