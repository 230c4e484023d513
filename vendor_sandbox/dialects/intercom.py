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

import base64
import json
import math
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from vendor_sandbox.crm import Crm
from vendor_sandbox.dialect import Dialect, json_response
from vendor_sandbox.dialects import intercom_render as render
from vendor_sandbox.faults import retry_after_seconds
from vendor_sandbox.ratelimits import Limit, WindowState
from vendor_sandbox.world import World

ACCESS_TOKEN = "sandbox-intercom-access-token"
SUPPORTED_VERSIONS = ("2.9", "2.10", "2.11")  # the shapes served here; 2.11 is the reference
MAX_PER_PAGE = 150
MAX_FILTERS_PER_GROUP = 15
MAX_NESTING = 2
DAY = 86_400
RATE_LIMIT = Limit(1667, 10)  # 10,000 calls/min per app, counted in 10-second windows (10,000 / 6)

OPERATORS = {"date": ("=", "!=", "IN", "NIN", ">", "<"), "str": ("=", "!=", "IN", "NIN", "~", "!~", "^", "$"),
             "bool": ("=", "!=")}
CONVERSATION_FIELDS = {"id": "str", "created_at": "date", "updated_at": "date", "waiting_since": "date",
                       "state": "str", "open": "bool", "read": "bool", "priority": "str", "source.type": "str",
                       "source.author.id": "str", "contact_ids": "str", "admin_assignee_id": "str"}
CONTACT_FIELDS = {"id": "str", "external_id": "str", "role": "str", "email": "str", "name": "str", "phone": "str",
                  "created_at": "date", "updated_at": "date", "signed_up_at": "date", "last_seen_at": "date"}
Predicate = Callable[[Mapping[str, Any]], bool]


class QueryError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class SearchIndex:
    """One searchable object: items sorted by (updated_at, world id), each pre-serialised once."""

    def __init__(self, items: list[tuple[int, int, dict, dict]], fields: dict[str, str], day_granular: bool) -> None:
        items.sort(key=lambda i: (i[0], i[1]))
        self.keys = [(ts, key) for ts, key, _, _ in items]
        self.values = [values for _, _, values, _ in items]
        self.bodies = [json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode() for *_, rec in items]
        self.fields, self.day_granular = fields, day_granular

    def search(self, predicate: Predicate, after: tuple[int, int] | None, per_page: int
               ) -> tuple[list[bytes], int, tuple[int, int] | None]:
        """The page after ``after``, the total match count and the last key served if more remain."""
        matches = [i for i, values in enumerate(self.values) if predicate(values)]
        rest = matches if after is None else [i for i in matches if self.keys[i] > after]
        page = rest[:per_page]
        return [self.bodies[i] for i in page], len(matches), self.keys[page[-1]] if len(rest) > per_page else None

    def compile(self, query: Any, depth: int = 0) -> Predicate:
        if not isinstance(query, dict):
            raise QueryError("parameter_invalid", "query must be an object")
        operator = query.get("operator")
        if operator in ("AND", "OR"):
            if depth >= MAX_NESTING:
                raise QueryError("invalid_query", f"There's a limit of max {MAX_NESTING} nested filters")
            parts = query.get("value")
            if not isinstance(parts, list) or not parts:
                raise QueryError("parameter_invalid", f"{operator} needs a non-empty list of filters")
            if len(parts) > MAX_FILTERS_PER_GROUP:
                raise QueryError("invalid_value", "Number of elements in composite query is greater than 15, "
                                                  "please try again with a smaller list")
            subs = [self.compile(part, depth + 1) for part in parts]
            if operator == "AND":
                return lambda values: all(sub(values) for sub in subs)
            return lambda values: any(sub(values) for sub in subs)
        return self._filter(query.get("field"), operator, query.get("value"))

    def _filter(self, field: Any, operator: Any, value: Any) -> Predicate:
        kind = self.fields.get(field) if isinstance(field, str) else None
        if kind is None:
            raise QueryError("invalid_field", f"{field} is not a searchable field")
        if operator not in OPERATORS[kind]:
            raise QueryError("invalid_operator", f"{field} does not support operator: {operator}")
        wanted = value if operator in ("IN", "NIN") else [value]
        if not isinstance(wanted, list) or not all(_is_kind(v, kind) for v in wanted):
            raise QueryError("invalid_value", f"{value!r} is not a valid value for {field} ({kind})")
        if kind == "date" and self.day_granular:  # contacts: dates, not datetimes
            wanted = [v - v % DAY for v in wanted]
        target = wanted if operator in ("IN", "NIN") else wanted[0]
        truncate = kind == "date" and self.day_granular

        def matches(values: Mapping[str, Any]) -> bool:
            actual = values.get(field)
            if truncate and actual is not None:
                actual -= actual % DAY
            return _compare(operator, actual, target)
        return matches


def _is_kind(value: Any, kind: str) -> bool:
    if kind == "date":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, bool) if kind == "bool" else isinstance(value, str)


def _compare(operator: str, actual: Any, target: Any) -> bool:
    if isinstance(actual, list):  # multi-valued fields (contact_ids): any element, none for negations
        if operator in ("!=", "NIN", "!~"):
            return all(_compare(operator, a, target) for a in actual)
        return any(_compare(operator, a, target) for a in actual)
    if actual is None:
        return operator in ("!=", "NIN", "!~")
    if operator == "=":
        return actual == target
    if operator == "!=":
        return actual != target
    if operator in ("IN", "NIN"):
        return (actual in target) == (operator == "IN")
    if operator in (">", "<"):
        return actual > target if operator == ">" else actual < target
    text, part = str(actual).lower(), str(target).lower()
    return {"~": part in text, "!~": part not in text, "^": text.startswith(part), "$": text.endswith(part)}[operator]


def encode_cursor(key: tuple[int, int], page: int) -> str:
    """Opaque like Intercom's (base64 of ``[sort value in ms, "id", page]``)."""
    raw = json.dumps([key[0] * 1000, str(key[1]), page], separators=(",", ":")).encode()
    return base64.b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[tuple[int, int], int]:
    millis, key, page = json.loads(base64.b64decode(cursor + "=" * (-len(cursor) % 4), validate=True))
    if not isinstance(millis, int) or not isinstance(page, int) or page < 1:
        raise ValueError("bad cursor")
    return (millis // 1000, int(key)), page


class IntercomDialect(Dialect):
    name = "intercom"
    mount = "/intercom"
    rate_limits = {"default": RATE_LIMIT}

    def __init__(self, world: World, crm: Crm) -> None:
        super().__init__(world, crm)
        archived = set(crm.deleted_people)
        self.customers = [p for p in world.people if p.role == "customer" and p.id not in archived]
        self.conversations = {c.id: c for c in crm.conversations(world, "intercom")
                              if c.deleted_at is None and c.requester_id not in archived}
        bots = {m.author_id for c in world.conversations for m in c.messages if m.author_role == "system"}
        self.admins = [p for p in world.people if p.role == "agent" and p.id not in bots]
        self.contact_index = SearchIndex(
            [(render.epoch(p.updated_at), p.id, _values(rec, CONTACT_FIELDS), rec)
             for p in self.customers for rec in (render.contact(p, world),)], CONTACT_FIELDS, day_granular=True)
        self.conversation_index = SearchIndex(
            [(render.epoch(c.updated_at), c.id, _values(rec, CONVERSATION_FIELDS), rec)
             for c in self.conversations.values() for rec in (render.conversation(c, world),)],
            CONVERSATION_FIELDS, day_granular=False)

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/conversations/search", self._search(self.conversation_index, "conversation.list",
                                                        "conversations", 20), methods=["POST"]),
            Route("/contacts/search", self._search(self.contact_index, "list", "data", 50), methods=["POST"]),
            Route("/conversations", self._list_conversations, methods=["GET"]),
            Route("/conversations/{conversation_id}", self._conversation, methods=["GET"]),
            Route("/me", self._me, methods=["GET"]),
            Route("/admins", self._admins, methods=["GET"]),
        ]

    def preflight(self, request: Request) -> Response | None:
        version = request.headers.get("intercom-version")
        if version not in SUPPORTED_VERSIONS:
            return _error(400, "intercom_version_invalid",
                          f"The requested version could not be found: {version!r}. The sandbox serves the "
                          f"Intercom-Version header values {', '.join(SUPPORTED_VERSIONS)} and requires one")
        return None

    def credential(self, request: Request) -> str | None:
        return "access-token" if request.headers.get("authorization") == f"Bearer {ACCESS_TOKEN}" else None

    def unauthorized(self, request: Request) -> Response:
        return _error(401, "unauthorized", "Access Token Invalid")

    def throttled(self, retry_after: str, state: WindowState | None) -> Response:
        wait = retry_after_seconds(retry_after)
        limit = state.limit if state else int(RATE_LIMIT.requests)
        headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": "0",
                   "X-RateLimit-Reset": str(math.ceil(time.time() + wait) if wait else int(time.time()))}
        return _error(429, "rate_limit_exceeded", f"Exceeded rate limit of {limit} in 10_seconds", headers)

    def server_error(self, status_code: int) -> Response:
        if status_code == 503:
            return _error(503, "service_unavailable", "Sorry, the API service is temporarily unavailable")
        return _error(status_code, "server_error", "Server Error")

    def limit_headers(self, state: WindowState) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(state.limit), "X-RateLimit-Remaining": str(state.remaining),
                "X-RateLimit-Reset": str(math.ceil(time.time() + state.reset_after))}

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
        return _page(self.conversation_index, lambda values: True, pagination, 20, "conversation.list",
                     "conversations")

    async def _conversation(self, request: Request) -> Response:
        raw_id = request.path_params["conversation_id"]
        conversation = self.conversations.get(int(raw_id)) if raw_id.isdigit() else None
        if conversation is None:
            return _error(404, "not_found", "Resource Not Found")
        plaintext = request.query_params.get("display_as") == "plaintext"
        return json_response(render.conversation(conversation, self.world, plaintext=plaintext, with_parts=True))

    async def _me(self, request: Request) -> Response:
        me = render.admin(self.admins[0])
        me["app"] = {"type": "app", "id_code": render.WORKSPACE_ID, "name": "Sandbox Helpdesk", "region": "US",
                     "timezone": "Asia/Riyadh", "secure": True, "identity_verification": False}
        return json_response(me)

    async def _admins(self, request: Request) -> Response:
        return json_response({"type": "admin.list", "admins": [render.admin(p) for p in self.admins]})


def _values(record: Mapping[str, Any], fields: Mapping[str, str]) -> dict[str, Any]:
    """The searchable values of a rendered record, by dotted field name."""
    values: dict[str, Any] = {}
    for field in fields:
        if field == "contact_ids":
            values[field] = [c["id"] for c in record["contacts"]["contacts"]]
            continue
        value: Any = record
        for part in field.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        values[field] = str(value) if field == "admin_assignee_id" and value is not None else value
    return values


def _page(index: SearchIndex, predicate: Predicate, pagination: Any, default_per_page: int,
          list_type: str, key: str) -> Response:
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
    pages: dict[str, Any] = {"type": "pages", "page": page_number, "per_page": per_page,
                             "total_pages": math.ceil(total / per_page)}
    if last is not None:
        pages["next"] = {"page": page_number + 1, "starting_after": encode_cursor(last, page_number)}
    body = (f'{{"type":"{list_type}","{key}":['.encode() + b",".join(records)
            + f'],"total_count":{total},"pages":{json.dumps(pages, separators=(",", ":"))}}}'.encode())
    return Response(body, media_type="application/json; charset=utf-8")


def _error(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> Response:
    return json_response({"type": "error.list", "request_id": str(uuid.uuid4()),
                          "errors": [{"code": code, "message": message}]}, status, headers)
