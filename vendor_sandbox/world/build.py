"""Build the world: draft everything with one seeded rng, then assign ids and freeze."""

from __future__ import annotations

from bisect import bisect
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import accumulate

from vendor_sandbox import texts as T
from vendor_sandbox.world.conversations import ConversationDrafter
from vendor_sandbox.world.drafts import EPOCH, ConversationDraft, PersonDraft
from vendor_sandbox.world.model import Company, Conversation, Message, Person, World, WorldConfig


def _resolve_anchor(anchor: datetime | None) -> datetime:
    if anchor is None:
        return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if anchor.tzinfo is None or anchor.utcoffset() is None:
        raise ValueError("WorldConfig.anchor must be timezone-aware")
    return anchor.astimezone(UTC)


def _dt(ts: int) -> datetime:
    return EPOCH + timedelta(seconds=ts)


DEFAULT_CONFIG = WorldConfig()


def build_world(config: WorldConfig = DEFAULT_CONFIG) -> World:
    """Build the world; the returned config has `anchor` resolved so it can be rebuilt exactly."""
    if config.tickets < 0 or config.bulk_tickets < 0 or config.days < 1 or not 0.0 <= config.deleted_fraction <= 1.0:
        raise ValueError(f"invalid WorldConfig: {config}")
    anchor = _resolve_anchor(config.anchor)
    config = replace(config, anchor=anchor)
    b = ConversationDrafter(config, anchor)
    rng = b.rng
    companies = b.companies()
    customers = b.customers(companies)
    agents = b.agents()
    bot = PersonDraft(
        "Helpdesk Automation",
        ("Helpdesk", "المساعد الآلي"),
        f"automation@{T.SUPPORT_DOMAIN}",
        None,
        "agent",
        None,
        "SA",
        "english",
        "en",
    )
    weights = tuple(accumulate(rng.lognormvariate(0.0, 0.7) for _ in customers))
    convs = [
        b.conversation(customers[bisect(weights, rng.random() * weights[-1])], agents, bot)
        for _ in range(config.tickets)
    ]
    b.delete_some(convs)

    for conv in convs:
        involved = [m.author for m in conv.msgs] + ([conv.assignee] if conv.assignee else [])
        for person in (conv.requester, *involved):
            if person.first_seen is None or conv.msgs[0].t < person.first_seen:
                person.first_seen = conv.msgs[0].t
    people = [bot, *agents, *customers]
    for person in people:
        b.stamp(person)
    firsts: dict[int, int] = {}
    for person in customers:
        if person.company is not None:
            key = id(person.company)
            firsts[key] = min(firsts.get(key, person.created), person.created)
    for co in companies:
        co.created = rng.randint(b.start, firsts.get(id(co), b.end))
        co.updated = co.created if rng.random() < 0.5 else rng.randint(co.created, b.end)

    # Ids follow creation time (stable sorts keep generation order on ties).
    for seq in (companies, people, convs):
        seq.sort(key=lambda x: x.created if not isinstance(x, ConversationDraft) else x.msgs[0].t)
        for n, item in enumerate(seq, start=1):
            item.id = n
    flat = sorted(((m.t, c.id, j, m) for c in convs for j, m in enumerate(c.msgs)), key=lambda x: x[:3])
    msg_ids = {id(x[3]): n for n, x in enumerate(flat, start=1)}

    out_companies = [Company(c.id, c.name, c.domain, c.country, _dt(c.created), _dt(c.updated)) for c in companies]
    out_people = [
        Person(
            p.id,
            p.name,
            p.email,
            p.phone,
            p.role,
            p.company.id if p.company else None,
            p.locale,
            _dt(p.created),
            _dt(p.updated),
        )
        for p in people
    ]
    out_convs = []
    for c in convs:
        messages = tuple(
            Message(msg_ids[id(m)], c.id, m.author.id, m.role, m.body, m.public, _dt(m.t), m.variety) for m in c.msgs
        )
        last = c.msgs[-1].t
        out_convs.append(
            Conversation(
                c.id,
                c.requester.id,
                c.assignee.id if c.assignee else None,
                c.requester.company.id if c.requester.company else None,
                c.subject,
                c.channel,
                c.status,
                c.priority,
                c.tags,
                _dt(c.msgs[0].t),
                _dt(max(last, c.deleted or last)),
                _dt(c.deleted) if c.deleted is not None else None,
                messages,
            )
        )
    return World(config, out_companies, out_people, out_convs)
