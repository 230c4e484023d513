"""Intercom webhook notifications: ``notification_event`` payloads signed with the app's client secret.

One notification per request. ``X-Hub-Signature`` is ``sha1=`` + hex(HMAC-SHA1(client secret, body));
Intercom has no signature timestamp, so a retry differs only in ``delivery_attempts`` (the body, and
so the signature, change with it) while ``id`` and ``first_sent_at`` stay.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from vendor_sandbox.changefeed.model import Change, Delivery, FeedContext
from vendor_sandbox.dialects.intercom.render import WORKSPACE_ID


def sign(secret: str, body: bytes) -> str:
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def payload(change: Change, attempt: int, first_sent_at: int) -> dict:
    return {
        "type": "notification_event",
        "app_id": WORKSPACE_ID,
        "data": {"type": "notification_event_data", "item": dict(change.item)},
        "links": {},
        "id": change.event_id,
        "topic": change.topic,
        "delivery_status": "pending",
        "delivery_attempts": attempt,
        "delivered_at": 0,
        "first_sent_at": first_sent_at,
        "created_at": int(change.at.timestamp()),
        "self": None,
    }


def delivery(change: Change, url: str, context: FeedContext) -> Delivery:
    first_sent: list[int] = []

    def build(attempt: int) -> tuple[bytes, dict[str, str]]:
        if not first_sent:
            first_sent.append(int(time.time()))
        body = json.dumps(payload(change, attempt, first_sent[0]), ensure_ascii=False, separators=(",", ":")).encode()
        return body, {
            "Content-Type": "application/json",
            "User-Agent": "Intercom-Webhook",
            "X-Hub-Signature": sign(context.secret, body),
        }

    return Delivery("intercom", url, (change.event_id,), build)
