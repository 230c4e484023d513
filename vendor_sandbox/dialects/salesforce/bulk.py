"""Bulk API 2.0 query jobs: create, poll until JobComplete, then read CSV results by locator."""

from __future__ import annotations

import base64

from starlette.requests import Request
from starlette.responses import Response

from vendor_sandbox.dialect import json_response
from vendor_sandbox.dialects.salesforce import render
from vendor_sandbox.dialects.salesforce.state import Job, State, errors, parse_soql, utc_now

BULK_MAX_RECORDS = 50_000  # results per locator chunk when maxRecords is not given


class BulkQueries:
    """The Bulk API endpoints, mixed into the dialect: they share its tables and its org state."""

    state: State
    tables: dict[str, render.SObjectTable]

    async def _create_job(self, request: Request) -> Response:
        try:
            spec = await request.json()
        except ValueError:
            return errors(400, "JSON_PARSER_ERROR", "The request body is not valid JSON")
        operation = spec.get("operation") if isinstance(spec, dict) else None
        if operation not in ("query", "queryAll"):
            return errors(400, "INVALIDJOB", f"InvalidJob : Invalid operation: {operation}")
        soql = parse_soql(str(spec.get("query", "")), self.tables)
        if isinstance(soql, Response):
            return soql
        if soql.fields is None:
            return errors(400, "INVALIDJOB", "InvalidJob : Aggregate queries are not supported by Bulk API 2.0")
        table = self.tables[soql.sobject]
        rows = table.window(soql.lower, soql.upper, operation == "queryAll")
        self.state.serial += 1
        job_id = render.sf_id("750", self.state.serial)
        now = render.sf_datetime(utc_now())
        info = {
            "id": job_id,
            "operation": operation,
            "object": table.name,
            "createdById": render.INTEGRATION_USER_ID,
            "createdDate": now,
            "systemModstamp": now,
            "state": "UploadComplete",
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(request.path_params["version"][1:]),
            "jobType": "V2Query",
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
        }
        fields = [table.field(f) for f in soql.fields]
        self.state.jobs[job_id] = Job(info, [f for f in fields if f], [table.values(r, soql.fields) for r in rows])
        while len(self.state.jobs) > 500:  # finished jobs expire (after 7 days at Salesforce): oldest first
            del self.state.jobs[next(iter(self.state.jobs))]
        return json_response(info)

    async def _job_info(self, request: Request) -> Response:
        job = self.state.jobs.get(request.path_params["job_id"])
        if job is None:
            return errors(404, "NOT_FOUND", "The requested resource does not exist")
        job.polls += 1
        done = job.polls >= self.state.polls_to_complete
        job.info.update(
            state="JobComplete" if done else "InProgress",
            retries=0,
            totalProcessingTime=50 * job.polls,
            numberRecordsProcessed=len(job.rows) if done else 0,
            systemModstamp=render.sf_datetime(utc_now()),
        )
        return json_response(job.info)

    async def _job_results(self, request: Request) -> Response:
        job = self.state.jobs.get(request.path_params["job_id"])
        if job is None:
            return errors(404, "NOT_FOUND", "The requested resource does not exist")
        if job.info["state"] != "JobComplete":
            return errors(400, "INVALIDJOBSTATE", f"Job is not complete, its state is {job.info['state']}")
        q = request.query_params
        try:
            size = int(q.get("maxRecords", BULK_MAX_RECORDS))
            start = int(base64.b64decode(q["locator"] + "==").decode()) if q.get("locator") else 0
            if size < 1 or not 0 <= start <= len(job.rows):
                raise ValueError
        except (ValueError, UnicodeDecodeError):
            return errors(400, "INVALID_LOCATOR", "maxRecords must be positive and locator one we issued")
        chunk = job.rows[start : start + size]
        end = start + len(chunk)
        locator = base64.b64encode(str(end).encode()).decode().rstrip("=") if end < len(job.rows) else "null"
        return Response(
            render.to_csv(job.fields, chunk),
            media_type="text/csv",
            headers={"Sforce-Locator": locator, "Sforce-NumberOfRecords": str(len(chunk))},
        )
