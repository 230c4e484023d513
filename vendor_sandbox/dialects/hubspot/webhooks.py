"""HubSpot app webhooks: a JSON array of events per request, signed with signature v3 (and v1).

``X-HubSpot-Signature-v3`` is base64(HMAC-SHA256(client secret, "POST" + full target URL + body +
timestamp)) with the millisecond timestamp in ``X-HubSpot-Request-Timestamp``; receivers reject
timestamps older than five minutes, so every retry is signed afresh. ``attemptNumber`` counts from 0
and grows with each retry, while ``eventId`` stays. The v1 header (SHA-256 hex of secret + body) is
sent too, as HubSpot still does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Sequence

from vendor_sandbox.changefeed.model import Change, Delivery, FeedContext

PORTAL_ID = 24_681_357  # the sandbox portal (the dialect's PORTAL_ID; kept literal to avoid an import cycle)
APP_ID = 3_141_592
SUBSCRIPTION_IDS = {
    "ticket.creation": 2_400_001,
    "ticket.propertyChange": 2_400_002,
    "ticket.deletion": 2_400_003,
    "contact.creation": 2_400_004,
    "contact.propertyChange": 2_400_005,
    "contact.deletion": 2_400_006,
}


def sign_v3(secret: str, url: str, body: bytes, timestamp: str) -> str:
    message = b"POST" + url.encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def events(changes: Sequence[Change], attempt: int) -> list[dict]:
    out = []
    for change in changes:
        event = {
            "eventId": int(change.event_id),
            "subscriptionId": SUBSCRIPTION_IDS[change.topic],
            "portalId": PORTAL_ID,
            "appId": APP_ID,
            "occurredAt": int(change.at.timestamp() * 1000),
            "subscriptionType": change.topic,
            "attemptNumber": attempt - 1,
            "objectId": int(change.record_id),
            **change.item,
            "changeSource": "CRM",
        }
        out.append(event)
    return out


def delivery(changes: Sequence[Change], url: str, context: FeedContext) -> Delivery:
    def build(attempt: int) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(events(changes, attempt), ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(int(time.time() * 1000))
        return body, {
            "Content-Type": "application/json",
            "User-Agent": "HubSpot Connect 2.0 (http://dev.hubspot.com/)",
            "X-HubSpot-Signature-Version": "v1",
            "X-HubSpot-Signature": hashlib.sha256(context.secret.encode() + body).hexdigest(),
            "X-HubSpot-Signature-v3": sign_v3(context.secret, url, body, timestamp),
            "X-HubSpot-Request-Timestamp": timestamp,
        }

    return Delivery("hubspot", url, tuple(c.event_id for c in changes), build)
