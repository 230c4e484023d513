"""The ``status`` command: its options, the report it gathers and its exit status."""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
from typing import Any

from integration_pipelines.status.report import Report, Row

DEFAULT_TIMEOUT_SECONDS = 10.0
EXIT_UNHEALTHY = 1


def add_command(commands: Any) -> None:
    """Register ``status`` on the CLI's subcommands."""
    status = commands.add_parser(
        "status",
        help="every integration: configured?, a live health check with latency, last sync, rows, 429s, quota",
        description="List every integration (the sources, the sentiment provider, the warehouses) with whether "
        "its environment variables are set (the names of missing ones, never values), a live health check "
        "and its latency, the last successful sync of each source with its rows, the 429s of its last run and "
        "the API quota remaining where the vendor reports it. Sync history is read from the Dagster instance "
        "in DAGSTER_HOME (locally also {INTEGRATION_PIPELINES_HOME}/dagster_home). Exits 1 when a configured "
        "integration in use fails its check. A configured LLM provider is checked by scoring one word.",
    )
    status.add_argument("--json", action="store_true", help="print JSON for machines instead of the table")
    status.add_argument(
        "--no-health", action="store_true", help="skip the live checks (configuration and history only)"
    )
    status.add_argument(
        "--timeout",
        type=_positive,
        default=DEFAULT_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help=f"limit on each live check, connect and answer (default {DEFAULT_TIMEOUT_SECONDS:g})",
    )


def _positive(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a number of seconds, not {value!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return number


def gather(*, health: bool, timeout: float) -> Report:
    """Catalog, checks and history, with nothing but variable names taken from the environment."""
    from integration_pipelines.lib.environment import get_environment
    from integration_pipelines.status import catalog
    from integration_pipelines.status.health import Health, check_all

    integrations = catalog.catalog()
    checks = (
        check_all(integrations, timeout) if health else [Health("skipped", detail="--no-health")] * len(integrations)
    )
    histories, dagster_home, note = _histories()
    rows = [
        Row(integration, result, histories.get(integration.name) if integration.kind == "source" else None)
        for integration, result in zip(integrations, checks, strict=True)
    ]
    return Report(get_environment(), rows, dagster_home, note, health, catalog.secret_values())


def _histories() -> tuple[dict[str, Any], str, str]:
    from integration_pipelines.status import history
    from integration_pipelines.status.health import describe

    try:
        instance, path = history.open_instance()
        if instance is None:
            return {}, "", "No sync history: set DAGSTER_HOME to the Dagster instance the runs use."
        with instance:
            return history.read_history(instance, history.raw_asset_keys()), path, ""
    except Exception as exc:  # noqa: BLE001 - history is a courtesy: the checks still count
        return {}, "", f"No sync history: the Dagster instance could not be read ({describe(exc)})."


def run(args: argparse.Namespace) -> int:
    from integration_pipelines.status import render

    # the connectors log each failed request; the report states the failure once, in its row
    logger = logging.getLogger("integration_pipelines")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        report = gather(health=not args.no_health, timeout=args.timeout)
    finally:
        logger.setLevel(level)
    if args.json:
        print(render.to_json(report))
    else:
        terminal = sys.stdout.isatty()
        width = shutil.get_terminal_size((render.TABLE_WIDTH, 24)).columns if terminal else None
        sys.stdout.write(render.to_text(report, width=width, color=terminal))
    sys.stdout.flush()
    return 0 if report.healthy else EXIT_UNHEALTHY
