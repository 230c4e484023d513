"""Zendesk webhooks (event subscriptions): signature, events, and the records they change.

Signature: ``X-Zendesk-Webhook-Signature`` = base64(HMAC-SHA256(signing secret, timestamp + body)) with
``X-Zendesk-Webhook-Signature-Timestamp`` (ISO-8601). Zendesk's documentation writes the message both
as timestamp + body and as body + timestamp (its published example vector verifies only as the
latter), so both orders are accepted; neither can be made without the secret. Deliveries signed more
than 5 minutes from now are refused. Payload: ``{"type": "zen:event-type:ticket.status_changed",
"id": <event id>, "time": ..., "detail": {"id": <ticket id>, ...}, "event": {...}}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from integration_pipelines.lib.webhooks.events import Change, Rejected, SignedRequest, WebhookEvent
from integration_pipelines.lib.webhooks.payloads import JSON_ACK, iso_time, json_body, require
from integration_pipelines.lib.webhooks.signatures import b64, hmac_digest, require_fresh, require_signature
from integration_pipelines.sources.zendesk import settings

SIGNATURE = "X-Zendesk-Webhook-Signature"
TIMESTAMP = "X-Zendesk-Webhook-Signature-Timestamp"
PREFIX = "zen:event-type:"
OBJECTS = {"ticket": "tickets", "user": "users", "organization": "organizations"}
DELETED = {
    "ticket.soft_deleted",
    "ticket.permanently_deleted",
    "ticket.marked_as_spam",
    "user.deleted",
    "organization.deleted",
}


class ZendeskWebhooks:
    vendor = "zendesk"
    settle_seconds = 60  # Zendesk's incremental exports hide the last minute of changes: sync once a change is that old
    sandbox_secrets = (settings.SANDBOX_WEBHOOK_SECRET,)  # accepted locally when no variable is set
    secret_variables = ("ZENDESK_WEBHOOK_SECRETS",)

    def verify(self, request: SignedRequest, secrets: Sequence[str], now: datetime) -> None:
        timestamp = request.header(TIMESTAMP)
        if not timestamp:
            raise Rejected("signature", f"missing {TIMESTAMP}")

        def sign(secret: str) -> list[str]:
            return [
                b64(hmac_digest(secret, timestamp.encode() + request.body)),
                b64(hmac_digest(secret, request.body + timestamp.encode())),
            ]

        require_signature(request.header(SIGNATURE), secrets, sign, SIGNATURE)
        require_fresh(iso_time(timestamp, TIMESTAMP), now)

    def events(self, request: SignedRequest) -> list[WebhookEvent]:
        payload = json_body(request.body)
        topic = str(require(payload, "type", "the event"))
        if not topic.startswith(PREFIX):
            raise Rejected("malformed", "not a Zendesk event-subscription payload (type zen:event-type:...)")
        require(payload, "detail", "the event")
        return [
            WebhookEvent(
                key=str(require(payload, "id", "the event")),
                topic=topic.removeprefix(PREFIX),
                occurred_at=iso_time(require(payload, "time", "the event"), "time"),
                payload=payload,
            )
        ]

    def changes(self, event: WebhookEvent) -> list[Change]:
        kind = event.topic.split(".", 1)[0]
        obj = OBJECTS.get(kind)
        detail = event.payload.get("detail") or {}
        record_id, when = str(detail.get("id", "")), event.occurred_at.isoformat()
        if obj is None or not record_id.isdigit():  # Zendesk's ids are integers
            return []
        if event.topic in DELETED:
            tombstone = {
                "ticket": {"status": "deleted"},
                "user": {"active": False, "deleted_at": when},
                "organization": {"deleted_at": when},
            }[kind]
            return [
                Change(
                    obj,
                    record_id,
                    event.occurred_at,
                    deleted=True,
                    record={**detail, **tombstone, "id": int(record_id), "updated_at": when},
                )
            ]
        changes = [Change(obj, record_id, event.occurred_at)]
        if event.topic == "ticket.comment_added":
            changes.append(Change("ticket_comments", record_id, event.occurred_at))
        return changes

    def acknowledge(self, events: Sequence[WebhookEvent]) -> tuple[bytes, str]:
        return JSON_ACK


WEBHOOKS = ZendeskWebhooks()
