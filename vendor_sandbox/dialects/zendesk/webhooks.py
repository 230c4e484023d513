"""Zendesk event-subscription webhooks (``zendesk_event_version`` 2022-11-06): payloads and signing.

One event per request. ``X-Zendesk-Webhook-Signature`` is base64(HMAC-SHA256(signing secret,
timestamp + body)) with the timestamp sent in ``X-Zendesk-Webhook-Signature-Timestamp``, so a retry,
signed at its own time, carries a new timestamp and signature but the same event ``id``. Ticket
fields in ``detail`` are strings for ids and upper case for enumerations, as Zendesk sends them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

from vendor_sandbox.changefeed.model import Change, Delivery, FeedContext
from vendor_sandbox.world import Conversation

ACCOUNT_ID = 10_457_893  # the sandbox help desk's account id
WEBHOOK_ID = "01HSBXZENDESKWEBHOOK00001"
EVENT_VERSION = "2022-11-06"
TYPES = {
    "new_message": "zen:event-type:ticket.comment_added",
    "status_change": "zen:event-type:ticket.status_changed",
    "delete": "zen:event-type:ticket.soft_deleted",
}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _id(value: int | None) -> str | None:
    return None if value is None else str(value)


def detail(conv: Conversation) -> dict:
    kind = "question" if "question" in conv.tags else "problem" if "complaint" in conv.tags else None
    return {
        "actor_id": _id(conv.messages[-1].author_id),
        "assignee_id": _id(conv.assignee_id),
        "brand_id": "360000000002",
        "created_at": iso(conv.created_at),
        "custom_status": None,
        "description": conv.messages[0].body,
        "external_id": None,
        "form_id": None,
        "group_id": "360000000001",
        "id": str(conv.id),
        "is_public": True,
        "organization_id": _id(conv.company_id),
        "priority": (conv.priority or "").upper() or None,
        "requester_id": str(conv.requester_id),
        "status": "DELETED" if conv.deleted_at else conv.status.upper(),
        "subject": conv.subject,
        "submitter_id": str(conv.requester_id),
        "tags": list(conv.tags),
        "type": kind.upper() if kind else None,
        "updated_at": iso(conv.updated_at),
        "via": {"channel": "web_service"},
    }


def payload(change: Change) -> dict:
    return {
        "type": change.topic,
        "account_id": ACCOUNT_ID,
        "id": change.event_id,
        "time": iso(change.at),
        "zendesk_event_version": EVENT_VERSION,
        "subject": f"zen:ticket:{change.record_id}",
        "detail": change.item["detail"],
        "event": change.item["event"],
    }


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def delivery(change: Change, url: str, context: FeedContext) -> Delivery:
    body = json.dumps(payload(change), ensure_ascii=False, separators=(",", ":")).encode()

    def build(attempt: int) -> tuple[bytes, dict[str, str]]:
        timestamp = iso(datetime.now(UTC))
        return body, {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Zendesk Webhook",
            "X-Zendesk-Account-Id": str(ACCOUNT_ID),
            "X-Zendesk-Webhook-Id": WEBHOOK_ID,
            "X-Zendesk-Webhook-Invocation-Id": change.event_id,
            "X-Zendesk-Webhook-Signature-Timestamp": timestamp,
            "X-Zendesk-Webhook-Signature": sign(context.secret, timestamp, body),
        }

    return Delivery("zendesk", url, (change.event_id,), build)
