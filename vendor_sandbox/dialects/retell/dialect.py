"""Retell AI as the sandbox serves it: list-calls with cursor paging, get-call, delete-call, Bearer auth.

Served under ``/retell`` (the host is ``api.retellai.com``). Follows the published API:
``POST /v3/list-calls`` with ``filter_criteria`` (here ``start_timestamp`` as a ``{"type": "range", "op":
"bt", "value": [lo, hi]}`` filter, both ends inclusive, or a ``{"type": "number", "op": ...}`` one),
``sort_order`` (by ``start_timestamp``, default descending), ``limit`` (default 50, at most 1000) and an
opaque ``pagination_key``; the answer is ``{"items": [...], "has_more": bool, "pagination_key"}``, whose
items leave out ``transcript``, ``transcript_object``, ``transcript_with_tool_calls`` and ``recording_url``
as Retell's v3 list does (its docs: fetch those per call).
``GET /v2/get-call/{call_id}`` returns one call; ``DELETE /v2/delete-call/{call_id}`` removes it (204)
and no webhook says so. Calls come from ``voices.scripts(world, "voice")`` (see ``render.py``).

Test controls (``POST /_sandbox/retell/{action}``): ``reset``; ``poison_call`` (a call listed at ``at``
whose ``start_timestamp`` is null or not a number, or whose ``call_id`` is null); ``legacy_list_shape``
(list-calls answers a bare array, as the deprecated list did, until reset).
"""

from __future__ import annotations

import base64
import bisect
import json
import random
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from vendor_sandbox import voices
from vendor_sandbox.crm import Crm
from vendor_sandbox.dialect import Dialect, json_response
from vendor_sandbox.dialects.retell import render
from vendor_sandbox.dialects.retell.changes import RETELL_FEED
from vendor_sandbox.ratelimits import Limit
from vendor_sandbox.world import World

API_KEY = "sandbox-retell-api-key"  # the sandbox account's published key; it also signs the webhooks
MAX_LIMIT = 1000
DEFAULT_LIMIT = 50
LIST_OMITS = ("transcript", "transcript_object", "transcript_with_tool_calls", "recording_url")
RATE_LIMIT = Limit(600, 60)  # Retell publishes no list-calls limit; the sandbox enforces the client's default
NUMBER_OPS = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}


class RetellDialect(Dialect):
    name = "retell"
    mount = "/retell"
    rate_limits = {"default": RATE_LIMIT}
    change_feed = RETELL_FEED

    def __init__(self, world: World, crm: Crm) -> None:
        super().__init__(world, crm)
        self._build()

    def _build(self) -> None:
        """The seeded calls, without the feed's changes, deletes or poison."""
        self.scripts = voices.scripts(self.world, "voice")
        self.index: list[tuple[int, str]] = []  # (start ms, call id) in order: what list-calls walks
        self.calls: dict[str, dict] = {}
        self.pending: dict[str, dict] = {}  # call id → analysis not yet published (feed calls)
        self.legacy = False
        self.rng = random.Random(f"change-feed:{self.world.config.seed}:retell")
        self.next_number = len(self.scripts) + 1
        self._poison = 0
        for script in self.scripts:
            self.add(render.call(self.world, script))

    def add(self, record: dict, sort_ms: int | None = None, key: str | None = None) -> None:
        key = key or record["call_id"]
        entry = (record["start_timestamp"] if sort_ms is None else sort_ms, key)
        bisect.insort(self.index, entry)
        self.calls[key] = record

    def remove(self, key: str) -> dict | None:
        record = self.calls.pop(key, None)
        if record is not None:
            self.index = [e for e in self.index if e[1] != key]
        return record

    def admin(self, action: str, payload: dict) -> object:
        if action == "reset":
            self._build()
            return {"calls": len(self.calls)}
        if action == "poison_call":
            return self._poison_call(payload)
        if action == "legacy_list_shape":
            self.legacy = bool(payload.get("on", True))
            return {"legacy": self.legacy}
        return super().admin(action, payload)

    def _poison_call(self, payload: dict) -> dict:
        at = datetime.fromisoformat(str(payload["at"]).replace("Z", "+00:00"))
        kind = payload.get("kind", "null_version")
        self._poison += 1
        key = f"call_poison{self._poison:023d}"
        record = {**render.call(self.world, self.scripts[0], number=900_000 + self._poison, at=at), "call_id": key}
        sort_ms = render.epoch_ms(at)
        if kind == "null_version":
            record["start_timestamp"] = None
        elif kind == "bad_version":
            record["start_timestamp"] = "yesterday afternoon"
        elif kind == "null_id":
            record["call_id"] = None
        else:
            raise KeyError(kind)
        self.add(record, sort_ms, key)
        return {"call_id": key}

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/v3/list-calls", self._list_calls, methods=["POST"]),
            Route("/v2/get-call/{call_id}", self._get_call, methods=["GET"]),
            Route("/v2/delete-call/{call_id}", self._delete_call, methods=["DELETE"]),
        ]

    def credential(self, request: Request) -> str | None:
        return "api-key" if request.headers.get("authorization") == f"Bearer {API_KEY}" else None

    def unauthorized(self, request: Request) -> Response:
        return _error(401, "Unauthorized: invalid API key")

    def throttled(self, retry_after: str, state: object) -> Response:
        return _error(429, "Too many requests", {"Retry-After": retry_after})

    def server_error(self, status_code: int) -> Response:
        return _error(status_code, "Internal server error")

    def limit_headers(self, state: object) -> dict[str, str]:
        return {}  # Retell sends no rate-limit headers

    async def _list_calls(self, request: Request) -> Response:
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return _error(400, "Invalid JSON body")
        if not isinstance(body, dict):
            return _error(400, "Body must be an object")
        limit = body.get("limit", DEFAULT_LIMIT)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
            return _error(400, f"limit must be an integer from 1 to {MAX_LIMIT}")
        order = body.get("sort_order", "descending")
        if order not in ("ascending", "descending"):
            return _error(400, "sort_order must be ascending or descending")
        try:
            keep = _start_filter((body.get("filter_criteria") or {}).get("start_timestamp"))
            after = _decode(body["pagination_key"]) if body.get("pagination_key") else None
        except (ValueError, TypeError, KeyError) as exc:
            return _error(400, f"Invalid request: {exc}")
        entries = self.index if order == "ascending" else self.index[::-1]
        if after is not None:
            entries = [e for e in entries if (e > after if order == "ascending" else e < after)]
        chosen = []
        for entry in entries:
            if keep(entry[0]):
                chosen.append(entry)
                if len(chosen) > limit:
                    break
        has_more = len(chosen) > limit
        chosen = chosen[:limit]
        if self.legacy:
            return json_response([self.calls[key] for _, key in chosen])
        items = [{k: v for k, v in self.calls[key].items() if k not in LIST_OMITS} for _, key in chosen]
        answer: dict[str, Any] = {"items": items, "has_more": has_more}
        if has_more:
            answer["pagination_key"] = _encode(chosen[-1])
        return json_response(answer)

    async def _get_call(self, request: Request) -> Response:
        record = self.calls.get(request.path_params["call_id"])
        return json_response(record) if record is not None else _error(404, "Call not found")

    async def _delete_call(self, request: Request) -> Response:
        if self.remove(request.path_params["call_id"]) is None:
            return _error(404, "Call not found")
        return Response(status_code=204)


def _start_filter(spec: Any):
    """The ``start_timestamp`` filter as a predicate on epoch ms (``bt`` includes both ends)."""
    if spec is None:
        return lambda ms: True
    if not isinstance(spec, dict):
        raise ValueError("start_timestamp filter must be an object")
    kind, op, value = spec.get("type"), spec.get("op"), spec.get("value")
    if kind == "range" and op == "bt":
        lo, hi = value
        return lambda ms: lo <= ms <= hi
    if kind == "number" and op in NUMBER_OPS and isinstance(value, int | float):
        compare = NUMBER_OPS[op]
        return lambda ms: compare(ms, value)
    raise ValueError(f"unsupported start_timestamp filter {spec!r}")


def _encode(entry: tuple[int, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(entry)).encode()).decode()


def _decode(key: str) -> tuple[int, str]:
    ms, call = json.loads(base64.urlsafe_b64decode(key.encode()))
    return int(ms), str(call)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return json_response({"status": "error", "message": message}, status, headers)
