"""Reading a delivery's body: JSON only when it parses, timestamps only when they are timestamps."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from integration_pipelines.lib.webhooks.events import Rejected

# The answer for vendors that only need a 2xx (Zendesk, HubSpot, Intercom); Salesforce needs its SOAP Ack.
JSON_ACK: tuple[bytes, str] = (b'{"status":"stored"}', "application/json")


def json_body(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Rejected("malformed", f"body is not UTF-8 JSON ({type(error).__name__})") from None


def content_key(*parts: bytes | str) -> str:
    """A stable event key for vendors that give no id: the hash of the signed content."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return "sha256:" + digest.hexdigest()


def iso_time(value: Any, what: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise Rejected("malformed", f"{what} is not an ISO-8601 time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def epoch_time(value: Any, what: str, *, millis: bool = False) -> datetime:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Rejected("malformed", f"{what} is not a Unix time") from None
    return datetime.fromtimestamp(number / 1000 if millis else number, UTC)


def require(mapping: Any, key: str, what: str) -> Any:
    if not isinstance(mapping, dict) or mapping.get(key) in (None, ""):
        raise Rejected("malformed", f"{what} has no {key!r}")
    return mapping[key]
