"""The change feed in Zendesk: new comments, status changes and soft deletes of tickets.

A change moves the ticket to the change time in the incremental ticket export (as ``updated_at``
and ``generated_timestamp`` move in Zendesk) and a new comment also appears as a ticket event. A
soft-deleted ticket shows ``status: "deleted"`` in the export, as Zendesk shows deleted tickets.
Closed tickets are never changed: Zendesk does not allow it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from vendor_sandbox.changefeed.model import KINDS, Change, Delivery, FeedContext
from vendor_sandbox.dialects.zendesk import render, webhooks
from vendor_sandbox.world import Conversation

if TYPE_CHECKING:
    from vendor_sandbox.dialects.zendesk.dialect import ZendeskDialect

STATUSES = ("new", "open", "pending", "hold", "solved", "closed")


QUIET_ON_REPLY = ("new", "open", "hold")  # a requester's comment reopens pending and solved tickets


def _live(conv: Conversation) -> bool:
    return conv.deleted_at is None and conv.status != "closed"


def _replyable(conv: Conversation) -> bool:
    """Tickets a requester's comment leaves in their status, so one comment is one event."""
    return conv.deleted_at is None and conv.status in QUIET_ON_REPLY


class ZendeskFeed:
    kinds = KINDS
    objects = ("tickets",)

    def apply(self, dialect: ZendeskDialect, kind: str, at: datetime | None, options: Mapping[str, Any]) -> Change:
        overlay = dialect.overlay
        conv = overlay.pick(_replyable if kind == "new_message" else _live, "open ticket")
        event_id = overlay.event_uuid()
        details: dict[str, Any] = {}
        if kind == "new_message":
            conv, message = overlay.reply(conv, "customer", at)
            dialect.ticket_events.upsert(
                int(message.created_at.timestamp()), message.id, render.comment_event(message, conv)
            )
            details = {"message_id": str(message.id), "body": message.body}
            event: dict[str, Any] = {
                "comment": {
                    "id": str(message.id),
                    "body": message.body,
                    "is_public": message.public,
                    "author": {
                        "id": str(message.author_id),
                        "is_staff": message.author_role != "customer",
                        "name": dialect.world.person(message.author_id).name,
                    },
                }
            }
        elif kind == "status_change":
            previous = conv.status
            conv = overlay.set_status(conv, overlay.choose(set(STATUSES) - {previous, "new"}), at)
            details = {"previous_status": previous, "status": conv.status}
            event = {"previous": previous.upper(), "current": conv.status.upper()}
        else:
            conv = overlay.delete(conv, at)
            details = {"status": "deleted"}
            event = {}
        dialect.tickets.upsert(int(conv.updated_at.timestamp()), conv.id, render.ticket(conv, dialect.base))
        return Change(
            "zendesk",
            kind,
            "ticket",
            str(conv.id),
            conv.updated_at,
            event_id,
            webhooks.TYPES[kind],
            {"detail": webhooks.detail(conv), "event": event},
            details,
        )

    def deliveries(self, changes: Sequence[Change], url: str, context: FeedContext) -> list[Delivery]:
        return [webhooks.delivery(change, url, context) for change in changes]


ZENDESK_FEED = ZendeskFeed()
