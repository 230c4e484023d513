"""Seeded, vendor-neutral "world" of companies, people and support conversations.

Every sandbox vendor API (Zendesk, Salesforce, HubSpot, Intercom) renders this
same world in its own shape, so connectors can be compared on identical data.
Generation uses one `random.Random(seed)`, integer epoch seconds internally and
builds frozen dataclasses only at the end, which keeps 10k tickets well under a
second or two.  Ids are assigned in creation order, as real helpdesks do.
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import accumulate

from vendor_sandbox import compose as C
from vendor_sandbox import texts as T

DAY = 86_400
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CHANNELS = (("email", 28), ("web", 20), ("chat", 20), ("whatsapp", 20), ("phone", 5), ("api", 7))
# Per conversation: tuned so the per-message mix lands near the target
# (msa 15, gulf 25, egyptian 25, english 20, arabizi 8, code_switched 7) once
# agents answering in MSA/English and system/internal messages are counted.
CUSTOMER_VARIETY = (("msa", 3), ("gulf", 35), ("egyptian", 34), ("english", 13), ("arabizi", 9),
                    ("code_switched", 6))
MESSAGE_COUNT_CW = tuple(accumulate((15, 25, 22, 15, 10, 7, 4, 2)))  # 1..8 messages, mean ~3.3
HOUR_WEIGHTS = (3, 2, 1, 1, 1, 2, 4, 8, 12, 16, 18, 18, 17, 16, 16, 15, 14, 13, 12, 13, 14, 13, 10, 6)
HOUR_CW = tuple(accumulate(HOUR_WEIGHTS))
TOPIC_CW = tuple(accumulate(T.TOPIC_WEIGHTS))


@dataclass(frozen=True)
class WorldConfig:
    seed: int = 7
    tickets: int = 10_000
    days: int = 30
    anchor: datetime | None = None
    deleted_fraction: float = 0.03


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
        self._messages = sorted((m for c in self.conversations for m in c.messages),
                                key=lambda m: (m.created_at, m.id))

    def person(self, person_id: int) -> Person:
        return self._people[person_id]

    def company(self, company_id: int) -> Company:
        return self._companies[company_id]

    def messages(self) -> Iterator[Message]:
        """All messages of all conversations, ordered by (created_at, id)."""
        return iter(self._messages)


# ---------------------------------------------------------------- drafts (mutable, internal)
@dataclass(slots=True, eq=False)
class _Co:
    name: str
    domain: str
    country: str
    created: int = 0
    updated: int = 0
    id: int = 0


@dataclass(slots=True, eq=False)
class _Pe:
    name: str
    first: tuple[str, str]
    email: str
    phone: str | None
    role: str
    company: _Co | None
    country: str
    variety: str
    locale: str
    vip: bool = False
    first_seen: int | None = None
    created: int = 0
    updated: int = 0
    id: int = 0


@dataclass(slots=True, eq=False)
class _Msg:
    t: int
    role: str
    author: _Pe
    body: str
    public: bool
    variety: str


@dataclass(slots=True, eq=False)
class _Conv:
    requester: _Pe
    assignee: _Pe | None
    subject: str
    channel: str
    status: str
    priority: str | None
    tags: tuple[str, ...]
    msgs: list[_Msg]
    deleted: int | None = None
    id: int = 0


class _Builder:
    """Holds the rng and time window while drafting; one instance per build."""

    def __init__(self, config: WorldConfig, anchor: datetime) -> None:
        self.cfg = config
        self.rng = random.Random(config.seed)
        self.end = math.ceil(anchor.timestamp()) - 1  # last allowed second (< anchor)
        self.start = math.ceil((anchor - timedelta(days=config.days)).timestamp())
        self.emails: set[str] = set()
        base_day = (EPOCH + timedelta(seconds=self.start)).date()
        self.base = self.start - self.start % DAY
        self.ndays = (self.end - self.base) // DAY + 2
        self.day_cw = {weekend: tuple(accumulate(
            (0.55 if (base_day + timedelta(days=i)).weekday() in weekend else 1.0) for i in range(self.ndays)))
            for weekend in ((4, 5), (5, 6))}

    # ------------------------------------------------------------ people and companies
    def companies(self) -> list[_Co]:
        rng, out, domains = self.rng, [], set()
        countries = T.COMPANY_COUNTRIES
        for _ in range(max(3, round(self.cfg.tickets / 25))):
            country = C.pick_weighted(rng, countries)
            stem = rng.choice([s for s in T.COMPANY_STEMS if s[3] in (None, country)])
            kind = rng.choice(T.COMPANY_TYPES)
            arabic_name = country not in ("GB", "US") and rng.random() < 0.25
            name = kind[1].format(stem[1]) if arabic_name else f"{stem[0]} {kind[0]}"
            if not arabic_name and rng.random() < 0.35:
                name += T.COMPANY_SUFFIX[country]
            slug, tld, n = f"{stem[2]}-{kind[2]}", rng.choice(T.TLDS[country]), 1
            domain = f"{slug}.{tld}"
            while domain in domains:
                n += 1
                domain = f"{slug}{n}.{tld}"
            domains.add(domain)
            out.append(_Co(name, domain, country))
        return out

    def _name(self, country: str) -> tuple[tuple[str, str], str]:
        rng = self.rng
        western = country in ("GB", "US") and rng.random() < 0.5
        first = rng.choice(T.FIRST_WESTERN if western else T.FIRST_MALE if rng.random() < 0.55 else T.FIRST_FEMALE)
        family = rng.choice(T.FAMILY_WESTERN if western else T.FAMILY_EGYPT if country == "EG" else T.FAMILY_GULF)
        return first, family

    def _unique_email(self, local: str, domain: str) -> str:
        email, n = f"{local}@{domain}", 1
        while email in self.emails:
            n += 1
            email = f"{local}{n}@{domain}"
        self.emails.add(email)
        return email

    def _personal_local(self, first: str, family: str) -> str:
        f, fam, rng = first.lower(), family.lower(), self.rng
        return rng.choice((f"{f}.{fam}", f"{f}{fam}", f"{f}_{fam}", f"{f}.{fam}{rng.randint(1, 99)}",
                           f"{f}{rng.randint(80, 105) % 100:02d}", f"{f[0]}.{fam}"))

    def phone(self, country: str) -> str:
        cc, prefixes, length = T.PHONE_PLANS[country]
        return f"+{cc}{self.rng.choice(prefixes)}{self.rng.randrange(10 ** (length - 1), 10 ** length)}"

    def customers(self, companies: list[_Co]) -> list[_Pe]:
        rng, out = self.rng, []
        by_country: dict[str, list[_Co]] = {}
        for co in companies:
            by_country.setdefault(co.country, []).append(co)
        n = max(5, round(self.cfg.tickets / 3))
        total = sum(w for _, w in CUSTOMER_VARIETY)  # stratified: the mix holds even for small worlds
        pool = [v for v, w in CUSTOMER_VARIETY for _ in range(round(n * w / total))]
        pool += [C.pick_weighted(rng, CUSTOMER_VARIETY) for _ in range(n - len(pool))]
        rng.shuffle(pool)
        for variety in pool[:n]:
            country = C.pick_weighted(rng, T.COUNTRY_BY_VARIETY[variety])
            company = rng.choice(by_country[country]) if country in by_country and rng.random() < 0.72 else None
            first, family = self._name(country)
            if company is not None:
                email = self._unique_email(f"{first[0].lower()}.{family.lower()}", company.domain)
            else:
                email = self._unique_email(self._personal_local(first[0], family), rng.choice(T.PERSONAL_DOMAINS))
            phone = self.phone(country) if rng.random() < 0.7 else None
            english = variety in ("english", "arabizi") or (variety == "code_switched" and rng.random() < 0.5)
            out.append(_Pe(f"{first[0]} {family}", first, email, phone, "customer", company, country, variety,
                           "en" if english else "ar", vip=rng.random() < 0.05))
        return out

    def agents(self) -> list[_Pe]:
        out = []
        for _ in range(max(5, round(self.cfg.tickets / 400))):
            first, family = self._name("SA" if self.rng.random() < 0.5 else "EG")
            email = self._unique_email(f"{first[0].lower()}.{family.lower()}", T.SUPPORT_DOMAIN)
            locale = "en" if self.rng.random() < 0.3 else "ar"
            out.append(_Pe(f"{first[0]} {family}", first, email, None, "agent", None, "SA", "msa", locale))
        return out

    # ------------------------------------------------------------ conversations
    def created_at(self, country: str) -> int:
        """A moment in business-ish local hours, weekdays favoured; within the window."""
        rng, lo = self.rng, self.start + 600
        cw = self.day_cw[T.WEEKEND.get(country, (4, 5))]
        offset = T.UTC_OFFSET[country] * 3600
        for _ in range(12):
            day = bisect(cw, rng.random() * cw[-1])
            hour = bisect(HOUR_CW, rng.random() * HOUR_CW[-1])
            t = self.base + day * DAY + hour * 3600 + rng.randrange(3600) - offset
            if lo <= t <= self.end:
                return t
        return rng.randint(lo, max(lo, self.end))

    def gap(self) -> int:
        r, rng = self.rng.random(), self.rng
        if r < 0.30:
            return rng.randint(120, 3600)
        if r < 0.62:
            return rng.randint(3600, 6 * 3600)
        if r < 0.85:
            return rng.randint(6 * 3600, DAY)
        return rng.randint(DAY, 2 * DAY)

    def plan(self, n: int, resolved: bool) -> list[str]:
        """Who speaks when: customer first, mostly alternating, notes and bots sprinkled in."""
        rng, kinds, agent_spoke = self.rng, ["c_open"], False
        if n > 1 and rng.random() < 0.05:
            kinds.append("sys_auto")
        while len(kinds) < n:
            last = next(k for k in reversed(kinds) if not k.startswith("sys"))
            r = rng.random()
            if last[0] == "c" and r < 0.10 and len(kinds) < n - 1:
                kinds.append("a_note")
            elif last[0] == "c" and r < 0.18:
                kinds.append("c_next")
            elif last[0] == "c" or last == "a_note":
                kinds.append("a_next" if agent_spoke else "a_first")
                agent_spoke = True
            else:
                kinds.append("a_note" if r < 0.08 else "c_next")
        if resolved and kinds[-1] == "c_next" and agent_spoke:
            kinds[-1] = "c_thanks"
        if resolved and len(kinds) < 8 and rng.random() < 0.15:
            kinds.append("sys_survey")
        return kinds

    def conversation(self, customer: _Pe, agents: list[_Pe], bot: _Pe) -> _Conv:
        rng = self.rng
        created = self.created_at(customer.country)
        variety = customer.variety if rng.random() < 0.85 else C.neighbor(rng, customer.variety)
        topic = T.TOPICS[bisect(TOPIC_CW, rng.random() * TOPIC_CW[-1])]
        mood = "happy" if topic == "praise" else ("angry" if rng.random() < 0.5 else "neutral")
        age = (self.end - created) / DAY
        resolved = rng.random() < (0.93 if age > 7 else 0.75 if age > 3 else 0.45 if age > 1 else 0.15)
        channel = C.pick_weighted(rng, CHANNELS)
        casual = channel in ("chat", "whatsapp")
        agent = rng.choice(agents)
        agent_v = C.agent_variety(rng, variety)
        note_v = "english" if rng.random() < 0.7 else "msa"
        sys_v = "english" if variety in ("english", "arabizi") else "msa"
        currency = T.CURRENCY[customer.country]
        lo, hi = T.AMOUNT_RANGE[currency]
        amount = round(rng.uniform(lo, hi), 3 if lo < 10 else 0)
        order_day = (EPOCH + timedelta(seconds=created - rng.randint(1, 12) * DAY)).date()
        first, family = self._name(customer.country)
        alt_email = f"{self._personal_local(first[0], family)}@{rng.choice(T.PERSONAL_DOMAINS)}"
        facts = C.Facts(
            order=str(rng.randint(100_000, 9_999_999)),
            invoice=f"INV-{order_day.year}-{rng.randint(1, 99_999):05d}",
            amount=amount, currency=currency, product=rng.randrange(len(T.PRODUCTS_EN)), order_date=order_day,
            email=customer.email, alt_email=alt_email,
            phone=customer.phone, alt_phone=self.phone(customer.country), country=customer.country,
            customer_first=customer.first, agent_first=agent.first,
        )
        msgs: list[_Msg] = []
        t, truncated = created, False
        kinds = self.plan(bisect(MESSAGE_COUNT_CW, rng.random() * MESSAGE_COUNT_CW[-1]) + 1, resolved)
        for i, kind in enumerate(kinds):
            if i:
                t += (rng.randint(3, 90) if kind == "sys_auto" else rng.randint(60, 3 * 3600) if kind == "a_note"
                      else rng.randint(3600, 30 * 3600) if kind == "sys_survey" else self.gap())
            if t > self.end:
                truncated = True
                break
            is_last_public = all(k in ("a_note", "sys_survey") for k in kinds[i + 1:])
            if kind[0] == "c":
                v = variety if rng.random() < 0.92 else C.neighbor(rng, variety)
                body = (C.customer_first(rng, v, topic, facts, mood, casual) if kind == "c_open" else
                        C.customer_next(rng, v, topic, facts, mood, casual, kind == "c_thanks"))
                msgs.append(_Msg(t, "customer", customer, body, True, v))
            elif kind == "a_note":
                colleague = rng.choice(agents).first if rng.random() < 0.25 else None
                msgs.append(_Msg(t, "agent", agent, C.agent_note(rng, note_v, facts, colleague), False, note_v))
            elif kind[0] == "a":
                resolving = resolved and is_last_public
                body = (C.agent_first(rng, agent_v, topic, facts, mood, ask=not resolved and rng.random() < 0.5)
                        if kind == "a_first" else C.agent_next(rng, agent_v, topic, facts, resolving))
                msgs.append(_Msg(t, "agent", agent, body, True, agent_v))
            else:
                msgs.append(_Msg(t, "system", bot, C.system_text(rng, sys_v, kind[4:]), True, sys_v))
        status = self.status(msgs, resolved and not truncated)
        has_agent = any(m.role == "agent" for m in msgs)
        assignee = agent if has_agent or status != "new" or rng.random() < 0.2 else None
        tags = set(T.TOPIC_TAGS[topic])
        tags.add("english" if variety == "english" else "arabizi" if variety == "arabizi" else "arabic")
        if mood == "angry":
            tags.add("complaint")
        if customer.vip:
            tags.add("vip")
        if channel == "whatsapp":
            tags.add("whatsapp")
        priority = self.priority(mood, customer.vip)
        subject = C.subject(rng, variety, topic, facts)
        return _Conv(customer, assignee, subject, channel, status, priority, tuple(sorted(tags)), msgs)

    def status(self, msgs: list[_Msg], resolved: bool) -> str:
        """Status follows recency: old cases closed, fresh ones still new/open/pending."""
        rng, last_t = self.rng, msgs[-1].t
        if resolved:
            return "closed" if self.end - last_t > 4 * DAY and rng.random() < 0.85 else "solved"
        humans = [m for m in msgs if m.public and m.role != "system"]
        if not any(m.role == "agent" for m in humans):
            return "new" if self.end - msgs[0].t < 3 * DAY or rng.random() < 0.3 else "open"
        if humans[-1].role == "agent":
            return "pending" if rng.random() < 0.8 else "hold"
        return "open" if rng.random() < 0.88 else "hold"

    def priority(self, mood: str, vip: bool) -> str | None:
        r = self.rng.random()
        if vip or (mood == "angry" and r < 0.3):
            return "urgent" if r < 0.1 else "high"
        if r < 0.25:
            return None
        return "low" if r < 0.45 else "normal" if r < 0.9 else "high"

    def delete_some(self, convs: list[_Conv]) -> None:
        rng = self.rng
        eligible = [i for i, c in enumerate(convs) if c.msgs[-1].t < self.end]
        k = min(len(eligible), round(len(convs) * self.cfg.deleted_fraction))
        for i in sorted(rng.sample(eligible, k)):
            last = convs[i].msgs[-1].t
            convs[i].deleted = min(self.end, last + rng.randint(3600, 14 * DAY)) if last + 3600 <= self.end \
                else rng.randint(last + 1, self.end)

    def stamp(self, person: _Pe) -> None:
        """created before first activity (often moments before, as helpdesks auto-create users)."""
        rng = self.rng
        if person.first_seen is None:
            person.created = rng.randint(self.start, self.end)
        elif rng.random() < 0.5:
            person.created = max(self.start, person.first_seen - rng.randint(1, 120))
        else:
            person.created = rng.randint(self.start, person.first_seen - 1)
        person.updated = person.created if rng.random() < 0.5 else rng.randint(person.created, self.end)


def _resolve_anchor(anchor: datetime | None) -> datetime:
    if anchor is None:
        return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if anchor.tzinfo is None or anchor.utcoffset() is None:
        raise ValueError("WorldConfig.anchor must be timezone-aware")
    return anchor.astimezone(UTC)


def _dt(ts: int) -> datetime:
    return EPOCH + timedelta(seconds=ts)


def build_world(config: WorldConfig = WorldConfig()) -> World:
    """Build the world; the returned config has `anchor` resolved so it can be rebuilt exactly."""
    if config.tickets < 0 or config.days < 1 or not 0.0 <= config.deleted_fraction <= 1.0:
        raise ValueError(f"invalid WorldConfig: {config}")
    anchor = _resolve_anchor(config.anchor)
    config = replace(config, anchor=anchor)
    b = _Builder(config, anchor)
    rng = b.rng
    companies = b.companies()
    customers = b.customers(companies)
    agents = b.agents()
    bot = _Pe("Helpdesk Automation", ("Helpdesk", "المساعد الآلي"), f"automation@{T.SUPPORT_DOMAIN}", None,
              "agent", None, "SA", "english", "en")
    weights = tuple(accumulate(rng.lognormvariate(0.0, 0.7) for _ in customers))
    convs = [b.conversation(customers[bisect(weights, rng.random() * weights[-1])], agents, bot)
             for _ in range(config.tickets)]
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
        seq.sort(key=lambda x: x.created if not isinstance(x, _Conv) else x.msgs[0].t)
        for n, item in enumerate(seq, start=1):
            item.id = n
    flat = sorted(((m.t, c.id, j, m) for c in convs for j, m in enumerate(c.msgs)), key=lambda x: x[:3])
    msg_ids = {id(x[3]): n for n, x in enumerate(flat, start=1)}

    out_companies = [Company(c.id, c.name, c.domain, c.country, _dt(c.created), _dt(c.updated)) for c in companies]
    out_people = [Person(p.id, p.name, p.email, p.phone, p.role, p.company.id if p.company else None, p.locale,
                         _dt(p.created), _dt(p.updated)) for p in people]
    out_convs = []
    for c in convs:
        messages = tuple(Message(msg_ids[id(m)], c.id, m.author.id, m.role, m.body, m.public, _dt(m.t), m.variety)
                         for m in c.msgs)
        last = c.msgs[-1].t
        out_convs.append(Conversation(
            c.id, c.requester.id, c.assignee.id if c.assignee else None,
            c.requester.company.id if c.requester.company else None, c.subject, c.channel, c.status, c.priority,
            c.tags, _dt(c.msgs[0].t), _dt(max(last, c.deleted or last)),
            _dt(c.deleted) if c.deleted is not None else None, messages))
    return World(config, out_companies, out_people, out_convs)
