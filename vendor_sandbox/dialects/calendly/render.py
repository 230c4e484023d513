"""Calendly's world: one booking (a scheduled event with one invitee) per ``voices.scripts(world, "meeting")``
script, rendered as Calendly API v2 resources.

A script's moment is when the customer booked; the meeting starts 1-14 days later. About a third of the
bookings are canceled by the invitee before the meeting (or before the world's anchor), with the script's
first customer turn as the reason; about a quarter of the meetings held before the anchor are marked
no-show an hour or less after they end. The booking questions are answered with the customer's turns.
Draws use an rng of their own per script, so they never disturb the voices or another channel.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from vendor_sandbox import voices
from vendor_sandbox.world import Person, World

API = "https://api.calendly.com"
ORGANIZATION = f"{API}/organizations/SANDBOXORG000001"
HOST_USER = f"{API}/users/SANDBOXHOST000001"
HOST_NAME, HOST_EMAIL = "Sandbox Support", "support@sandbox.example"
EVENT_TYPES = (
    ("Support call", "outbound_call"),
    ("Onboarding session", "zoom"),
    ("Account review", "google_conference"),
)
QUESTIONS = ("What would you like to discuss?", "Anything else we should know before the call?")
CANCEL_SHARE, NO_SHOW_SHARE = 0.3, 0.25


@dataclass(frozen=True)
class Booking:
    """A scheduled event with its single invitee, as it stands now."""

    number: int
    event_uuid: str
    invitee_uuid: str
    customer: Person
    event_type: int
    created_at: datetime
    start_time: datetime
    answers: tuple[str, ...]
    first_turn: str  # the customer's own words, should they cancel
    canceled_at: datetime | None = None
    cancel_reason: str | None = None
    canceler_type: str = "invitee"
    no_show_at: datetime | None = None

    @property
    def end_time(self) -> datetime:
        return self.start_time + timedelta(minutes=30)

    @property
    def event_uri(self) -> str:
        return f"{API}/scheduled_events/{self.event_uuid}"

    @property
    def invitee_uri(self) -> str:
        return f"{self.event_uri}/invitees/{self.invitee_uuid}"

    @property
    def event_updated_at(self) -> datetime:
        return max(t for t in (self.created_at, self.canceled_at) if t is not None)

    @property
    def invitee_updated_at(self) -> datetime:
        return max(t for t in (self.created_at, self.canceled_at, self.no_show_at) if t is not None)


def new_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def booking_of(script: voices.Script, rng: random.Random, anchor: datetime, number: int) -> Booking:
    """A booking made at the script's moment; cancel and no-show drawn from ``rng`` (never past ``anchor``)."""
    turns = [t.text for t in script.customer_turns] or [script.turns[0].text]
    booked = script.at.replace(microsecond=0)
    start = (booked + timedelta(days=rng.randint(1, 14))).replace(minute=0, second=0) + timedelta(hours=1)
    booking = Booking(
        number=number,
        event_uuid=new_uuid(rng),
        invitee_uuid=new_uuid(rng),
        customer=script.customer,
        event_type=rng.randrange(len(EVENT_TYPES)),
        created_at=booked,
        start_time=start,
        answers=(turns[0], turns[1] if len(turns) > 1 else ""),
        first_turn=turns[0],
    )
    draw_cancel, draw_no_show, fraction = rng.random(), rng.random(), rng.uniform(0.2, 0.9)
    if draw_cancel < CANCEL_SHARE:
        last = min(start, anchor)
        moment = booked + timedelta(seconds=max(1, int((last - booked).total_seconds() * fraction)))
        return replace(booking, canceled_at=moment, cancel_reason=turns[0])
    marked = booking.end_time + timedelta(minutes=10 + int(50 * fraction))
    if draw_no_show < NO_SHOW_SHARE and marked < anchor:
        return replace(booking, no_show_at=marked)
    return booking


def bookings(world: World) -> list[Booking]:
    """Every seeded booking, in script order."""
    anchor = world.config.anchor
    assert anchor is not None, "build the world first"
    return [
        booking_of(script, random.Random(f"calendly:{world.config.seed}:{script.number}"), anchor, script.number)
        for script in voices.scripts(world, "meeting")
    ]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def cancellation(booking: Booking) -> dict | None:
    if booking.canceled_at is None:
        return None
    by_invitee = booking.canceler_type == "invitee"
    return {
        "canceled_by": booking.customer.name if by_invitee else HOST_NAME,
        "reason": booking.cancel_reason,
        "canceler_type": booking.canceler_type,
        "created_at": iso(booking.canceled_at),
    }


def scheduled_event(booking: Booking) -> dict:
    name, location = EVENT_TYPES[booking.event_type]
    active = booking.canceled_at is None
    record = {
        "uri": booking.event_uri,
        "name": name,
        "meeting_notes_plain": None,
        "meeting_notes_html": None,
        "status": "active" if active else "canceled",
        "start_time": iso(booking.start_time),
        "end_time": iso(booking.end_time),
        "event_type": f"{API}/event_types/SANDBOXTYPE00000{booking.event_type}",
        "location": {"type": location, "location": booking.customer.phone if location == "outbound_call" else None},
        "invitees_counter": {"total": 1, "active": 1 if active else 0, "limit": 1},
        "created_at": iso(booking.created_at),
        "updated_at": iso(booking.event_updated_at),
        "event_memberships": [{"user": HOST_USER, "user_email": HOST_EMAIL, "user_name": HOST_NAME}],
        "event_guests": [],
    }
    if not active:
        record["cancellation"] = cancellation(booking)
    return record


def invitee(booking: Booking) -> dict:
    no_show = (
        None
        if booking.no_show_at is None
        else {"uri": f"{API}/invitee_no_shows/{booking.invitee_uuid}", "created_at": iso(booking.no_show_at)}
    )
    return {
        "uri": booking.invitee_uri,
        "email": booking.customer.email,
        "first_name": None,
        "last_name": None,
        "name": booking.customer.name,
        "status": "active" if booking.canceled_at is None else "canceled",
        "questions_and_answers": [
            {"question": question, "answer": answer, "position": position}
            for position, (question, answer) in enumerate(zip(QUESTIONS, booking.answers, strict=True))
        ],
        "timezone": "Asia/Riyadh" if booking.customer.locale == "ar" else "Europe/London",
        "event": booking.event_uri,
        "created_at": iso(booking.created_at),
        "updated_at": iso(booking.invitee_updated_at),
        "tracking": {"utm_campaign": None, "utm_source": None, "utm_medium": None, "utm_content": None},
        "text_reminder_number": booking.customer.phone,
        "rescheduled": False,
        "old_invitee": None,
        "new_invitee": None,
        "cancel_url": f"https://calendly.com/cancellations/{booking.invitee_uuid}",
        "reschedule_url": f"https://calendly.com/reschedulings/{booking.invitee_uuid}",
        "routing_form_submission": None,
        "cancellation": cancellation(booking),
        "payment": None,
        "no_show": no_show,
        "reconfirmation": None,
        "scheduling_method": None,
        "invitee_scheduled_by": None,
    }
