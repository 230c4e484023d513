"""Stripe webhook deliveries: the Event object itself, signed with the endpoint's secret.

One event per request, its body the same Event the Events API lists. ``Stripe-Signature`` is
``t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``; every retry is signed afresh (a new
``t``) while the event ``id`` stays, so a receiver deduplicates by id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from vendor_sandbox.changefeed.model import Change, Delivery, FeedContext

SIGNATURE = "Stripe-Signature"
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def delivery(change: Change, url: str, context: FeedContext) -> Delivery:
    body = json.dumps(dict(change.item), ensure_ascii=False, separators=(",", ":")).encode()

    def build(attempt: int) -> tuple[bytes, dict[str, str]]:
        return body, {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            SIGNATURE: signature_header(context.secret, body, int(time.time())),
        }

    return Delivery("stripe", url, (change.event_id,), build)
