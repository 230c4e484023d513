"""Salesforce as the sandbox serves it: describe, SOQL query/queryAll, Bulk API 2.0 query jobs, limits.

Mounted at ``/salesforce``, which is also the ``instance_url`` the login server (``salesforce_auth``)
hands out, so the connector follows the same paths as against a real org (``/services/oauth2/token``,
``/services/data/vXX.X/...``). Every API response carries ``Sforce-Limit-Info: api-usage=N/M``; once
the org's daily allowance is spent, calls get 403 ``REQUEST_LIMIT_EXCEEDED`` with no Retry-After.
Run-time controls (``POST /_sandbox/salesforce/{action}``): ``expire-sessions``, ``sessions``,
``jwt-key`` {public_key}, ``api-limit`` {limit, used}, ``add-field`` {object, name, type, default},
``bulk`` {polls_to_complete}, ``reset``.
"""

from __future__ import annotations

import base64
import re
from collections import OrderedDict
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from vendor_sandbox.crm import Crm
from vendor_sandbox.dialect import Dialect, json_response
from vendor_sandbox.dialects import salesforce_render as render
from vendor_sandbox.dialects.salesforce_auth import (
    CLIENT_ID,
    CLIENT_SECRET,
    USERNAME,
    LoginServer,
    load_public_key,
)
from vendor_sandbox.dialects.salesforce_soql import Soql, SoqlError, parse
from vendor_sandbox.ratelimits import Limit, WindowState
from vendor_sandbox.world import World

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "USERNAME", "SalesforceDialect"]  # the sandbox's public test app

TOKEN_PATH = "/services/oauth2/token"
DAILY_API_REQUESTS = 100_000  # Enterprise Edition's base 24-hour allowance
BATCH_SIZE_RANGE = (200, 2000)  # Sforce-Query-Options batchSize: minimum, maximum (and default)
BULK_POLLS_TO_COMPLETE = 3  # job status reads until a bulk query job is JobComplete
BULK_MAX_RECORDS = 50_000  # results per locator chunk when maxRecords is not given
CUSTOM_TYPES = ("string", "picklist", "textarea", "email", "phone", "url", "boolean", "int", "double",
                "currency", "percent", "date", "datetime")
_VERSION = re.compile(r"v(\d{2})\.0")
_CUSTOM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,37}__c")
_WINDOW: ContextVar[WindowState | None] = ContextVar("salesforce_window", default=None)


def _errors(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return json_response([{"message": message, "errorCode": code}], status, headers)


@dataclass
class _Job:
    info: dict[str, Any]
    fields: list[render.FieldDef]
    rows: list[list[Any]]
    polls: int = 0


@dataclass
class _State:
    """Everything run-time controls change; ``reset`` starts a fresh one."""

    login: LoginServer = field(default_factory=LoginServer)
    api_limit: int = DAILY_API_REQUESTS
    api_used: int = 0
    polls_to_complete: int = BULK_POLLS_TO_COMPLETE
    jobs: dict[str, _Job] = field(default_factory=dict)
    cursors: OrderedDict[str, tuple[render.SObjectTable, tuple[str, ...], list[dict], int]] = field(
        default_factory=OrderedDict)
    serial: int = 0


class SalesforceDialect(Dialect):
    name = "salesforce"
    mount = "/salesforce"
    rate_limits = {"api": Limit(DAILY_API_REQUESTS, 86_400)}  # rolling 24 h allowance, per org

    def __init__(self, world: World, crm: Crm) -> None:
        super().__init__(world, crm)
        self.tables = render.build_tables(world, crm)
        self.state = _State()

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
        ]

    # ------------------------------------------------------------ framework hooks
    def credential(self, request: Request) -> str | None:
        if request.url.path.endswith(TOKEN_PATH):
            return "oauth-token-endpoint"  # a login, not an API call: no session needed
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return "org" if scheme.lower() in ("bearer", "oauth") and self.state.login.valid(token) else None

    def unauthorized(self, request: Request) -> Response:
        return _errors(401, "INVALID_SESSION_ID", "Session expired or invalid")

    def limit_group(self, request: Request) -> str:
        return "oauth" if request.url.path.endswith(TOKEN_PATH) else "api"

    def throttled(self, retry_after: str, state: WindowState | None) -> Response:
        if state is not None:  # the org's daily allowance (scaled by --rate-limits) is spent
            return _errors(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.",
                           {"Sforce-Limit-Info": f"api-usage={state.limit}/{state.limit}"})
        return _errors(429, "TOO_MANY_REQUESTS", "Too many requests; retry later.", {"Retry-After": retry_after})

    def server_error(self, status_code: int) -> Response:
        code = "SERVER_UNAVAILABLE" if status_code == 503 else "UNKNOWN_EXCEPTION"
        return _errors(status_code, code, "An unexpected error occurred. Please try again.")

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
            return {"polls_to_complete": s.polls_to_complete}
        if action == "reset":
            self.state = _State()
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
                response = _errors(404, "NOT_FOUND", "The requested resource does not exist")
            elif s.api_used >= s.api_limit:
                response = _errors(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
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
        return json_response({"DailyApiRequests": {"Max": s.api_limit, "Remaining": max(0, s.api_limit - s.api_used)},
                              "DailyBulkV2QueryJobs": {"Max": 10_000, "Remaining": 10_000 - len(s.jobs)}})

    async def _describe(self, request: Request) -> Response:
        table = self.tables.get(request.path_params["sobject"])
        if table is None:
            return _errors(404, "NOT_FOUND", "The requested resource does not exist")
        return json_response(table.describe())

    def _parse(self, request: Request, text: str) -> Soql | Response:
        try:
            return parse(text, self.tables)
        except SoqlError as exc:
            return _errors(400, exc.code, exc.message)

    async def _query(self, request: Request) -> Response:
        soql = self._parse(request, request.query_params.get("q", ""))
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
            return _errors(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        table, fields, rows, batch = found
        return self._page(request, table, fields, rows, cursor, int(offset), batch)

    def _page(self, request: Request, table: render.SObjectTable, fields: tuple[str, ...], rows: list[dict],
              cursor: str, start: int, batch: int) -> Response:
        version = request.path_params["version"]
        body = {"totalSize": len(rows), "done": start + batch >= len(rows),
                "records": table.records(rows[start:start + batch], fields, version)}
        if not body["done"]:
            body["nextRecordsUrl"] = f"/services/data/{version}/query/{cursor}-{start + batch}"
        return json_response(body)

    # ------------------------------------------------------------ Bulk API 2.0
    async def _create_job(self, request: Request) -> Response:
        try:
            spec = await request.json()
        except ValueError:
            return _errors(400, "JSON_PARSER_ERROR", "The request body is not valid JSON")
        operation = spec.get("operation") if isinstance(spec, dict) else None
        if operation not in ("query", "queryAll"):
            return _errors(400, "INVALIDJOB", f"InvalidJob : Invalid operation: {operation}")
        soql = self._parse(request, str(spec.get("query", "")))
        if isinstance(soql, Response):
            return soql
        if soql.fields is None:
            return _errors(400, "INVALIDJOB", "InvalidJob : Aggregate queries are not supported by Bulk API 2.0")
        table = self.tables[soql.sobject]
        rows = table.window(soql.lower, soql.upper, operation == "queryAll")
        self.state.serial += 1
        job_id = render.sf_id("750", self.state.serial)
        now = render.sf_datetime(_now())
        info = {"id": job_id, "operation": operation, "object": table.name, "createdById": render.INTEGRATION_USER_ID,
                "createdDate": now, "systemModstamp": now, "state": "UploadComplete", "concurrencyMode": "Parallel",
                "contentType": "CSV", "apiVersion": float(request.path_params["version"][1:]), "jobType": "V2Query",
                "lineEnding": "LF", "columnDelimiter": "COMMA"}
        fields = [table.field(f) for f in soql.fields]
        self.state.jobs[job_id] = _Job(info, [f for f in fields if f], [table.values(r, soql.fields) for r in rows])
        while len(self.state.jobs) > 500:  # finished jobs expire (after 7 days at Salesforce): oldest first
            del self.state.jobs[next(iter(self.state.jobs))]
        return json_response(info)

    async def _job_info(self, request: Request) -> Response:
        job = self.state.jobs.get(request.path_params["job_id"])
        if job is None:
            return _errors(404, "NOT_FOUND", "The requested resource does not exist")
        job.polls += 1
        done = job.polls >= self.state.polls_to_complete
        job.info.update(state="JobComplete" if done else "InProgress", retries=0, totalProcessingTime=50 * job.polls,
                        numberRecordsProcessed=len(job.rows) if done else 0, systemModstamp=render.sf_datetime(_now()))
        return json_response(job.info)

    async def _job_results(self, request: Request) -> Response:
        job = self.state.jobs.get(request.path_params["job_id"])
        if job is None:
            return _errors(404, "NOT_FOUND", "The requested resource does not exist")
        if job.info["state"] != "JobComplete":
            return _errors(400, "INVALIDJOBSTATE", f"Job is not complete, its state is {job.info['state']}")
        q = request.query_params
        try:
            size = int(q.get("maxRecords", BULK_MAX_RECORDS))
            start = int(base64.b64decode(q["locator"] + "==").decode()) if q.get("locator") else 0
            if size < 1 or not 0 <= start <= len(job.rows):
                raise ValueError
        except (ValueError, UnicodeDecodeError):
            return _errors(400, "INVALID_LOCATOR", "maxRecords must be positive and locator one we issued")
        chunk = job.rows[start:start + size]
        end = start + len(chunk)
        locator = base64.b64encode(str(end).encode()).decode().rstrip("=") if end < len(job.rows) else "null"
        return Response(render.to_csv(job.fields, chunk), media_type="text/csv",
                        headers={"Sforce-Locator": locator, "Sforce-NumberOfRecords": str(len(chunk))})


def _now() -> datetime:
    return datetime.now(UTC)
