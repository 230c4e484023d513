"""HubSpot's CRM v3 API as the sandbox serves it: list, search, properties, OAuth, limits and errors.

Served under ``/hubspot``. The list API pages by an opaque ``after`` cursor (at most 100 per page,
``archived=true`` for archived records only); the search API takes ``filterGroups``/``sorts``/``limit``
(≤ 200)/``after`` (an offset), reports ``total`` and refuses offsets past 10,000 with a 400
VALIDATION_ERROR. Two limit groups, as HubSpot counts them: the app's ten-second limit, with
``X-HubSpot-RateLimit-*`` headers, and the search limit (5 per second), whose responses carry none.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from bisect import bisect_right
from collections.abc import Sequence
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from vendor_sandbox.changefeed.overlay import Overlay
from vendor_sandbox.crm import Crm
from vendor_sandbox.dialect import Dialect, json_response
from vendor_sandbox.dialects.hubspot import render as hs
from vendor_sandbox.dialects.hubspot.changes import HUBSPOT_FEED
from vendor_sandbox.ratelimits import Limit, WindowState
from vendor_sandbox.world import World

ACCESS_TOKEN = "sandbox-hubspot-private-app-token"
CLIENT_ID = "sandbox-hubspot-client-id"
CLIENT_SECRET = "sandbox-hubspot-client-secret"
REFRESH_TOKEN = "sandbox-hubspot-refresh-token"
PORTAL_ID = 24_681_357
SEARCH_CAP = 10_000
MAX_SEARCH_LIMIT = 200
MAX_LIST_LIMIT = 100
DAILY_LIMIT = 500_000


def _error(message: str, category: str, status: int = 400, **extra: object) -> Response:
    return json_response(
        {"status": "error", "message": message, "correlationId": str(uuid.uuid4()), "category": category, **extra},
        status,
    )


class HubSpotDialect(Dialect):
    name = "hubspot"
    mount = "/hubspot"
    rate_limits = {
        "search": Limit(5, 1),  # CRM search: five requests per second per account
        "default": Limit(190, 10),  # private app on Professional/Enterprise: 190 per ten seconds
    }

    change_feed = HUBSPOT_FEED

    def __init__(self, world: World, crm: Crm) -> None:
        super().__init__(world, crm)
        self._oauth_tokens: set[str] = set()
        self._expired_tokens: set[str] = set()
        self._daily_used = 0
        self.reset()

    def reset(self) -> dict:
        """(Re)build every object from the world: undoes test mutations (touch, archive, cap) and changes."""
        self.overlay = Overlay(self.world, self.name, ())
        self.records = {kind: {r.id: r for r in recs} for kind, recs in hs.build_records(self.world, self.crm).items()}
        self.search_cap = SEARCH_CAP
        for kind in hs.OBJECT_TYPES:
            self._reindex(kind)
        return {kind: len(recs) for kind, recs in self.records.items()}

    def _reindex(self, kind: str) -> None:
        recs = self.records[kind].values()
        live = sorted((r for r in recs if r.archived_ms is None), key=lambda r: (r.lastmod_ms, r.id))
        setattr(
            self,
            f"_{kind}",
            {
                "by_mod": live,
                "mod_keys": [(r.lastmod_ms, r.id) for r in live],
                "live": sorted(live, key=lambda r: r.id),
                "archived": sorted((r for r in recs if r.archived_ms is not None), key=lambda r: r.id),
            },
        )
        self._cache: dict[str, list[hs.Rec]] = {}

    def _index(self, kind: str) -> dict:
        return getattr(self, f"_{kind}")

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/crm/v3/objects/{object_type}", self._list, methods=["GET"]),
            Route("/crm/v3/objects/{object_type}/search", self._search, methods=["POST"]),
            Route("/crm/v3/properties/{object_type}", self._properties, methods=["GET"]),
            Route("/account-info/v3/details", self._account, methods=["GET"]),
            Route("/oauth/v1/token", self._token, methods=["POST"]),
        ]

    # ------------------------------------------------------------ auth, limits, errors
    def credential(self, request: Request) -> str | None:
        if request.url.path.endswith("/oauth/v1/token"):
            return "oauth-client"  # the token endpoint checks the client's form fields itself
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token == ACCESS_TOKEN:
            return "private-app"
        return "oauth-app" if token in self._oauth_tokens else None

    def unauthorized(self, request: Request) -> Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token in self._expired_tokens:
            return _error(
                "The OAuth token used to make this call expired 1 second(s) ago.", "EXPIRED_AUTHENTICATION", 401
            )
        return _error(
            "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
            "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
            "INVALID_AUTHENTICATION",
            401,
        )

    def limit_group(self, request: Request) -> str:
        path = request.url.path
        return "search" if path.endswith("/search") else "oauth" if path.endswith("/oauth/v1/token") else "default"

    def limit_headers(self, state: WindowState) -> dict[str, str]:
        if state.group != "default":
            return {}  # search responses carry no rate-limit headers, as in HubSpot's API
        interval_ms = round(state.window_seconds * 1000)
        if state.allowed:
            self._daily_used += 1
        return {
            "X-HubSpot-RateLimit-Max": str(state.limit),
            "X-HubSpot-RateLimit-Remaining": str(state.remaining),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(interval_ms),
            "X-HubSpot-RateLimit-Daily": str(DAILY_LIMIT),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, DAILY_LIMIT - self._daily_used)),
        }

    def throttled(self, retry_after: str, state: WindowState | None) -> Response:
        secondly = state is not None and state.group == "search"
        policy, window = ("SECONDLY", "secondly") if secondly else ("TEN_SECONDLY_ROLLING", "ten_secondly_rolling")
        return json_response(
            {
                "status": "error",
                "message": f"You have reached your {window} limit.",
                "errorType": "RATE_LIMIT",
                "correlationId": str(uuid.uuid4()),
                "policyName": policy,
            },
            429,
            {"Retry-After": retry_after, **(self.limit_headers(state) if state else {})},
        )

    def server_error(self, status_code: int) -> Response:
        return _error(
            "internal error" if status_code == 500 else "Service Unavailable",
            "INTERNAL_ERROR" if status_code == 500 else "SERVICE_UNAVAILABLE",
            status_code,
        )

    def admin(self, action: str, payload: dict) -> object:
        """Test controls: ``touch`` (set records' last-modified time), ``archive``, ``search_cap``,
        ``expire_tokens`` (OAuth access tokens stop working) and ``reset``."""
        if action == "reset":
            return self.reset()
        if action == "search_cap":
            self.search_cap = int(payload["cap"])
            return {"cap": self.search_cap}
        if action == "expire_tokens":
            self._expired_tokens |= self._oauth_tokens
            self._oauth_tokens.clear()
            return {"expired": len(self._expired_tokens)}
        if action in ("touch", "archive"):
            kind = payload["object"]
            if kind not in self.records:
                raise ValueError(f"unknown object {kind!r}")
            unknown = [i for i in payload["ids"] if int(i) not in self.records[kind]]
            if unknown:
                raise ValueError(f"no {kind} with ids {unknown[:5]}")
            recs = [self.records[kind][int(i)] for i in payload["ids"]]
            for rec in recs:
                if action == "touch":
                    rec.lastmod_ms = int(payload["at_ms"])
                else:
                    rec.archived_ms = int(payload["at_ms"])
            self._reindex(kind)
            return {"ids": [str(r.id) for r in recs]}
        raise KeyError(action)

    # ------------------------------------------------------------ endpoints
    def _kind(self, request: Request) -> str | None:
        kind = request.path_params["object_type"]
        return kind if kind in hs.OBJECT_TYPES else None

    async def _list(self, request: Request) -> Response:
        kind = self._kind(request)
        if kind is None:
            return _error(f"Unable to infer object type from: {request.path_params['object_type']}", "VALIDATION_ERROR")
        q = request.query_params
        try:
            limit = min(int(q.get("limit", 10)), MAX_LIST_LIMIT)
            after = int(base64.urlsafe_b64decode(q["after"] + "==").decode()) if q.get("after") else -1
            if limit < 1:
                raise ValueError
        except ValueError:
            return _error(
                "Invalid input: limit must be a positive integer and after a cursor from paging.next",
                "VALIDATION_ERROR",
            )
        names = _requested(q.getlist("properties")) or hs.DEFAULT_PROPERTIES[kind]
        names = [n for n in names if n in hs.PROPERTIES[kind]]
        rows = self._index(kind)["archived" if q.get("archived", "false").lower() == "true" else "live"]
        start = bisect_right(rows, after, key=lambda r: r.id)
        page = rows[start : start + limit]
        body: dict = {"results": [hs.render(kind, r, names) for r in page]}
        if start + limit < len(rows):
            cursor = base64.urlsafe_b64encode(str(page[-1].id).encode()).decode().rstrip("=")
            body["paging"] = {"next": {"after": cursor, "link": str(request.url.include_query_params(after=cursor))}}
        return json_response(body)

    async def _search(self, request: Request) -> Response:
        kind = self._kind(request)
        if kind is None:
            return _error(f"Unable to infer object type from: {request.path_params['object_type']}", "VALIDATION_ERROR")
        try:
            body = json.loads(await request.body())
            if not isinstance(body, dict):
                raise hs.SearchError("the request body must be a JSON object")
            limit, after = body.get("limit", 10), body.get("after") or 0
            if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_SEARCH_LIMIT:
                raise hs.SearchError(f"limit must be an integer from 1 to {MAX_SEARCH_LIMIT}; got {limit!r}")
            if not str(after).isdigit():
                raise hs.SearchError(f"after must be a non-negative integer offset; got {after!r}")
            after = int(after)
            if after >= self.search_cap:
                raise hs.SearchError(
                    f"The search API returns at most {self.search_cap} results per query; "
                    f"after={after} pages past them. Narrow the query's filters."
                )
            matches = self._matches(kind, body.get("filterGroups") or [], body.get("sorts") or [])
        except json.JSONDecodeError:
            return _error("Invalid input JSON: the body is not valid JSON", "VALIDATION_ERROR")
        except hs.SearchError as exc:
            return _error(str(exc), "VALIDATION_ERROR")
        requested = body.get("properties") or hs.DEFAULT_PROPERTIES[kind]
        if not isinstance(requested, list | tuple) or not all(isinstance(n, str) for n in requested):
            return _error("properties must be an array of property names", "VALIDATION_ERROR")
        names = [n for n in requested if n in hs.PROPERTIES[kind]]
        for always in ("createdate", hs.LASTMOD[kind], "hs_object_id"):
            if always not in names:
                names.append(always)
        end = min(after + limit, len(matches), self.search_cap)
        payload: dict = {"total": len(matches), "results": [hs.render(kind, r, names) for r in matches[after:end]]}
        if end < len(matches):
            payload["paging"] = {"next": {"after": str(end)}}
        return json_response(payload)

    def _matches(self, kind: str, groups: object, sorts: object) -> list[hs.Rec]:
        """Live records matching any filter group (filters inside a group all hold), sorted."""
        if not isinstance(groups, list) or not isinstance(sorts, list):
            raise hs.SearchError("filterGroups and sorts must be arrays")
        counts = [len(g["filters"]) for g in groups if isinstance(g, dict) and isinstance(g.get("filters"), list)]
        if len(groups) > 5 or sum(counts) > 25:
            raise hs.SearchError("at most 5 filterGroups and 25 filters in total are allowed")
        if len(sorts) > 1:
            raise hs.SearchError("only one sort is allowed")
        key = kind + json.dumps([groups, sorts], sort_keys=True)
        if key in self._cache:
            return self._cache[key]
        index = self._index(kind)
        found: dict[int, hs.Rec] = {}
        for group in groups or [{"filters": []}]:
            filters = group.get("filters") if isinstance(group, dict) else None
            if not isinstance(filters, list) or len(filters) > 10:
                raise hs.SearchError("each filter group needs a filters array of at most 10 filters")
            compiled = [hs.compile_filter(kind, f) for f in filters]
            low, high = float("-inf"), float("inf")
            for _, window in compiled:
                if window:
                    low, high = max(low, window[0]), min(high, window[1])
            for rec in hs.candidates(index["by_mod"], index["mod_keys"], (low, high)):
                if all(test(rec) for test, _ in compiled):
                    found[rec.id] = rec
        sort = sorts[0] if sorts else {"propertyName": "hs_object_id", "direction": "ASCENDING"}
        if not isinstance(sort, dict) or sort.get("direction", "ASCENDING") not in ("ASCENDING", "DESCENDING"):
            raise hs.SearchError("a sort needs a propertyName and a direction of ASCENDING or DESCENDING")
        result = sorted(
            found.values(),
            key=hs.sort_key(kind, sort.get("propertyName")),
            reverse=sort.get("direction") == "DESCENDING",
        )
        if len(self._cache) > 32:
            self._cache.clear()
        self._cache[key] = result
        return result

    async def _properties(self, request: Request) -> Response:
        kind = self._kind(request)
        if kind is None:
            return _error(f"Unable to infer object type from: {request.path_params['object_type']}", "VALIDATION_ERROR")
        return json_response({"results": hs.property_definitions(kind)})

    async def _account(self, request: Request) -> Response:
        return json_response(
            {
                "portalId": PORTAL_ID,
                "accountType": "STANDARD",
                "timeZone": "Asia/Riyadh",
                "companyCurrency": "SAR",
                "uiDomain": "app.hubspot.com",
                "dataHostingLocation": "na1",
                "auth": self.credential(request),
            }
        )

    async def _token(self, request: Request) -> Response:
        form = {k: v[-1] for k, v in parse_qs((await request.body()).decode(errors="replace")).items()}
        checks = (
            ("grant_type", "refresh_token", "BAD_GRANT_TYPE", "unsupported grant type"),
            ("client_id", CLIENT_ID, "BAD_CLIENT_ID", "missing or unknown client id"),
            ("client_secret", CLIENT_SECRET, "BAD_CLIENT_SECRET", "missing or invalid client secret"),
            ("refresh_token", REFRESH_TOKEN, "BAD_REFRESH_TOKEN", "missing or unknown refresh token"),
        )
        for field, expected, status, message in checks:
            if form.get(field) != expected:
                return json_response({"status": status, "message": message, "correlationId": str(uuid.uuid4())}, 400)
        token = f"sandbox-hubspot-oauth-{secrets.token_hex(12)}"
        self._oauth_tokens.add(token)
        return json_response(
            {"token_type": "bearer", "refresh_token": REFRESH_TOKEN, "access_token": token, "expires_in": 1800}
        )


def _requested(values: list[str]) -> list[str]:
    return [name.strip() for value in values for name in value.split(",") if name.strip()]
