"""Stripe webhooks: signature, events, and the records they change.

``Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]`` where each ``v1`` is
hex(HMAC-SHA256(endpoint secret, "<t>.<raw body>")); several ``v1`` appear while Stripe rolls the
endpoint's secret, and any one matching is enough; other schemes (``v0``, test mode's) are ignored.
Deliveries signed more than 300 s (Stripe's libraries' default tolerance) from now are refused. The body
is the Event itself: ``{"id": "evt_...", "object": "event", "type": ..., "created": <unix>,
"data": {"object": {...}}}``, one per request.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from integration_pipelines.lib.webhooks.events import Change, Rejected, SignedRequest, WebhookEvent
from integration_pipelines.lib.webhooks.payloads import JSON_ACK, epoch_time, json_body, require
from integration_pipelines.lib.webhooks.signatures import require_timestamped_hmac
from integration_pipelines.sources.stripe import settings
from integration_pipelines.sources.stripe.objects import OBJECTS

SIGNATURE = "Stripe-Signature"
OBJECT_OF_TYPE = {t: o.name for o in OBJECTS.values() for t in o.event_types}


class StripeWebhooks:
    vendor = "stripe"
    settle_seconds = 0  # an event is listed by GET /v1/events as soon as it is sent
    sandbox_secrets = (settings.SANDBOX_WEBHOOK_SECRET,)  # accepted locally when no variable is set
    secret_variables = ("STRIPE_WEBHOOK_SECRETS",)

    def verify(self, request: SignedRequest, secrets: Sequence[str], now: datetime) -> None:
        if not secrets:
            raise Rejected("forbidden", f"no webhook secret is configured for this vendor (header {SIGNATURE})")
        require_timestamped_hmac(SIGNATURE, request.header(SIGNATURE), secrets, request.body, now)

    def events(self, request: SignedRequest) -> list[WebhookEvent]:
        payload = json_body(request.body)
        if not isinstance(payload, dict) or payload.get("object") != "event":
            raise Rejected("malformed", "not a Stripe event (object 'event')")
        require(require(payload, "data", "the event"), "object", "the event's data")
        return [
            WebhookEvent(
                key=str(require(payload, "id", "the event")),
                topic=str(require(payload, "type", "the event")),
                occurred_at=epoch_time(require(payload, "created", "the event"), "created"),
                payload=payload,
            )
        ]

    def changes(self, event: WebhookEvent) -> list[Change]:
        obj = (event.payload.get("data") or {}).get("object") or {}
        name = OBJECT_OF_TYPE.get(event.topic)
        record_id = str(obj.get("id") or "")
        if name is None or not record_id:
            return []
        if event.topic not in OBJECTS[name].deleted_types:
            return [Change(name, record_id, event.occurred_at)]
        tombstone = {
            **obj,
            "id": record_id,
            "deleted": True,
            "event_id": event.key,
            "event_type": event.topic,
            "event_created": event.payload.get("created"),
        }
        return [Change(name, record_id, event.occurred_at, deleted=True, record=tombstone)]

    def acknowledge(self, events: Sequence[WebhookEvent]) -> tuple[bytes, str]:
        return JSON_ACK


WEBHOOKS = StripeWebhooks()
