"""``integration-pipelines webhooks serve | prune``: the receiver beside ``dagster dev``, and inbox retention.

The receiver knows every vendor whose ``sources/{vendor}/`` folder has ``webhooks.py`` (asked of the
registry); a vendor with no secret configured answers 403 until one is set.
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import threading
from datetime import timedelta

READY_PREFIX = "WEBHOOKS_URL="


def add_commands(commands: argparse._SubParsersAction) -> None:
    webhooks = commands.add_parser(
        "webhooks",
        help="receive vendor webhooks into the durable inbox",
        description="Serve the webhook receiver, or prune the inbox.",
    )
    actions = webhooks.add_subparsers(dest="action", required=True, metavar="ACTION")
    serve = actions.add_parser(
        "serve",
        help="serve /webhooks/{vendor}, /healthz and /metrics (uvicorn)",
        description="Verify each delivery's signature, store its events in the inbox (WEBHOOK_INBOX_URL, "
        "default a SQLite file in INTEGRATION_PIPELINES_HOME), then answer 2xx. Secrets: "
        "ZENDESK_WEBHOOK_SECRETS, HUBSPOT_WEBHOOK_SECRETS (or HUBSPOT_CLIENT_SECRET), "
        "INTERCOM_WEBHOOK_SECRETS (or INTERCOM_CLIENT_SECRET), SALESFORCE_WEBHOOK_ORGANIZATION_IDS, "
        "RETELL_WEBHOOK_SECRETS (or RETELL_API_KEY), TWILIO_WEBHOOK_SECRETS (or TWILIO_AUTH_TOKEN), "
        "CALENDLY_WEBHOOK_SIGNING_KEYS, STRIPE_WEBHOOK_SECRETS; "
        "comma-separate several while rotating. Limits: WEBHOOK_MAX_BODY_BYTES (1000000), "
        "WEBHOOK_PUBLIC_URL, WEBHOOK_PATH_SECRET.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on (0.0.0.0 behind a proxy)")
    serve.add_argument("--port", type=int, default=8900, help="port (0: any free one, printed on start)")
    serve.add_argument("--inbox-url", default=None, help="overrides WEBHOOK_INBOX_URL")
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    prune = actions.add_parser(
        "prune",
        help="delete processed inbox events older than N days",
        description="Delete processed events received more than --days ago; unprocessed events are never deleted.",
    )
    prune.add_argument("--days", type=float, required=True, help="retention in days")
    prune.add_argument("--inbox-url", default=None, help="overrides WEBHOOK_INBOX_URL")


def run(args: argparse.Namespace) -> int:
    from integration_pipelines.lib.webhooks.inbox import Inbox
    from integration_pipelines.lib.webhooks.resource import inbox_url

    inbox = Inbox(args.inbox_url or inbox_url())
    if args.action == "prune":
        if args.days < 0:
            print("--days must be 0 or more", file=sys.stderr)
            return 2
        print(f"pruned {inbox.prune(timedelta(days=args.days))} processed event(s)")
        return 0
    return serve(inbox, args.host, args.port, args.log_level)


def serve(inbox, host: str, port: int, log_level: str) -> int:
    import socket

    import uvicorn

    from integration_pipelines.lib.environment import get_environment
    from integration_pipelines.lib.webhooks.receiver import build_app
    from integration_pipelines.lib.webhooks.settings import receiver_settings
    from integration_pipelines.lib.webhooks.signatures import secrets_from_environment
    from integration_pipelines.sources import registry

    handlers = {name: s.webhooks for name, s in registry.sources().items() if s.webhooks is not None}
    settings = receiver_settings(handlers, local=get_environment() == "local")
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for vendor in sorted(handlers):  # names of variables only, never values
        needed = " or ".join(handlers[vendor].secret_variables)
        from_env = bool(secrets_from_environment(handlers[vendor].secret_variables))
        state = (
            ("configured" if from_env else "sandbox secret (local)")
            if settings.secrets[vendor]
            else (f"OFF (set {needed})")
        )
        logging.getLogger("integration_pipelines.webhooks").info("route /webhooks/%s: %s", vendor, state)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    print(f"{READY_PREFIX}http://{host}:{sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(
        build_app(settings, inbox), log_level=log_level, access_log=False, timeout_graceful_shutdown=5
    )
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def launch(
    command: list[str], env: dict[str, str] | None = None, stderr=None, timeout: float = 60.0
) -> tuple[subprocess.Popen, str]:
    """Start a server process that prints ``WEBHOOKS_URL=...`` once it listens; returns it and the URL
    (the receiver itself for the demo and the tests, or a baseline server for the benchmark)."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True, env=env)
    found: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith(READY_PREFIX):
                found.append(line[len(READY_PREFIX) :].strip())
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    if not found:
        proc.kill()
        raise RuntimeError(f"{' '.join(command[:5])} did not start within {timeout:.0f}s")
    return proc, found[0]


def receiver_command(*options: str) -> list[str]:
    return [sys.executable, "-m", "integration_pipelines.cli", "webhooks", "serve", "--port", "0", *options]
