"""Mutable drafts of companies, people and conversations, filled in while the world is built.

Plain slotted objects in integer epoch seconds: cheap to create by the ten thousand, frozen into
``model`` shapes only once ids and times are final.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

DAY = 86_400
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(slots=True, eq=False)
class CompanyDraft:
    name: str
    domain: str
    country: str
    created: int = 0
    updated: int = 0
    id: int = 0


@dataclass(slots=True, eq=False)
class PersonDraft:
    name: str
    first: tuple[str, str]
    email: str
    phone: str | None
    role: str
    company: CompanyDraft | None
    country: str
    variety: str
    locale: str
    vip: bool = False
    first_seen: int | None = None
    created: int = 0
    updated: int = 0
    id: int = 0


@dataclass(slots=True, eq=False)
class MessageDraft:
    t: int
    role: str
    author: PersonDraft
    body: str
    public: bool
    variety: str


@dataclass(slots=True, eq=False)
class ConversationDraft:
    requester: PersonDraft
    assignee: PersonDraft | None
    subject: str
    channel: str
    status: str
    priority: str | None
    tags: tuple[str, ...]
    msgs: list[MessageDraft]
    deleted: int | None = None
    id: int = 0
