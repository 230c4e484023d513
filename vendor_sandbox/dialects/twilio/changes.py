"""The change feed in Twilio: a customer's new message, a delivery receipt, a redaction.

- ``new_message``: the customer writes again in one of the threads; a new inbound message (``received``)
  is listed at once and Twilio POSTs the incoming-message webhook to the sender's URL.
- ``status_change``: an agent's reply in a thread reaches the phone; the new outbound message's status
  moves to ``delivered`` (``read`` on WhatsApp) and Twilio POSTs the status callback.
- ``delete``: an admin redacts a message (``Body=""`` posted to it, Twilio's documented redaction): the
  list shows it with an empty body and a new ``date_updated``. Twilio sends no webhook for a redaction
  (nor for a ``DELETE``), so this change is delivered to no one. The message is one sent within two
  days before the change when there is one, as a redaction the connector's lookback can see.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from vendor_sandbox import texts
from vendor_sandbox.changefeed.model import KINDS, Change, ChangeError, Delivery, FeedContext
from vendor_sandbox.changefeed.overlay import change_time
from vendor_sandbox.dialects.twilio import render, webhooks

if TYPE_CHECKING:
    from vendor_sandbox.dialects.twilio.dialect import TwilioDialect

TOPICS = {"new_message": "message.received", "status_change": "message.status", "delete": "message.redacted"}


class TwilioFeed:
    kinds = KINDS
    objects = ("messages",)

    def apply(self, dialect: TwilioDialect, kind: str, at: datetime | None, options: Mapping[str, Any]) -> Change:
        rng = dialect.rng
        if not dialect.messages:
            raise ChangeError("no Twilio message left to change")
        event_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if kind == "delete":
            message = self._redact(dialect, at)
            details: dict[str, Any] = {"message_sid": message.sid, "body": ""}
        else:
            last = max(dialect.messages.values(), key=lambda m: (m.date_sent, m.sid))
            threads = sorted({(m.channel, m.thread, m.customer_id) for m in dialect.messages.values()})
            channel, thread, customer_id = rng.choice(threads)
            customer, company = thread.split("|")
            moment = change_time(at)
            variety = self._variety(dialect, customer_id)
            key = (dialect.world.config.seed, "feed", len(dialect.messages), last.sid)
            if kind == "new_message":
                body = rng.choice(texts.FOLLOWUPS.get(variety) or texts.FOLLOWUPS["english"])
                message = render.Message(
                    render.sid("SM", *key), channel, "inbound", customer, company, body, "received", 0,
                    moment, moment, moment, customer_id, "customer",
                )  # fmt: skip
            else:
                body = rng.choice(texts.AGENT_PROGRESS.get(variety) or texts.AGENT_PROGRESS["english"])
                status = "read" if channel == "whatsapp" else "delivered"
                sent = moment - timedelta(seconds=5)
                message = render.Message(
                    render.sid("SM", *key), channel, "outbound-api", company, customer, body, status, 0,
                    sent - timedelta(seconds=1), sent, moment, customer_id, "agent",
                )  # fmt: skip
            dialect.put(message)
            details = {"message_sid": message.sid, "status": message.status, "body": message.body}
        return Change(
            "twilio",
            kind,
            "message",
            message.sid,
            message.date_updated,
            event_id,
            TOPICS[kind],
            {"record": message.record()},
            details,
        )

    def _redact(self, dialect: TwilioDialect, at: datetime | None) -> render.Message:
        moment = change_time(at)
        live = [m for m in dialect.messages.values() if m.body and m.direction == "inbound" and m.num_media == 0]
        recent = [m for m in live if moment - timedelta(days=2) <= m.date_sent <= moment]
        if not live:
            raise ChangeError("no Twilio message left to redact")
        message = dialect.rng.choice(sorted(recent or live, key=lambda m: m.sid))
        redacted = render.redacted(message, change_time(at, message.date_updated))
        dialect.put(redacted)
        return redacted

    @staticmethod
    def _variety(dialect: TwilioDialect, customer_id: int) -> str:
        for conversation in dialect.world.conversations:
            if conversation.requester_id == customer_id:
                return conversation.messages[0].variety
        return "english"

    def deliveries(self, changes: Sequence[Change], url: str, context: FeedContext) -> list[Delivery]:
        """One request per change, except redactions: Twilio announces none."""
        return [webhooks.delivery(change, url, context) for change in changes if change.kind != "delete"]


TWILIO_FEED = TwilioFeed()
