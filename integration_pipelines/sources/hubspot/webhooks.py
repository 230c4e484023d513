"""HubSpot webhooks (app subscriptions, signature v3): signature, events, and the records they change.

``X-HubSpot-Signature-v3`` = base64(HMAC-SHA256(app client secret, method + URI + body + timestamp))
with ``X-HubSpot-Request-Timestamp`` in milliseconds; deliveries older than 5 minutes are refused,
and v1/v2 signatures are not accepted (they carry no timestamp, so they can be replayed forever).
The URI is the public URL HubSpot called, with the characters HubSpot decodes before signing decoded.
A delivery is a JSON array of up to 100 events, each with its own ``eventId``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from integration_pipelines.lib.webhooks.events import Change, Rejected, SignedRequest, WebhookEvent
from integration_pipelines.lib.webhooks.payloads import JSON_ACK, epoch_time, json_body, require
from integration_pipelines.lib.webhooks.signatures import b64, hmac_digest, require_fresh, require_signature
from integration_pipelines.sources.hubspot import settings

SIGNATURE = "X-HubSpot-Signature-v3"
TIMESTAMP = "X-HubSpot-Request-Timestamp"
# HubSpot decodes these percent-encodings in the URI before it signs it.
URI_DECODING = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}
OBJECTS = {"contact": "contacts", "company": "companies", "deal": "deals", "ticket": "tickets"}
DELETIONS = ("deletion", "privacyDeletion")


def signed_uri(url: str) -> str:
    for encoded, plain in URI_DECODING.items():
        url = url.replace(encoded, plain).replace(encoded.lower(), plain)
    return url


class HubSpotWebhooks:
    vendor = "hubspot"
    settle_seconds = 0  # a change shows in the REST API at once
    sandbox_secrets = (settings.SANDBOX_WEBHOOK_SECRET,)  # accepted locally when no variable is set
    secret_variables = ("HUBSPOT_WEBHOOK_SECRETS", "HUBSPOT_CLIENT_SECRET")

    def verify(self, request: SignedRequest, secrets: Sequence[str], now: datetime) -> None:
        timestamp = request.header(TIMESTAMP)
        if not timestamp:
            raise Rejected("signature", f"missing {TIMESTAMP} (only signature v3 is accepted)")
        message = request.method.upper().encode() + signed_uri(request.url).encode() + request.body + timestamp.encode()
        require_signature(request.header(SIGNATURE), secrets, lambda s: [b64(hmac_digest(s, message))], SIGNATURE)
        require_fresh(epoch_time(timestamp, TIMESTAMP, millis=True), now)

    def events(self, request: SignedRequest) -> list[WebhookEvent]:
        payload = json_body(request.body)
        if not isinstance(payload, list) or not payload:
            raise Rejected("malformed", "a HubSpot delivery is a non-empty JSON array of events")
        events = []
        for item in payload:
            topic = str(require(item, "subscriptionType", "an event"))
            require(item, "objectId", "an event")
            events.append(
                WebhookEvent(
                    key=str(require(item, "eventId", "an event")),
                    topic=topic,
                    occurred_at=epoch_time(require(item, "occurredAt", "an event"), "occurredAt", millis=True),
                    payload=item,
                )
            )
        return events

    def changes(self, event: WebhookEvent) -> list[Change]:
        kind, _, action = event.topic.partition(".")
        obj = OBJECTS.get(kind)
        record_id = str(event.payload.get("objectId", ""))
        if obj is None or not record_id.isdigit():
            return []
        if action in DELETIONS:
            return [
                Change(
                    obj,
                    record_id,
                    event.occurred_at,
                    deleted=True,
                    record={
                        "id": int(record_id),
                        "archived": True,
                        "archivedAt": event.occurred_at.isoformat(),
                        "updatedAt": event.occurred_at.isoformat(),
                    },
                )
            ]
        return [Change(obj, record_id, event.occurred_at)]

    def acknowledge(self, events: Sequence[WebhookEvent]) -> tuple[bytes, str]:
        return JSON_ACK


WEBHOOKS = HubSpotWebhooks()
