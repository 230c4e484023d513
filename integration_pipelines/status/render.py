"""The report as a rich table for people and as JSON for machines; both pass one last redaction.

Nothing here reads a secret: values never enter the report. The last pass masks every secret value
the environment holds anyway, so a vendor's error text that quoted one cannot reach the terminal.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from integration_pipelines.lib.http.redact import Redactor
from integration_pipelines.status.history import RunFacts
from integration_pipelines.status.report import Report, Row

COLUMNS = ("Integration", "Kind", "Provider", "Configured", "Health", "Latency", "Last sync", "Rows", "429s", "Quota")
HEALTH_STYLE = {"healthy": "green", "unhealthy": "bold red", "skipped": "dim"}
TABLE_WIDTH = 160  # when stdout is not a terminal (pipes, CI logs): wide enough not to fold the headers


def redacted(report: Report, text: str) -> str:
    from integration_pipelines.lib import secrets

    return secrets.redact(Redactor(report.secrets, share=False).secrets(text))


def to_json(report: Report) -> str:
    document = {
        "environment": report.environment,
        "healthy": report.healthy,
        "health_checked": report.checked,
        "dagster_home": report.dagster_home or None,
        "history_note": report.history_note or None,
        "integrations": [_row_json(row) for row in report.rows],
    }
    return redacted(report, json.dumps(document, indent=2, ensure_ascii=False))


def _row_json(row: Row) -> dict[str, Any]:
    integration, health, history = row.integration, row.health, row.history
    quota, quota_source = row.quota
    return {
        "kind": integration.kind,
        "name": integration.name,
        "title": integration.title,
        "provider": integration.provider,
        "configured": integration.configured,
        "missing_variables": list(integration.missing),
        "enabled": integration.enabled,
        "note": integration.note or None,
        "health": {
            "status": health.status,
            "latency_ms": health.latency_ms,
            "detail": health.detail or None,
        },
        "quota_remaining": quota,
        "quota_source": quota_source or None,
        "last_success_at": _iso(history.last_success_at) if history else None,
        "last_success": _facts_json(history.last_success) if history else None,
        "last_run": _facts_json(history.last_run) if history else None,
    }


def _facts_json(facts: RunFacts | None) -> dict[str, Any] | None:
    if facts is None:
        return None
    return {
        "run_id": facts.run_id,
        "status": facts.status,
        "started_at": _iso(facts.at),
        "rows": facts.rows,
        "http_429s": facts.http_429s,
    }


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def table(report: Report) -> Table:
    title = f"Integrations ({report.environment})" + ("" if report.checked else ", health not checked")
    grid = Table(title=title, title_justify="left", show_lines=False)
    for name in COLUMNS:
        grid.add_column(name, justify="right" if name in ("Latency", "Rows", "429s", "Quota") else "left")
    for row in report.rows:
        grid.add_row(*(redacted(report, cell) for cell in _cells(row)))  # before wrapping can split a secret
    return grid


def _cells(row: Row) -> list[str]:
    integration, health, history = row.integration, row.health, row.history
    if integration.configured:
        configured = "[green]yes[/]" if integration.enabled else "yes (unused)"
    else:
        configured = "[yellow]no[/]" + (f": missing {', '.join(integration.missing)}" if integration.missing else "")
    status = f"[{HEALTH_STYLE[health.status]}]{health.status}[/]"
    latency = f"{health.latency_ms:.0f} ms" if health.latency_ms is not None else ""
    success = history.last_success if history else None
    last_run = history.last_run if history else None
    last_sync = history.last_success_at.strftime("%Y-%m-%d %H:%M UTC") if history and history.last_success_at else ""
    rows = f"{success.rows:,}" if success and success.rows is not None else ""
    http_429s = str(last_run.http_429s) if last_run and last_run.http_429s is not None else ""
    if last_run is not None and last_run.status not in ("SUCCESS", "STARTED", "QUEUED", "STARTING", "NOT_STARTED"):
        http_429s = f"{http_429s} ({last_run.status.lower()})".strip()
    quota, source = row.quota
    quota_cell = f"{quota:,.0f}" + (" (last run)" if source == "last run" else "") if quota is not None else ""
    return [
        integration.title,
        integration.kind,
        integration.provider,
        configured,
        status,
        latency,
        last_sync,
        rows,
        http_429s,
        quota_cell,
    ]


def to_text(report: Report, width: int | None = None, color: bool = False) -> str:
    """The table and, below it, each check's detail and how to configure what is missing."""
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=width or TABLE_WIDTH, force_terminal=color, color_system="standard" if color else None
    )
    console.print(table(report))
    for row in report.rows:
        integration, health = row.integration, row.health
        lines = []
        if health.status == "unhealthy":
            lines.append(f"{health.status}: {health.detail}")
        if not integration.configured and integration.enabled and integration.note:
            lines.append(integration.note)
        if lines:
            line = redacted(report, f"{integration.title}: " + "; ".join(lines))
            console.print(line, highlight=False, markup=False, soft_wrap=True)
    if report.history_note:
        console.print(redacted(report, report.history_note), highlight=False, markup=False, soft_wrap=True)
    return redacted(report, buffer.getvalue())
