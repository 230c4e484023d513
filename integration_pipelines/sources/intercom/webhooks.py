"""Intercom webhooks: signature, notifications, and the records they change.

``X-Hub-Signature: sha1=`` hex(HMAC-SHA1(the app's client secret, body)). Intercom signs no timestamp,
so a replay is caught by the notification id (stored once), not by age. Payload:
``{"type": "notification_event", "id": "notif_...", "topic": "conversation.user.replied",
"created_at": <unix>, "data": {"item": {...}}}``. Deletes exist only here: the REST API never
returns deleted conversations or archived/deleted contacts, so ``conversation.deleted``,
``contact.deleted`` and ``contact.archived`` become tombstones.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime

from integration_pipelines.lib.webhooks.events import Change, SignedRequest, WebhookEvent
from integration_pipelines.lib.webhooks.payloads import JSON_ACK, epoch_time, json_body, require
from integration_pipelines.lib.webhooks.signatures import require_signature
from integration_pipelines.sources.intercom import settings

SIGNATURE = "X-Hub-Signature"
DELETED = {"conversation.deleted": "deleted", "contact.deleted": "deleted", "contact.archived": "archived"}


class IntercomWebhooks:
    vendor = "intercom"
    settle_seconds = 0  # a change shows in the REST API at once
    sandbox_secrets = (settings.SANDBOX_WEBHOOK_SECRET,)  # accepted locally when no variable is set
    secret_variables = ("INTERCOM_WEBHOOK_SECRETS", "INTERCOM_CLIENT_SECRET")

    def verify(self, request: SignedRequest, secrets: Sequence[str], now: datetime) -> None:
        def sign(secret: str) -> list[str]:
            return ["sha1=" + hmac.new(secret.encode(), request.body, hashlib.sha1).hexdigest()]

        require_signature(request.header(SIGNATURE), secrets, sign, SIGNATURE)

    def events(self, request: SignedRequest) -> list[WebhookEvent]:
        payload = json_body(request.body)
        topic = str(require(payload, "topic", "the notification"))
        require(require(payload, "data", "the notification"), "item", "the notification's data")
        return [
            WebhookEvent(
                key=str(require(payload, "id", "the notification")),
                topic=topic,
                occurred_at=epoch_time(require(payload, "created_at", "the notification"), "created_at"),
                payload=payload,
            )
        ]

    def changes(self, event: WebhookEvent) -> list[Change]:
        item = (event.payload.get("data") or {}).get("item") or {}
        record_id = str(item.get("id") or "")
        if not record_id:
            return []
        kind = event.topic.split(".", 1)[0]
        objects = {
            "conversation": ("conversations", "conversation_parts"),
            "conversation_part": ("conversations", "conversation_parts"),
            "contact": ("contacts",),
        }.get(kind, ())
        flag = DELETED.get(event.topic)
        if flag:
            stamp = int(event.occurred_at.timestamp())
            return [
                Change(
                    objects[0],
                    record_id,
                    event.occurred_at,
                    deleted=True,
                    record={**item, "id": record_id, flag: True, "updated_at": stamp},
                )
            ]
        return [Change(obj, record_id, event.occurred_at) for obj in objects]

    def acknowledge(self, events: Sequence[WebhookEvent]) -> tuple[bytes, str]:
        return JSON_ACK


WEBHOOKS = IntercomWebhooks()
