"""Calendly webhooks (API v2 subscriptions): signature, events, and the records they change.

``Calendly-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(signing key, "{t}.{raw body}")>``;
the signing key is the one given (or generated, for OAuth apps) when the subscription was created.
Deliveries signed more than 3 minutes from now are refused, the tolerance Calendly's own example uses.
Payload: ``{"event": "invitee.created", "created_at": ..., "created_by": <user URI>, "payload": {...}}``
with the invitee (its ``event`` is the scheduled event's URI) as ``payload``; for
``invitee_no_show.*`` the payload may also be the no-show (``invitee`` names the invitee). Calendly gives
no event id, so an event's key is the hash of what it says (topic, record, time): a retry is stored once.
Calendly never deletes an invitee or an event by webhook (a cancellation is a status), so no change
here is a deletion.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from integration_pipelines.lib.webhooks.events import Change, Rejected, SignedRequest, WebhookEvent
from integration_pipelines.lib.webhooks.payloads import JSON_ACK, content_key, iso_time, json_body, require
from integration_pipelines.lib.webhooks.signatures import require_timestamped_hmac
from integration_pipelines.sources.calendly import settings

SIGNATURE = "Calendly-Webhook-Signature"
TOLERANCE = timedelta(minutes=3)
TOPICS = ("invitee.created", "invitee.canceled", "invitee_no_show.created", "invitee_no_show.deleted")


def _event_uri(invitee_uri: str) -> str:
    """An invitee's URI is ``{event URI}/invitees/{uuid}``."""
    return invitee_uri.split("/invitees/", 1)[0] if "/invitees/" in invitee_uri else ""


class CalendlyWebhooks:
    vendor = "calendly"
    settle_seconds = 0  # a change shows in the REST API at once
    sandbox_secrets = (settings.SANDBOX_WEBHOOK_SECRET,)  # accepted locally when no variable is set
    secret_variables = ("CALENDLY_WEBHOOK_SIGNING_KEYS",)

    def verify(self, request: SignedRequest, secrets: Sequence[str], now: datetime) -> None:
        if not secrets:
            raise Rejected("forbidden", f"no webhook signing key is configured for this vendor (header {SIGNATURE})")
        require_timestamped_hmac(SIGNATURE, request.header(SIGNATURE), secrets, request.body, now, TOLERANCE)

    def events(self, request: SignedRequest) -> list[WebhookEvent]:
        body = json_body(request.body)
        topic = str(require(body, "event", "the webhook"))
        payload = require(body, "payload", "the webhook")
        if not isinstance(payload, dict):
            raise Rejected("malformed", "the webhook's payload is not an object")
        created = require(body, "created_at", "the webhook")
        record = str(payload.get("uri") or payload.get("invitee") or "")
        return [
            WebhookEvent(
                key=content_key(topic, record, str(created)),
                topic=topic,
                occurred_at=iso_time(created, "created_at"),
                payload=body,
            )
        ]

    def changes(self, event: WebhookEvent) -> list[Change]:
        payload: Mapping[str, Any] = event.payload.get("payload") or {}
        if event.topic.startswith("invitee_no_show."):
            invitee = str(payload.get("invitee") or payload.get("uri") or "")
            if "/invitees/" not in invitee:
                return []
            return [Change("invitees", invitee, event.occurred_at)]  # a no-show moves the invitee only
        if not event.topic.startswith("invitee."):
            return []  # routing forms, event types: nothing we keep
        invitee = str(payload.get("uri") or "")
        scheduled = payload.get("scheduled_event")
        event_uri = str(payload.get("event") or (scheduled or {}).get("uri") or _event_uri(invitee))
        changes = [Change("invitees", invitee, event.occurred_at)] if invitee else []
        if event_uri:
            changes.append(Change("scheduled_events", event_uri, event.occurred_at))
        return changes

    def acknowledge(self, events: Sequence[WebhookEvent]) -> tuple[bytes, str]:
        return JSON_ACK


WEBHOOKS = CalendlyWebhooks()
