"""The change feed in Intercom: replies, state changes, deleted conversations and removed contacts.

A reply becomes a new conversation part and moves ``updated_at`` (search sees it at once); a state
change is open ↔ closed or snoozed. Deletes are what Intercom's REST API never shows: a deleted
conversation, or an archived or deleted contact with its conversations, simply vanishes from search
and ``GET`` (only the webhook says so). ``object`` "contacts" removes a contact; the default changes
conversations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from vendor_sandbox.changefeed.model import KINDS, Change, ChangeError, Delivery, FeedContext
from vendor_sandbox.changefeed.overlay import change_time
from vendor_sandbox.dialects.intercom import render, webhooks
from vendor_sandbox.dialects.intercom.search import CONVERSATION_FIELDS, searchable_values
from vendor_sandbox.world import Conversation

if TYPE_CHECKING:
    from vendor_sandbox.dialects.intercom.dialect import IntercomDialect

REOPEN_TOPIC = {"closed": "conversation.admin.opened", "snoozed": "conversation.admin.unsnoozed"}
STATE_TOPIC = {"closed": "conversation.admin.closed", "snoozed": "conversation.admin.snoozed"}


class IntercomFeed:
    kinds = KINDS
    objects = ("conversations", "contacts")

    def apply(self, dialect: IntercomDialect, kind: str, at: datetime | None, options: Mapping[str, Any]) -> Change:
        target = options.get("object", "conversations")
        if target == "contacts":
            if kind != "delete":
                raise ChangeError("the feed only removes Intercom contacts (kind delete)")
            return self._remove_contact(dialect, at)
        if target != "conversations":
            raise ChangeError(f"Intercom object must be conversations or contacts, not {target!r}")
        overlay = dialect.overlay
        event_id = f"notif_{overlay.event_uuid()}"
        state = lambda c: render.STATE[c.status]  # noqa: E731
        if kind == "new_message":
            conv = overlay.pick(lambda c: c.deleted_at is None and state(c) != "closed", "open conversation")
            role = overlay.choose(("customer", "agent"))
            conv, message = overlay.reply(conv, role, at)
            topic = "conversation.user.replied" if role == "customer" else "conversation.admin.replied"
            details: dict[str, Any] = {"part_id": str(message.id), "body": message.body, "author": role}
            item = self._index(dialect, conv, only_part=str(message.id))
        elif kind == "status_change":
            conv = overlay.pick(lambda c: c.deleted_at is None, "conversation")
            before = state(conv)
            conv = overlay.set_status(conv, "open" if before != "open" else overlay.choose(("solved", "hold")), at)
            after = state(conv)
            topic = REOPEN_TOPIC[before] if after == "open" else STATE_TOPIC[after]
            details = {"previous_state": before, "state": after}
            item = self._index(dialect, conv, only_part="")
        else:
            conv = overlay.pick(lambda c: c.deleted_at is None, "conversation")
            conv = overlay.delete(conv, at)
            dialect.conversations.pop(conv.id, None)
            dialect.conversation_index.remove(conv.id)
            topic, details = "conversation.deleted", {"deleted": True}
            item = {"type": "conversation", "id": str(conv.id)}
        return Change("intercom", kind, "conversation", str(conv.id), conv.updated_at, event_id, topic, item, details)

    def _index(self, dialect: IntercomDialect, conv: Conversation, only_part: str) -> dict:
        """Re-index the changed conversation; the webhook's copy carries only the part the event is about."""
        record = render.conversation(conv, dialect.world)
        dialect.conversation_index.upsert(
            render.epoch(conv.updated_at), conv.id, searchable_values(record, CONVERSATION_FIELDS), record
        )
        parts = [p for p in render.parts(conv, dialect.world, plaintext=False) if p["id"] == only_part]
        return {
            **record,
            "conversation_parts": {
                "type": "conversation_part.list",
                "conversation_parts": parts,
                "total_count": len(parts),
            },
        }

    def _remove_contact(self, dialect: IntercomDialect, at: datetime | None) -> Change:
        overlay = dialect.overlay
        event_id = f"notif_{overlay.event_uuid()}"
        if not dialect.customers:
            raise ChangeError("no contact left to remove")
        person = overlay.rng.choice(dialect.customers)
        archive = overlay.choose(("archived", "deleted")) == "archived"
        moment = change_time(at, person.updated_at)
        dialect.customers.remove(person)
        dialect.contact_index.remove(person.id)
        for conv in [c for c in dialect.conversations.values() if c.requester_id == person.id]:
            dialect.conversations.pop(conv.id)
            dialect.conversation_index.remove(conv.id)
        overlay.dirty = True
        item = {**render.contact(person, dialect.world), "updated_at": render.epoch(moment)}
        if archive:
            item["archived"] = True
        topic = "contact.archived" if archive else "contact.deleted"
        return Change(
            "intercom",
            "delete",
            "contact",
            render.contact_id(person),
            moment,
            event_id,
            topic,
            item,
            {"external_id": str(person.id), "archived": archive},
        )

    def deliveries(self, changes: Sequence[Change], url: str, context: FeedContext) -> list[Delivery]:
        return [webhooks.delivery(change, url, context) for change in changes]


INTERCOM_FEED = IntercomFeed()
