"""Bulk API 2.0 query jobs: create, poll until JobComplete, then read CSV results by locator.

Results are read one locator after another (``/results``, ``Sforce-Locator``) or, from API 58.0, listed
up front for parallel download (``/resultPages``: up to five ``resultUrl`` per response, then
``nextRecordsUrl`` until ``done``). Locators are base64 row offsets; a chunk read without
``maxRecords`` holds the org's chunk size (``bulk`` control ``chunk_records``), and the listed
resultUrls cut the job at that size, so both ways of reading give the same rows. The ``bulk`` control
``break_offset``/``break_times`` serves the chunk starting at that row cut short a number of times.
"""

from __future__ import annotations

import base64

from starlette.requests import Request
from starlette.responses import Response

from vendor_sandbox.dialect import json_response
from vendor_sandbox.dialects.salesforce import render
from vendor_sandbox.dialects.salesforce.state import Job, State, errors, parse_soql, utc_now

RESULT_PAGES_PER_RESPONSE = 5  # resultUrl entries per resultPages response
RESULT_PAGES_SINCE = 58  # the API version that introduced resultPages


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

    def _complete_job(self, request: Request) -> Job | Response:
        job = self.state.jobs.get(request.path_params["job_id"])
        if job is None:
            return errors(404, "NOT_FOUND", "The requested resource does not exist")
        if job.info["state"] != "JobComplete":
            return errors(400, "INVALIDJOBSTATE", f"Job is not complete, its state is {job.info['state']}")
        return job

    async def _job_results(self, request: Request) -> Response:
        job = self._complete_job(request)
        if isinstance(job, Response):
            return job
        q = request.query_params
        try:
            size = int(q.get("maxRecords", self.state.chunk_records))
            start = _offset(q.get("locator"))
            if size < 1 or not 0 <= start <= len(job.rows):
                raise ValueError
        except (ValueError, UnicodeDecodeError):
            return errors(400, "INVALID_LOCATOR", "maxRecords must be positive and locator one we issued")
        chunk = job.rows[start : start + size]
        end = start + len(chunk)
        body = render.to_csv(job.fields, chunk)
        s = self.state
        if s.broken_offset == start and s.broken_times > 0:  # cut mid-row, headers as if whole
            s.broken_times -= 1
            s.broken_served += 1
            body = body[: max(1, len(body) // 2)]
        return Response(
            body,
            media_type="text/csv",
            headers={
                "Sforce-Locator": _locator(end) if end < len(job.rows) else "null",
                "Sforce-NumberOfRecords": str(len(chunk)),
            },
        )

    async def _result_pages(self, request: Request) -> Response:
        """Up to five result URIs (one per chunk of ``chunk_records`` rows), then the next set's URI."""
        version = request.path_params["version"]
        if int(version[1:3]) < RESULT_PAGES_SINCE:
            return errors(404, "NOT_FOUND", "The requested resource does not exist")
        job = self._complete_job(request)
        if isinstance(job, Response):
            return job
        size = self.state.chunk_records
        starts = list(range(0, len(job.rows), size)) or [0]  # an empty job still has its header chunk
        try:
            first = _offset(request.query_params.get("locator"))
            index = starts.index(first)
        except (ValueError, UnicodeDecodeError):
            return errors(400, "INVALID_LOCATOR", "locator must be one we issued")
        base = f"/services/data/{version}/jobs/query/{job.info['id']}"
        batch = starts[index : index + RESULT_PAGES_PER_RESPONSE]
        following = index + RESULT_PAGES_PER_RESPONSE
        done = following >= len(starts)
        return json_response(
            {
                "resultPages": [{"resultUrl": f"{base}/results?locator={_locator(start)}"} for start in batch],
                "nextRecordsUrl": None if done else f"{base}/resultPages?locator={_locator(starts[following])}",
                "done": done,
            }
        )


def _locator(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def _offset(locator: str | None) -> int:
    """The row a locator we issued points at (0 without one); ValueError for any other."""
    return int(base64.b64decode(locator + "==").decode()) if locator else 0
