"""What the sandbox's Salesforce org remembers between calls: sessions, API usage, cursors, bulk jobs."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.responses import Response

from vendor_sandbox.dialect import json_response
from vendor_sandbox.dialects.salesforce import render
from vendor_sandbox.dialects.salesforce.auth import LoginServer
from vendor_sandbox.dialects.salesforce.soql import Soql, SoqlError, parse

DAILY_API_REQUESTS = 100_000  # Enterprise Edition's base 24-hour allowance
BULK_POLLS_TO_COMPLETE = 3  # job status reads until a bulk query job is JobComplete
BULK_MAX_RECORDS = 50_000  # rows per results chunk when the caller gives no maxRecords (and per result page)


def errors(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """Salesforce's error body: a list of ``{message, errorCode}``."""
    return json_response([{"message": message, "errorCode": code}], status, headers)


def parse_soql(text: str, tables: dict[str, render.SObjectTable]) -> Soql | Response:
    """The parsed query, or the 400 Salesforce answers a query it cannot run with."""
    try:
        return parse(text, tables)
    except SoqlError as exc:
        return errors(400, exc.code, exc.message)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Job:
    info: dict[str, Any]
    fields: list[render.FieldDef]
    rows: list[list[Any]]
    polls: int = 0


@dataclass
class State:
    """Everything run-time controls change; ``reset`` starts a fresh one."""

    login: LoginServer = field(default_factory=LoginServer)
    api_limit: int = DAILY_API_REQUESTS
    api_used: int = 0
    polls_to_complete: int = BULK_POLLS_TO_COMPLETE
    chunk_records: int = BULK_MAX_RECORDS  # the org's own chunk size: results without maxRecords, resultPages
    broken_offset: int | None = None  # the results chunk starting at this row is served cut short ...
    broken_times: int = 0  # ... this many more times
    broken_served: int = 0
    jobs: dict[str, Job] = field(default_factory=dict)
    cursors: OrderedDict[str, tuple[render.SObjectTable, tuple[str, ...], list[dict], int]] = field(
        default_factory=OrderedDict
    )
    serial: int = 0
