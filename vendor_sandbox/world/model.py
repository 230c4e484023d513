"""The world's public, frozen shapes: what every dialect renders and tests compare against."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class WorldConfig:
    seed: int = 7
    tickets: int = 10_000
    days: int = 30
    anchor: datetime | None = None
    deleted_fraction: float = 0.03
    # > 0: Zendesk serves this many tickets made page by page from its own (``dialects/zendesk/bulk.py``)
    bulk_tickets: int = 0


@dataclass(frozen=True)
class Company:
    id: int
    name: str
    domain: str
    country: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str
    phone: str | None
    role: str
    company_id: int | None
    locale: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Message:
    id: int
    conversation_id: int
    author_id: int
    author_role: str
    body: str
    public: bool
    created_at: datetime
    variety: str


@dataclass(frozen=True)
class Conversation:
    id: int
    requester_id: int
    assignee_id: int | None
    company_id: int | None
    subject: str
    channel: str
    status: str
    priority: str | None
    tags: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    messages: tuple[Message, ...]


@dataclass
class World:
    config: WorldConfig
    companies: list[Company]
    people: list[Person]
    conversations: list[Conversation]
    _people: dict[int, Person] = field(init=False, repr=False, compare=False)
    _companies: dict[int, Company] = field(init=False, repr=False, compare=False)
    _messages: list[Message] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._people = {p.id: p for p in self.people}
        self._companies = {c.id: c for c in self.companies}
        self._messages = sorted((m for c in self.conversations for m in c.messages), key=lambda m: (m.created_at, m.id))

    def person(self, person_id: int) -> Person:
        return self._people[person_id]

    def company(self, company_id: int) -> Company:
        return self._companies[company_id]

    def messages(self) -> Iterator[Message]:
        """All messages of all conversations, ordered by (created_at, id)."""
        return iter(self._messages)
