"""Run the sandbox: in the foreground (CLI), or as a child process for tests and the demo.

A child process keeps the sandbox off the client's interpreter (its own core, its own GIL), and
``--port 0`` plus the printed ``SANDBOX_URL=`` line lets callers bind a free loopback port safely.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import logging
import pkgutil
import socket
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

import uvicorn

from vendor_sandbox import dialects as dialect_packages
from vendor_sandbox.app import build_app
from vendor_sandbox.changefeed.settings import DEFAULT_SECRETS, SECRET_ENV, WebhookSettings, parse_secrets
from vendor_sandbox.crm import Crm, build_crm
from vendor_sandbox.dialect import Dialect
from vendor_sandbox.faults import FaultConfig, FaultInjector
from vendor_sandbox.world import World, WorldConfig, build_world

READY_PREFIX = "SANDBOX_URL="


@functools.cache
def available_dialects() -> dict[str, type[Dialect]]:
    """name → class of every dialect in the ``dialects`` folder: each package lists its own in ``DIALECTS``,
    so adding a vendor is adding a package, with nothing to register here."""
    found: dict[str, type[Dialect]] = {}
    for package in pkgutil.iter_modules(dialect_packages.__path__, f"{dialect_packages.__name__}."):
        if package.ispkg:
            for dialect_class in getattr(importlib.import_module(package.name), "DIALECTS", ()):
                found[dialect_class.name] = dialect_class
    return found


def parse_rate_limits(value: str) -> float | None:
    """``vendor`` (published limits), ``off``, or a multiplier such as ``0.5`` or ``10``."""
    if value == "vendor":
        return 1.0
    if value == "off":
        return None
    scale = float(value)
    if scale <= 0:
        raise argparse.ArgumentTypeError("rate-limit scale must be positive")
    return scale


def build_parser(add_help: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="integration-pipelines sandbox",
        add_help=add_help,
        description="Serve fake vendor APIs (same paths, paging, auth, limits, errors) on loopback.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (loopback by default)")
    parser.add_argument("--port", type=int, default=8765, help="port; 0 picks a free one")
    names = list(available_dialects())
    parser.add_argument(
        "--dialects", default=",".join(names), help=f"comma-separated vendor APIs to serve, of: {', '.join(names)}"
    )
    parser.add_argument("--seed", type=int, default=7, help="world seed (same seed, same data)")
    parser.add_argument(
        "--conversations",
        type=int,
        default=25_000,
        help="conversations in the world, shared among the systems (about 10,500 in Zendesk)",
    )
    parser.add_argument(
        "--import-leads",
        type=int,
        default=12_000,
        help="contacts a marketing import touched on one day (exceeds HubSpot's search cap)",
    )
    parser.add_argument(
        "--bulk-tickets",
        type=int,
        default=0,
        metavar="N",
        help="Zendesk exports N tickets made page by page from the world's own, spread over the history "
        "(for memory benchmarks at millions of tickets; the change feed does not change them)",
    )
    parser.add_argument("--days", type=int, default=30, help="days of history before the anchor")
    parser.add_argument("--anchor", default=None, help="UTC date the history ends at (default: today)")
    parser.add_argument(
        "--rate-limits",
        type=parse_rate_limits,
        default=1.0,
        metavar="vendor|off|SCALE",
        help="vendor's published limits, off, or scaled by a factor",
    )
    for name in ("429", "500", "503", "slow", "drop", "truncate"):
        parser.add_argument(
            f"--fault-{name}",
            type=float,
            default=0.0,
            metavar="RATE",
            help=f"probability of a {name} fault per request",
        )
    parser.add_argument("--slow-seconds", type=float, default=2.0, help="delay of a slow response")
    parser.add_argument("--log-level", default="warning", help="uvicorn log level")
    add_webhook_arguments(parser)
    return parser


def add_webhook_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "change feed", "make changes in the vendors' data and POST their webhooks (admin: POST /_sandbox/changes)"
    )
    group.add_argument(
        "--webhooks-to",
        metavar="URL",
        default=None,
        help="receiver base URL; each vendor's webhooks go to URL/{vendor}",
    )
    group.add_argument(
        "--webhook-interval",
        type=float,
        default=None,
        metavar="SECONDS",
        help="make one random change (seeded) every SECONDS and send its webhook",
    )
    group.add_argument(
        "--webhook-secret",
        action="append",
        default=[],
        metavar="VENDOR=SECRET",
        help="signing secret per vendor (repeatable; env "
        + SECRET_ENV.format(vendor="<VENDOR>")
        + "); defaults: "
        + ", ".join(f"{v}={s}" for v, s in DEFAULT_SECRETS.items() if s),
    )
    group.add_argument(
        "--webhook-attempts",
        type=int,
        default=None,
        metavar="N",
        help="attempts per delivery, first included (default: each vendor's own)",
    )
    group.add_argument(
        "--webhook-backoff",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="wait before the first retry, doubling after each failure",
    )
    group.add_argument("--webhook-max-backoff", type=float, default=60.0, metavar="SECONDS")
    group.add_argument(
        "--webhook-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="a receiver slower than this counts as a failed attempt",
    )


def webhook_settings(args: argparse.Namespace) -> WebhookSettings:
    try:
        secrets = parse_secrets(args.webhook_secret)
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    if args.webhook_attempts is not None and args.webhook_attempts < 1:
        raise SystemExit("--webhook-attempts must be at least 1")
    if args.webhook_interval is not None and (args.webhook_interval <= 0 or not args.webhooks_to):
        raise SystemExit("--webhook-interval needs a positive number of seconds and --webhooks-to")
    return WebhookSettings(
        target=args.webhooks_to,
        secrets=secrets,
        interval=args.webhook_interval,
        max_attempts=args.webhook_attempts,
        backoff_seconds=args.webhook_backoff,
        max_backoff_seconds=args.webhook_max_backoff,
        timeout_seconds=args.webhook_timeout,
        seed=args.seed,
    )


def world_config(args: argparse.Namespace) -> WorldConfig:
    anchor = None
    if args.anchor:
        anchor = datetime.fromisoformat(args.anchor).replace(tzinfo=UTC)
    return WorldConfig(
        seed=args.seed, tickets=args.conversations, days=args.days, anchor=anchor, bulk_tickets=args.bulk_tickets
    )


def make_dialects(names: Sequence[str], world: World, crm: Crm) -> list[Dialect]:
    available = available_dialects()
    unknown = [n for n in names if n not in available]
    if unknown:
        raise SystemExit(f"unknown dialect(s) {unknown}; available: {sorted(available)}")
    return [available[name](world, crm) for name in names]


def serve(argv: Sequence[str] | None = None) -> None:
    serve_args(build_parser().parse_args(argv))


def serve_args(args: argparse.Namespace) -> None:
    """Build the world and serve until interrupted; prints ``SANDBOX_URL=...`` once listening."""
    world = build_world(world_config(args))
    faults = FaultInjector(
        FaultConfig(
            rate_429=args.fault_429,
            rate_500=args.fault_500,
            rate_503=args.fault_503,
            rate_slow=args.fault_slow,
            rate_drop=args.fault_drop,
            rate_truncate=args.fault_truncate,
            slow_seconds=args.slow_seconds,
        )
    )
    names = [n.strip() for n in args.dialects.split(",") if n.strip()]
    webhooks = webhook_settings(args)
    app = build_app(
        make_dialects(names, world, build_crm(world, leads=args.import_leads)), faults, args.rate_limits, webhooks
    )
    sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(2048)  # before announcing the URL: a client may connect before uvicorn is serving
    host, port = sock.getsockname()[:2]
    webhooks.sandbox_url = f"http://{host}:{port}"
    if args.log_level.lower() != "debug":
        # a dropped-connection fault raises inside the app on purpose; don't print its traceback
        logging.getLogger("uvicorn.error").addFilter(lambda r: "Exception in ASGI" not in r.getMessage())
    config = uvicorn.Config(app, log_level=args.log_level, access_log=False, lifespan="on", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    print(f"{READY_PREFIX}http://{host}:{port}", flush=True)
    print(
        f"serving {', '.join(names)} for {len(world.conversations)} conversations "
        f"(seed {args.seed}, anchor {world.config.anchor:%Y-%m-%d}); Ctrl-C to stop",
        file=sys.stderr,
        flush=True,
    )
    server.run(sockets=[sock])


if __name__ == "__main__":
    serve()
