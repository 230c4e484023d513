"""Salesforce as the sandbox serves it: describe, SOQL query/queryAll, Bulk API 2.0 query jobs, limits.

Mounted at ``/salesforce``, which is also the ``instance_url`` the login server (``auth.py``)
hands out, so the connector follows the same paths as against a real org (``/services/oauth2/token``,
``/services/data/vXX.X/...``). Every API response carries ``Sforce-Limit-Info: api-usage=N/M``; once
the org's daily allowance is spent, calls get 403 ``REQUEST_LIMIT_EXCEEDED`` with no Retry-After.
Run-time controls (``POST /_sandbox/salesforce/{action}``): ``expire-sessions``, ``sessions``,
``jwt-key`` {public_key}, ``api-limit`` {limit, used}, ``add-field`` {object, name, type, default},
``bulk`` {polls_to_complete, chunk_records, break_offset, break_times}, ``reset``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from vendor_sandbox.changefeed.overlay import Overlay
from vendor_sandbox.crm import Crm
from vendor_sandbox.dialect import Dialect, json_response
from vendor_sandbox.dialects.salesforce import render
from vendor_sandbox.dialects.salesforce.auth import (
    CLIENT_ID,
    CLIENT_SECRET,
    USERNAME,
    load_public_key,
)
from vendor_sandbox.dialects.salesforce.bulk import BulkQueries
from vendor_sandbox.dialects.salesforce.changes import SALESFORCE_FEED
from vendor_sandbox.dialects.salesforce.state import (
    DAILY_API_REQUESTS,
    State,
    errors,
    parse_soql,
)
from vendor_sandbox.ratelimits import Limit, WindowState
from vendor_sandbox.world import World

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "USERNAME", "SalesforceDialect"]  # the sandbox's public test app

TOKEN_PATH = "/services/oauth2/token"
BATCH_SIZE_RANGE = (200, 2000)  # Sforce-Query-Options batchSize: minimum, maximum (and default)
CUSTOM_TYPES = (
    "string",
    "picklist",
    "textarea",
    "email",
    "phone",
    "url",
    "boolean",
    "int",
    "double",
    "currency",
    "percent",
    "date",
    "datetime",
)
_VERSION = re.compile(r"v(\d{2})\.0")
_CUSTOM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,37}__c")
_WINDOW: ContextVar[WindowState | None] = ContextVar("salesforce_window", default=None)


class SalesforceDialect(BulkQueries, Dialect):
    name = "salesforce"
    mount = "/salesforce"
    rate_limits = {"api": Limit(DAILY_API_REQUESTS, 86_400)}  # rolling 24 h allowance, per org

    change_feed = SALESFORCE_FEED

    def __init__(self, world: World, crm: Crm) -> None:
        super().__init__(world, crm)
        self.tables = render.build_tables(world, crm)
        self.state = State()
        self.overlay = Overlay(world, self.name, crm.conversations(world, "salesforce"))

    def routes(self) -> Sequence[BaseRoute]:
        data = "/services/data/{version}"
        return [
            Route(TOKEN_PATH, self._token, methods=["POST"]),
            Route(f"{data}/limits", self._api(self._limits)),
            Route(f"{data}/sobjects/{{sobject}}/describe", self._api(self._describe)),
            Route(f"{data}/query", self._api(self._query)),
            Route(f"{data}/queryAll", self._api(self._query)),
            Route(f"{data}/query/{{cursor}}", self._api(self._more)),
            Route(f"{data}/queryAll/{{cursor}}", self._api(self._more)),
            Route(f"{data}/jobs/query", self._api(self._create_job), methods=["POST"]),
            Route(f"{data}/jobs/query/{{job_id}}", self._api(self._job_info)),
            Route(f"{data}/jobs/query/{{job_id}}/results", self._api(self._job_results)),
            Route(f"{data}/jobs/query/{{job_id}}/resultPages", self._api(self._result_pages)),
        ]

    # ------------------------------------------------------------ framework hooks
    def credential(self, request: Request) -> str | None:
        if request.url.path.endswith(TOKEN_PATH):
            return "oauth-token-endpoint"  # a login, not an API call: no session needed
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return "org" if scheme.lower() in ("bearer", "oauth") and self.state.login.valid(token) else None

    def unauthorized(self, request: Request) -> Response:
        return errors(401, "INVALID_SESSION_ID", "Session expired or invalid")

    def limit_group(self, request: Request) -> str:
        return "oauth" if request.url.path.endswith(TOKEN_PATH) else "api"

    def throttled(self, retry_after: str, state: WindowState | None) -> Response:
        if state is not None:  # the org's daily allowance (scaled by --rate-limits) is spent
            return errors(
                403,
                "REQUEST_LIMIT_EXCEEDED",
                "TotalRequests Limit exceeded.",
                {"Sforce-Limit-Info": f"api-usage={state.limit}/{state.limit}"},
            )
        return errors(429, "TOO_MANY_REQUESTS", "Too many requests; retry later.", {"Retry-After": retry_after})

    def server_error(self, status_code: int) -> Response:
        code = "SERVER_UNAVAILABLE" if status_code == 503 else "UNKNOWN_EXCEPTION"
        return errors(status_code, code, "An unexpected error occurred. Please try again.")

    def limit_headers(self, state: WindowState) -> dict[str, str]:
        # The Guard appends these after the handler's own headers; returning Sforce-Limit-Info here would
        # duplicate the one _api always writes. So hand the window to _api (same request task) instead.
        _WINDOW.set(state)
        return {}

    def admin(self, action: str, payload: dict) -> object:
        s = self.state
        if action == "expire-sessions":
            return {"expired": s.login.expire_all()}
        if action == "sessions":
            return {"issued": s.login.tokens_issued, "active": len(s.login.sessions)}
        if action == "jwt-key":
            s.login.public_key = load_public_key(str(payload.get("public_key", "")))
            return {"ok": True}
        if action == "api-limit":
            s.api_limit = int(payload.get("limit", s.api_limit))
            s.api_used = int(payload.get("used", s.api_used))
            return {"limit": s.api_limit, "used": s.api_used}
        if action == "add-field":
            return self._add_field(payload)
        if action == "bulk":
            s.polls_to_complete = max(1, int(payload.get("polls_to_complete", s.polls_to_complete)))
            s.chunk_records = max(1, int(payload.get("chunk_records", s.chunk_records)))
            if "break_offset" in payload:
                s.broken_offset = int(payload["break_offset"])
                s.broken_times = int(payload.get("break_times", 1))
            return {
                "polls_to_complete": s.polls_to_complete,
                "chunk_records": s.chunk_records,
                "broken_times_left": s.broken_times,
                "broken_served": s.broken_served,
            }
        if action == "reset":
            self.state = State()
            if self.overlay.dirty:  # undo the change feed's changes
                self.tables = render.build_tables(self.world, self.crm)
                self.overlay = Overlay(self.world, self.name, self.crm.conversations(self.world, "salesforce"))
            for table in self.tables.values():
                table.custom.clear()
            return {"ok": True}
        raise KeyError(action)

    def _add_field(self, payload: dict) -> dict[str, Any]:
        table = self.tables.get(str(payload.get("object")))
        name, kind = str(payload.get("name", "")), str(payload.get("type", "string"))
        if table is None:
            raise ValueError(f"no sObject {payload.get('object')!r}; one of {sorted(self.tables)}")
        if not _CUSTOM_NAME.fullmatch(name) or table.field(name) is not None:
            raise ValueError(f"custom field name {name!r} must be new and end in __c")
        if kind not in CUSTOM_TYPES:
            raise ValueError(f"type {kind!r} is not one of {CUSTOM_TYPES}")
        definition = render.FieldDef(name, kind, True, custom=True, label=str(payload.get("label", "")))
        table.custom[name] = (definition, payload.get("default"))
        return definition.describe()

    async def _token(self, request: Request) -> Response:
        return await self.state.login.token(request, f"{request.url.scheme}://{request.url.netloc}{self.mount}")

    # ------------------------------------------------------------ REST API
    def _api(self, handler):
        """Version check, the org's daily allowance and the Sforce-Limit-Info header, for every API call."""

        async def wrapped(request: Request) -> Response:
            s = self.state
            if not _VERSION.fullmatch(request.path_params.get("version", "")):
                response = errors(404, "NOT_FOUND", "The requested resource does not exist")
            elif s.api_used >= s.api_limit:
                response = errors(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            else:
                s.api_used += 1
                response = await handler(request)
            used, limit = s.api_used, s.api_limit
            window = _WINDOW.get()
            if window is not None and window.remaining < limit - used:
                used, limit = window.limit - window.remaining, window.limit
            response.headers["Sforce-Limit-Info"] = f"api-usage={used}/{limit}"
            return response

        return wrapped

    async def _limits(self, request: Request) -> Response:
        s = self.state
        return json_response(
            {
                "DailyApiRequests": {"Max": s.api_limit, "Remaining": max(0, s.api_limit - s.api_used)},
                "DailyBulkV2QueryJobs": {"Max": 10_000, "Remaining": 10_000 - len(s.jobs)},
            }
        )

    async def _describe(self, request: Request) -> Response:
        table = self.tables.get(request.path_params["sobject"])
        if table is None:
            return errors(404, "NOT_FOUND", "The requested resource does not exist")
        return json_response(table.describe())

    async def _query(self, request: Request) -> Response:
        soql = parse_soql(request.query_params.get("q", ""), self.tables)
        if isinstance(soql, Response):
            return soql
        table = self.tables[soql.sobject]
        rows = table.window(soql.lower, soql.upper, request.url.path.endswith("/queryAll"))
        if soql.fields is None:
            return json_response({"totalSize": len(rows), "done": True, "records": []})
        batch = BATCH_SIZE_RANGE[1]
        header = request.headers.get("sforce-query-options", "")
        options = dict(p.strip().partition("=")[::2] for p in header.split(","))
        if options.get("batchSize", "").isdigit():
            batch = min(max(int(options["batchSize"]), BATCH_SIZE_RANGE[0]), BATCH_SIZE_RANGE[1])
        cursor = ""
        if len(rows) > batch:
            self.state.serial += 1
            cursor = render.sf_id("01g", self.state.serial)
            self.state.cursors[cursor] = (table, soql.fields, rows, batch)
            while len(self.state.cursors) > 2000:  # open cursors expire, as Salesforce's do
                self.state.cursors.popitem(last=False)
        return self._page(request, table, soql.fields, rows, cursor, 0, batch)

    async def _more(self, request: Request) -> Response:
        cursor, _, offset = request.path_params["cursor"].rpartition("-")
        found = self.state.cursors.get(cursor)
        if found is None or not offset.isdigit():
            return errors(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        table, fields, rows, batch = found
        return self._page(request, table, fields, rows, cursor, int(offset), batch)

    def _page(
        self,
        request: Request,
        table: render.SObjectTable,
        fields: tuple[str, ...],
        rows: list[dict],
        cursor: str,
        start: int,
        batch: int,
    ) -> Response:
        version = request.path_params["version"]
        body = {
            "totalSize": len(rows),
            "done": start + batch >= len(rows),
            "records": table.records(rows[start : start + batch], fields, version),
        }
        if not body["done"]:
            body["nextRecordsUrl"] = f"/services/data/{version}/query/{cursor}-{start + batch}"
        return json_response(body)
