"""Secrets found: every credential the runs held, searched in everything the runs wrote down."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from integration_pipelines.sources.calendly import settings as calendly
from integration_pipelines.sources.hubspot import settings as hubspot
from integration_pipelines.sources.intercom import settings as intercom
from integration_pipelines.sources.retell import settings as retell
from integration_pipelines.sources.salesforce import settings as salesforce
from integration_pipelines.sources.stripe import settings as stripe
from integration_pipelines.sources.twilio import settings as twilio
from integration_pipelines.sources.zendesk import settings as zendesk

SANDBOX_SECRETS = (
    zendesk.SANDBOX_API_TOKEN,
    salesforce.SANDBOX_CLIENT_SECRET,
    hubspot.SANDBOX_ACCESS_TOKEN,
    intercom.SANDBOX_ACCESS_TOKEN,
    retell.SANDBOX_API_KEY,
    twilio.SANDBOX_AUTH_TOKEN,
    calendly.SANDBOX_TOKEN,
    stripe.SANDBOX_API_KEY,
)


def forms(secret: str) -> set[str]:
    """The secret as it may travel: raw, URL-quoted, JSON-escaped, base64 — and its first 16
    characters, so a token cut short still counts as found."""
    found = {secret, quote(secret, safe=""), secret.replace("/", "\\/"), base64.b64encode(secret.encode()).decode()}
    return found | {secret[:16]}


def files_under(paths: Iterable[Path]) -> Iterable[Path]:
    for path in paths:
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from (p for p in path.rglob("*") if p.is_file() and p.suffix not in (".parquet", ".duckdb", ".wal"))


def secrets_found(paths: Iterable[Path], secrets: Iterable[str] = SANDBOX_SECRETS) -> list[str]:
    """``file: form`` for every credential form found in the logs, the instance's storage and compute logs."""
    needles = {form: secret for secret in secrets for form in forms(secret)}
    hits = []
    for path in files_under(paths):
        data = path.read_bytes().decode("utf-8", errors="replace")
        hits.extend(f"{path}: {form[:6]}…" for form in needles if form in data)
    return hits
