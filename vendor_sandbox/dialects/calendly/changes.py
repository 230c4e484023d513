"""The change feed in Calendly: new bookings and invitees cancelling, each announced by its webhook.

``new_message`` is a new booking by one of the pool's customers (their answers are their own words):
``invitee.created``. ``status_change`` is an invitee cancelling an active booking of a meeting still to come
(seeded meetings before the change time are past: none to cancel once the world is old) with a reason in their
own words (the script's first customer turn): ``invitee.canceled``. Calendly deletes nothing through its
API (a cancellation is a status), so the feed makes no ``delete`` changes. Both changes show in the REST
API at once (the event's and the invitee's ``updated_at`` move to the change time).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from vendor_sandbox import voices
from vendor_sandbox.changefeed.model import Change, ChangeError, Delivery, FeedContext
from vendor_sandbox.changefeed.overlay import change_time
from vendor_sandbox.dialects.calendly import render, webhooks

if TYPE_CHECKING:
    from datetime import datetime

    from vendor_sandbox.dialects.calendly.dialect import CalendlyDialect


class CalendlyFeed:
    kinds = ("new_message", "status_change")
    objects = ("invitees", "scheduled_events")

    def apply(self, dialect: CalendlyDialect, kind: str, at: datetime | None, options: Mapping[str, Any]) -> Change:
        rng = dialect.rng
        if kind == "new_message":
            scripts = voices.scripts(dialect.world, "meeting")
            if not scripts:
                raise ChangeError("no customer of the pool has a conversation to book a meeting about")
            script = rng.choice(scripts)
            moment = change_time(at)
            number = max((b.number for b in dialect.bookings.values()), default=0) + 1
            booking = render.booking_of(replace(script, at=moment), rng, moment, number)  # anchor now: no cancel yet
            booking = replace(booking, canceled_at=None, cancel_reason=None, no_show_at=None)
            topic, details = "invitee.created", {"body": booking.answers[0], "email": booking.customer.email}
        else:
            moment = change_time(at)
            active = [b for _, b in sorted(dialect.bookings.items()) if b.canceled_at is None and b.start_time > moment]
            if not active:  # Calendly cancels only meetings still to come
                raise ChangeError("no active booking of a meeting still to come left to cancel")
            booking = rng.choice(active)
            moment = change_time(at, booking.invitee_updated_at)
            booking = replace(booking, canceled_at=moment, cancel_reason=booking.first_turn, canceler_type="invitee")
            topic = "invitee.canceled"
            details = {"status": "canceled", "reason": booking.first_turn}
        dialect.bookings[booking.event_uuid] = booking
        dialect.dirty = True
        item = {**render.invitee(booking), "scheduled_event": render.scheduled_event(booking)}
        return Change(
            "calendly",
            kind,
            "invitee",
            booking.invitee_uri,
            moment,
            render.new_uuid(rng),
            topic,
            item,
            {**details, "event_uri": booking.event_uri, "start_time": render.iso(booking.start_time)},
        )

    def deliveries(self, changes: Sequence[Change], url: str, context: FeedContext) -> list[Delivery]:
        return [webhooks.delivery(change, url, context) for change in changes]


CALENDLY_FEED = CalendlyFeed()
