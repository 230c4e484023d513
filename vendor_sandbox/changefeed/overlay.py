"""Changes to one vendor's share of the world, kept beside the seeded world rather than in it.

The world stays frozen and shared (every dialect renders it), so a vendor's changes live here:
the conversations as they are now, fresh ids for new messages and tickets, and one seeded rng for
which record changes and for event ids. A dialect's ``reset`` drops its overlay and gets the seeded
world back, and the same seed then replays the same changes.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from vendor_sandbox import texts
from vendor_sandbox.changefeed.model import ChangeError
from vendor_sandbox.world import Conversation, Message, World


def change_time(at: datetime | None, after: datetime | None = None) -> datetime:
    """Whole seconds, UTC, and strictly after the record's last change (a change never goes back in time)."""
    moment = (at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    if after is not None and moment <= after:
        moment = after.replace(microsecond=0) + timedelta(seconds=1)
    return moment


class Overlay:
    """One vendor's conversations as changed so far, on top of the seeded world."""

    def __init__(self, world: World, vendor: str, conversations: Iterable[Conversation]) -> None:
        self.world = world
        self.rng = random.Random(f"change-feed:{world.config.seed}:{vendor}")
        self.conversations = {c.id: c for c in conversations}
        self.dirty = False  # anything changed: the dialect must rebuild its indexes on reset
        self._next_message = 1 + max((m.id for c in world.conversations for m in c.messages), default=0)
        self._next_conversation = 1 + max((c.id for c in world.conversations), default=0)
        self._agents = sorted(p.id for p in world.people if p.role == "agent")

    # ------------------------------------------------------------ ids
    def event_uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def event_number(self) -> int:
        return self.rng.randrange(10**9, 10**10)

    def new_conversation_id(self) -> int:
        self._next_conversation += 1
        return self._next_conversation - 1

    # ------------------------------------------------------------ choosing
    def pick(self, eligible: Callable[[Conversation], bool], what: str = "conversation") -> Conversation:
        candidates = [c for _, c in sorted(self.conversations.items()) if eligible(c)]
        if not candidates:
            raise ChangeError(f"no {what} left that this change applies to")
        return self.rng.choice(candidates)

    def choose(self, options: Iterable[str]) -> str:
        return self.rng.choice(sorted(options))

    # ------------------------------------------------------------ neutral changes
    def reply(self, conv: Conversation, role: str, at: datetime | None) -> tuple[Conversation, Message]:
        """A new public message from the customer (``role`` "customer") or an agent."""
        moment = change_time(at, conv.updated_at)
        variety = next((m.variety for m in conv.messages if m.author_role == role), conv.messages[0].variety)
        if role == "customer":
            author, pool = conv.requester_id, texts.FOLLOWUPS
        else:
            author = conv.assignee_id or self.rng.choice(self._agents)
            pool = texts.AGENT_PROGRESS
        body = self.rng.choice(pool.get(variety) or pool["english"])
        message = Message(self._next_message, conv.id, author, role, body, True, moment, variety)
        self._next_message += 1
        return self.save(replace(conv, messages=(*conv.messages, message), updated_at=moment)), message

    def set_status(self, conv: Conversation, status: str, at: datetime | None) -> Conversation:
        return self.save(replace(conv, status=status, updated_at=change_time(at, conv.updated_at)))

    def delete(self, conv: Conversation, at: datetime | None) -> Conversation:
        moment = change_time(at, conv.updated_at)
        return self.save(replace(conv, deleted_at=moment, updated_at=moment))

    def save(self, conv: Conversation) -> Conversation:
        self.conversations[conv.id] = conv
        self.dirty = True
        return conv
