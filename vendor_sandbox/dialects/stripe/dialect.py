"""Stripe as the sandbox serves it: the Events API and the list endpoints, auth, limits and errors.

Served under ``/stripe`` (the host is ``api.stripe.com``). Follows the published v1 API: a secret or
restricted key as Bearer; ``GET /v1/events`` (``created[gt|gte|lt|lte]``, ``type`` or up to 20
``types[]``, ``limit`` 1-100, ``starting_after``/``ending_before`` event ids, newest first, ``has_more``);
``GET /v1/customers``, ``/v1/subscriptions`` (``status``, default every status but ``canceled``),
``/v1/disputes``, ``/v1/refunds`` (``created[...]``, same paging; deleted customers are not listed);
``GET /v1/customers/{id}`` (``{"deleted": true}`` once deleted) and ``GET /v1/events/{id}``. Errors
are ``{"error": {"type", "code", "message", "param"}}``. Test-mode limits: 25 requests/s (live mode:
100); no rate-limit headers, a 429 has ``code: rate_limit`` and ``Stripe-Should-Retry``.

Events are kept 30 days, counted from the world's present: its anchor when that lies in the past
(so a fixed test world keeps its events), else now.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from vendor_sandbox.crm import Crm
from vendor_sandbox.dialect import Dialect, json_response
from vendor_sandbox.dialects.stripe import render
from vendor_sandbox.dialects.stripe.changes import STRIPE_FEED
from vendor_sandbox.ratelimits import Limit, WindowState
from vendor_sandbox.world import World

API_KEY = "rk_test_51SandboxStripeRestrictedKeyForIntegrationPipelines"  # the sandbox's published test key
RATE_LIMIT = Limit(25, 1)  # test mode: 25 requests per second (live mode: 100)
MAX_LIMIT = 100
MAX_TYPES = 20
RETENTION_SECONDS = 30 * 86_400
LISTS = {"customers": "customers", "subscriptions": "subscriptions", "disputes": "disputes", "refunds": "refunds"}


class StripeError(ValueError):
    def __init__(self, message: str, param: str | None = None, status: int = 400, code: str | None = None) -> None:
        super().__init__(message)
        self.param, self.status, self.code = param, status, code


class StripeDialect(Dialect):
    name = "stripe"
    mount = "/stripe"
    rate_limits = {"default": RATE_LIMIT}
    change_feed = STRIPE_FEED

    def __init__(self, world: World, crm: Crm) -> None:
        super().__init__(world, crm)
        self.reset()

    def reset(self) -> None:
        self.state = render.build(self.world)
        self.broken_pages = 0  # the next N event pages are served without their data list

    def admin(self, action: str, payload: dict) -> object:
        """``reset``: the seeded account again; ``poison_event``: an event at ``at`` whose ``created``
        is null (``kind`` null_version) or not a time (bad_version), or whose object has no id (null_id);
        ``break_pages``: the next ``count`` event pages come without their ``data`` list."""
        if action == "reset":
            self.reset()
            return {"events": len(self.state.events)}
        if action == "poison_event":
            return self._poison(payload)
        if action == "break_pages":
            self.broken_pages = int(payload.get("count", 1))
            return {"broken_pages": self.broken_pages}
        return super().admin(action, payload)

    def _poison(self, payload: dict) -> dict:
        at = render.epoch(datetime.fromisoformat(str(payload["at"]).replace("Z", "+00:00")))
        kind = payload.get("kind", "null_version")
        template = next(iter(self.state.customers.values()))
        obj = {**template, "id": render.stripe_id("cus", "poison", self.state.sequence)}
        if kind == "null_id":
            obj["id"] = None
        event = self.state.emit("customer.updated", obj, at)
        event["_at"] = at  # where it is listed; its own created is what is broken
        if kind == "null_version":
            event["created"] = None
        elif kind == "bad_version":
            event["created"] = "sometime last week"
        self.state.events.sort(key=_listed_at_key)
        return {"id": event["id"], "object_id": obj["id"]}

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/v1/events", self._events, methods=["GET"]),
            Route("/v1/events/{event_id}", self._event, methods=["GET"]),
            Route("/v1/customers/{customer_id}", self._customer, methods=["GET"]),
            *(Route(f"/v1/{path}", self._list(attr), methods=["GET"]) for path, attr in LISTS.items()),
        ]

    def credential(self, request: Request) -> str | None:
        return "restricted-key" if request.headers.get("authorization") == f"Bearer {API_KEY}" else None

    def unauthorized(self, request: Request) -> Response:
        given = (request.headers.get("authorization") or "").removeprefix("Bearer ").strip()
        if not given:
            return _error(401, "You did not provide an API key.")
        masked = f"{given[:8]}{'*' * max(0, len(given) - 12)}{given[-4:]}" if len(given) > 12 else "****"
        return _error(401, f"Invalid API Key provided: {masked}")

    def throttled(self, retry_after: str, state: WindowState | None) -> Response:
        headers = {"Retry-After": retry_after, "Stripe-Should-Retry": "true"}
        message = "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits."
        return _error(429, message, code="rate_limit", headers=headers)

    def server_error(self, status_code: int) -> Response:
        return json_response({"error": {"type": "api_error", "message": "An unknown error occurred"}}, status_code)

    def limit_headers(self, state: WindowState) -> dict[str, str]:
        return {}  # Stripe sends no rate-limit headers

    # ------------------------------------------------------------------ endpoints
    async def _events(self, request: Request) -> Response:
        try:
            query = _Query(request)
            types = query.types()
            created = query.created()
            cutoff = self._retention_cutoff()
            candidates = (
                e
                for e in reversed(self.state.events)
                if _listed_at(e) >= cutoff and (not types or e["type"] in types) and created(_listed_at(e))
            )
            page, more = _paginate(candidates, query, "event", lambda e: e["id"])
        except StripeError as exc:
            return _error(exc.status, str(exc), exc.param, exc.code)
        if self.broken_pages > 0:
            self.broken_pages -= 1
            return json_response({"object": "list", "url": "/v1/events"})
        return json_response(_list_body("/v1/events", [_served(e) for e in page], more))

    async def _event(self, request: Request) -> Response:
        wanted = request.path_params["event_id"]
        event = next((e for e in self.state.events if e["id"] == wanted), None)
        if event is None or _listed_at(event) < self._retention_cutoff():
            return _error(404, f"No such event: '{wanted}'", "id", "resource_missing")
        return json_response(_served(event))

    async def _customer(self, request: Request) -> Response:
        wanted = request.path_params["customer_id"]
        if wanted in self.state.deleted:
            return json_response({"id": wanted, "object": "customer", "deleted": True})
        found = self.state.customers.get(wanted)
        if found is None:
            return _error(404, f"No such customer: '{wanted}'", "id", "resource_missing")
        return json_response(found)

    def _list(self, attr: str) -> Callable:
        async def handler(request: Request) -> Response:
            try:
                query = _Query(request)
                created = query.created()
                objects: Iterable[dict] = getattr(self.state, attr).values()
                if attr == "customers":
                    objects = (o for o in objects if o["id"] not in self.state.deleted)
                if attr == "subscriptions":
                    objects = _by_status(objects, request.query_params.get("status"))
                ordered = sorted(objects, key=lambda o: (o["created"], o["id"]), reverse=True)
                page, more = _paginate(
                    (o for o in ordered if created(o["created"])), query, attr[:-1], lambda o: o["id"]
                )
            except StripeError as exc:
                return _error(exc.status, str(exc), exc.param, exc.code)
            return json_response(_list_body(f"/v1/{attr}", page, more))

        return handler

    def _retention_cutoff(self) -> int:
        anchor = self.world.config.anchor
        present = min(time.time(), anchor.timestamp()) if anchor else time.time()
        return int(present) - RETENTION_SECONDS


def _listed_at(event: dict) -> int:
    """Where an event sits in time: its ``created``, or for a poison event the time it was filed under."""
    return event.get("_at", event["created"])


def _listed_at_key(event: dict) -> tuple[int, int]:
    return _listed_at(event), event["_seq"]


def _served(event: dict) -> dict:
    return {k: v for k, v in event.items() if not k.startswith("_")}


def _by_status(objects: Iterable[dict], status: str | None) -> Iterable[dict]:
    if status in (None, ""):
        return (o for o in objects if o["status"] != "canceled")
    if status == "all":
        return objects
    if status == "ended":
        return (o for o in objects if o["status"] in ("canceled", "incomplete_expired"))
    return (o for o in objects if o["status"] == status)


class _Query:
    """Stripe's form-style query: ``created[gte]=``, ``types[]=`` or ``types[0]=``, ``limit``, cursors."""

    def __init__(self, request: Request) -> None:
        self.items = request.query_params.multi_items()

    def one(self, name: str) -> str | None:
        return next((v for k, v in self.items if k == name), None)

    def integer(self, name: str, value: str) -> int:
        try:
            return int(value)
        except ValueError:
            raise StripeError(f"Invalid integer: {value}", name) from None

    def limit(self) -> int:
        raw = self.one("limit")
        limit = 10 if raw is None else self.integer("limit", raw)
        if not 1 <= limit <= MAX_LIMIT:
            raise StripeError(f"This value must be greater than or equal to 1 and at most {MAX_LIMIT}.", "limit")
        return limit

    def types(self) -> set[str]:
        listed = [v for k, v in self.items if k == "types[]" or (k.startswith("types[") and k[6:-1].isdigit())]
        single = self.one("type")
        if listed and single:
            raise StripeError("You may pass either `type` or `types`, but not both.", "types")
        if len(listed) > MAX_TYPES:
            raise StripeError(f"You may pass at most {MAX_TYPES} values for `types`.", "types")
        return set(listed) | ({single} if single else set())

    def created(self) -> Callable[[int], bool]:
        bounds: dict[str, int] = {}
        for key, value in self.items:
            if key == "created":
                bounds["eq"] = self.integer(key, value)
            elif key.startswith("created[") and key.endswith("]"):
                op = key[8:-1]
                if op not in ("gt", "gte", "lt", "lte"):
                    raise StripeError(f"Received unknown parameter: {key}", key)
                bounds[op] = self.integer(key, value)
        checks = {
            "eq": lambda t, b: t == b,
            "gt": lambda t, b: t > b,
            "gte": lambda t, b: t >= b,
            "lt": lambda t, b: t < b,
            "lte": lambda t, b: t <= b,
        }
        return lambda t: all(checks[op](t, bound) for op, bound in bounds.items())


def _paginate(items: Iterable[dict], query: _Query, what: str, key: Callable[[dict], Any]) -> tuple[list[dict], bool]:
    limit = query.limit()
    after, before = query.one("starting_after"), query.one("ending_before")
    if after and before:
        raise StripeError("You may only specify one of these parameters: ending_before, starting_after.")
    ordered = list(items)
    if after or before:
        cursor = after or before
        at = next((i for i, item in enumerate(ordered) if key(item) == cursor), None)
        if at is None:
            name = "starting_after" if after else "ending_before"
            raise StripeError(f"No such {what}: '{cursor}'", name, 400, "resource_missing")
        if after:
            ordered = ordered[at + 1 :]
        else:
            ordered = ordered[max(0, at - limit) : at]
            return ordered, at - limit > 0
    return ordered[:limit], len(ordered) > limit


def _list_body(url: str, data: list[dict], has_more: bool) -> dict:
    return {"object": "list", "url": url, "has_more": has_more, "data": data}


def _error(
    status: int, message: str, param: str | None = None, code: str | None = None, headers: dict | None = None
) -> Response:
    error: dict[str, Any] = {"type": "invalid_request_error", "message": message}
    if code:
        error["code"] = code
        error["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
    if param:
        error["param"] = param
    return json_response({"error": error}, status, headers)
