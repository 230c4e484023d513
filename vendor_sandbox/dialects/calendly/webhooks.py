"""Calendly webhook deliveries (API v2 subscriptions): payloads and signing.

One event per request: ``{"created_at", "created_by", "event", "payload"}`` with the invitee as
``payload`` (its ``scheduled_event`` embedded). ``Calendly-Webhook-Signature: t=<unix>,v1=<hex>`` where
v1 = HMAC-SHA256(signing key, "{t}.{body}"); a retry is signed afresh at its own time over the same body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from vendor_sandbox.changefeed.model import Change, Delivery, FeedContext
from vendor_sandbox.dialects.calendly import render


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def payload(change: Change) -> dict:
    return {
        "created_at": render.iso(change.at),
        "created_by": render.HOST_USER,
        "event": change.topic,
        "payload": dict(change.item),
    }


def delivery(change: Change, url: str, context: FeedContext) -> Delivery:
    body = json.dumps(payload(change), ensure_ascii=False, separators=(",", ":")).encode()

    def build(attempt: int) -> tuple[bytes, dict[str, str]]:
        return body, {
            "Content-Type": "application/json",
            "User-Agent": "Calendly Webhooks",
            "Calendly-Webhook-Signature": sign(context.secret, int(time.time()), body),
        }

    return Delivery("calendly", url, (change.event_id,), build)
