"""Retell webhooks: ``{"event", "call"}`` payloads signed with the account's API key.

One event per request, body as Retell's servers write it (compact JSON, UTF-8). ``x-retell-signature``
is ``v=<epoch ms>,d=<hex HMAC-SHA256(API key, body + str(ms))>`` (retell-sdk's ``sign``), signed afresh
at each attempt, so a retry carries a new time; the body stays the same. Retell retries a delivery not
answered 2xx (the first try and up to 3 retries).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from vendor_sandbox.changefeed.model import Change, Delivery, FeedContext


def sign(secret: str, body: bytes, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode(), body + str(timestamp_ms).encode(), hashlib.sha256).hexdigest()
    return f"v={timestamp_ms},d={digest}"


def payload(change: Change) -> dict:
    return {"event": change.topic, "call": dict(change.item)}


def delivery(change: Change, url: str, context: FeedContext) -> Delivery:
    body = json.dumps(payload(change), ensure_ascii=False, separators=(",", ":")).encode()

    def build(attempt: int) -> tuple[bytes, dict[str, str]]:
        return body, {
            "Content-Type": "application/json",
            "User-Agent": "Retell-Webhook",
            "x-retell-signature": sign(context.secret, body, int(time.time() * 1000)),
        }

    return Delivery("retell", url, (change.event_id,), build)
