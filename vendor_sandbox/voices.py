"""The customers the newer channels hear from (calls, text messages, bookings, payments), drawn from one pool.

Retell, Twilio, Calendly and Stripe each render their own records, but they all start here, so the
same customers (by email and by phone) turn up on a call, in a WhatsApp thread, on a cancelled
booking and behind a dispute, as they would at a real company. Each channel replays one of the
customer's own world conversations as its script (customer and agent turns in the customer's
variety: Gulf, Egyptian, MSA, English, Arabizi or code-switched) at a new moment in the world's
window. Drawn with RNGs of their own, so adding a channel never reshuffles the world or another
channel.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from vendor_sandbox.world import Conversation, Person, World

POOL_SHARE = 0.4  # of the customers with a phone number, this share also uses the newer channels
CHANNEL_RATES = {"voice": 0.05, "sms": 0.04, "whatsapp": 0.06, "meeting": 0.05, "payment": 0.04}  # per ticket


@dataclass(frozen=True)
class Turn:
    role: str  # "customer" or "agent"
    text: str


@dataclass(frozen=True)
class Script:
    """One exchange on a channel: who, when, and what was said, in order."""

    number: int  # 1-based, in time order within the channel: dialects derive their ids from it
    customer: Person
    conversation: Conversation  # the world conversation whose words are replayed
    at: datetime
    turns: tuple[Turn, ...]

    @property
    def customer_turns(self) -> tuple[Turn, ...]:
        return tuple(t for t in self.turns if t.role == "customer")


def channel_rng(world: World, channel: str) -> random.Random:
    """A channel's own seeded RNG: stable across runs, independent of every other channel."""
    return random.Random(world.config.seed * 1_000_003 + zlib.crc32(channel.encode()))


def pool(world: World) -> list[Person]:
    """The customers of the newer channels: every one has a phone and an email, in id order."""
    rng = channel_rng(world, "pool")
    return [p for p in world.people if p.role == "customer" and p.phone and rng.random() < POOL_SHARE]


def turns_of(conversation: Conversation) -> tuple[Turn, ...]:
    """The public customer and agent messages of a conversation, in order (system notes left out)."""
    return tuple(
        Turn(m.author_role, m.body)
        for m in conversation.messages
        if m.public and m.author_role in ("customer", "agent") and m.body.strip()
    )


def scripts(world: World, channel: str, count: int | None = None) -> list[Script]:
    """``count`` exchanges on ``channel`` (default: its rate per ticket), each a pool customer replaying one of
    their own conversations at a random moment of the world's window, ordered by time."""
    config = world.config
    assert config.anchor is not None, "build the world first: its anchor is resolved then"
    rng = channel_rng(world, channel)
    members = {p.id: p for p in pool(world)}
    candidates = [c for c in world.conversations if c.requester_id in members and turns_of(c)]
    if count is None:
        count = round(config.tickets * CHANNEL_RATES[channel])
    if not candidates or count <= 0:
        return []
    span = int(timedelta(days=config.days).total_seconds())
    start = config.anchor - timedelta(days=config.days)
    drafts = []
    for _ in range(count):
        conversation = rng.choice(candidates)
        at = start + timedelta(seconds=rng.randrange(60, span - 3600))  # an hour's room for the exchange itself
        drafts.append((at, conversation))
    drafts.sort(key=lambda d: (d[0], d[1].id))
    return [
        Script(n, members[conv.requester_id], conv, at, turns_of(conv)) for n, (at, conv) in enumerate(drafts, start=1)
    ]
