"""Properties the sandbox vendors rely on: determinism, consistency, realistic text noise."""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from vendor_sandbox import texts
from vendor_sandbox.world import (
    Company,
    Conversation,
    Message,
    Person,
    World,
    WorldConfig,
    build_world,
)

ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)
CONFIG = WorldConfig(seed=7, tickets=2_000, days=30, anchor=ANCHOR)
TARGET_MIX = {"msa": 0.15, "gulf": 0.25, "egyptian": 0.25, "english": 0.20, "arabizi": 0.08, "code_switched": 0.07}

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
FEATURES = {
    "tashkeel": re.compile("[\u064b-\u0652]"),
    "tatweel": re.compile("\u0640"),
    "emoji": re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]"),
    "arabic_indic_digits": re.compile("[\u0660-\u0669]"),
    "elongation": re.compile(r"([^\W\d_\u0640])\1{2,}"),
    "email": EMAIL,
    "phone": re.compile(r"(?:\+|\b00)(?:966|971|965|974|973|968|20)\s?\d|\b0(?:5\d|1[0125])\s?\d{3}"),
    "currency_amount": re.compile(
        r"\d[\d,.]*\s?(?:SAR|AED|KWD|QAR|BHD|OMR|EGP|ريال|جنيه|درهم|دينار)"
        r"|(?:SAR|AED|KWD|QAR|BHD|OMR|EGP) [\d,.]+"
    ),
}
ARABIZI_WORD = re.compile(r"(?i)\b[a-z]*(?:[a-z][235679]|[235679][a-z])[a-z0-9]*\b")


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(CONFIG)


@pytest.fixture(scope="module")
def messages(world: World) -> list[Message]:
    return list(world.messages())


def _all_timestamps(world: World):
    for c in world.companies:
        yield c.created_at, c.updated_at
    for p in world.people:
        yield p.created_at, p.updated_at
    for conv in world.conversations:
        yield conv.created_at, conv.updated_at
        if conv.deleted_at is not None:
            yield (conv.deleted_at,)
        for m in conv.messages:
            yield (m.created_at,)


def test_same_config_builds_equal_world(world: World) -> None:
    again = build_world(CONFIG)
    assert again == world
    assert again.conversations[123] == world.conversations[123]


def test_different_seed_changes_texts(world: World) -> None:
    other = build_world(replace(CONFIG, seed=CONFIG.seed + 1))
    bodies = {m.body for m in world.messages()}
    other_bodies = {m.body for m in other.messages()}
    assert len(bodies & other_bodies) < 0.2 * len(bodies)
    assert [c.subject for c in other.conversations] != [c.subject for c in world.conversations]


def test_config_anchor_resolved_and_validated() -> None:
    w = build_world(WorldConfig(tickets=20))
    anchor = w.config.anchor
    assert anchor is not None and anchor.tzinfo is not None
    assert (anchor.hour, anchor.minute, anchor.second, anchor.microsecond) == (0, 0, 0, 0)
    assert abs(datetime.now(UTC) - anchor) <= timedelta(days=1, minutes=1)
    with pytest.raises(ValueError):
        build_world(WorldConfig(tickets=5, anchor=datetime(2026, 11, 1)))
    # a non-UTC aware anchor is accepted and normalised to UTC
    cairo = build_world(WorldConfig(tickets=5, anchor=datetime(2026, 11, 1, 2, tzinfo=timezone(timedelta(hours=2)))))
    assert cairo.config.anchor == ANCHOR


def test_sizes_follow_config(world: World) -> None:
    assert len(world.conversations) == 2_000
    customers = [p for p in world.people if p.role == "customer"]
    agents = [p for p in world.people if p.role == "agent"]
    assert 600 <= len(customers) <= 720
    assert 5 <= len(agents) <= 8
    assert 70 <= len(world.companies) <= 90
    assert {p.role for p in world.people} == {"customer", "agent"}
    tiny = build_world(WorldConfig(tickets=0, anchor=ANCHOR))
    assert tiny.conversations == [] and len(tiny.companies) == 3
    assert sum(p.role == "customer" for p in tiny.people) == 5


def test_ids_positive_and_unique(world: World, messages: list[Message]) -> None:
    for ids in (
        [c.id for c in world.companies],
        [p.id for p in world.people],
        [c.id for c in world.conversations],
        [m.id for m in messages],
    ):
        assert all(isinstance(i, int) and i > 0 for i in ids)
        assert len(ids) == len(set(ids))
    assert sum(len(c.messages) for c in world.conversations) == len(messages)
    assert all(m.conversation_id == c.id for c in world.conversations for m in c.messages)


def test_timestamps_in_window_utc_whole_seconds(world: World) -> None:
    lo = ANCHOR - timedelta(days=CONFIG.days)
    count = 0
    for group in _all_timestamps(world):
        for ts in group:
            count += 1
            assert ts.tzinfo is not None and ts.utcoffset() == timedelta(0)
            assert ts.microsecond == 0
            assert lo <= ts < ANCHOR
    assert count > 10_000


def test_created_before_updated_and_before_activity(world: World) -> None:
    first_activity: dict[int, datetime] = {}
    for conv in world.conversations:
        for pid in [conv.requester_id, *(m.author_id for m in conv.messages)]:
            first_activity[pid] = min(first_activity.get(pid, conv.created_at), conv.created_at)
    for p in world.people:
        assert p.updated_at >= p.created_at
        if p.id in first_activity:
            assert p.created_at < first_activity[p.id]
    members: dict[int, datetime] = {}
    for p in world.people:
        if p.company_id is not None:
            members[p.company_id] = min(members.get(p.company_id, p.created_at), p.created_at)
    for c in world.companies:
        assert c.updated_at >= c.created_at
        assert c.created_at <= members.get(c.id, c.created_at)


def test_conversation_times_are_consistent(world: World) -> None:
    for conv in world.conversations:
        assert 1 <= len(conv.messages) <= 8
        times = [m.created_at for m in conv.messages]
        assert times == sorted(times) and len(set(times)) == len(times)
        assert conv.created_at == times[0]
        expected = max(times[-1], conv.deleted_at) if conv.deleted_at else times[-1]
        assert conv.updated_at == expected
        if conv.deleted_at is not None:
            assert conv.deleted_at > times[-1]


def test_world_messages_ordered_by_time_then_id(world: World, messages: list[Message]) -> None:
    keys = [(m.created_at, m.id) for m in messages]
    assert keys == sorted(keys)
    # ids are handed out in creation order, like helpdesk comment ids
    assert [m.id for m in messages] == sorted(m.id for m in messages)
    created = [c.created_at for c in world.conversations]
    assert created == sorted(created)


def test_lookups(world: World) -> None:
    some = world.conversations[42]
    assert world.person(some.requester_id).id == some.requester_id
    assert world.company(world.companies[3].id) is world.companies[3]
    with pytest.raises(KeyError):
        world.person(10**9)


def test_message_shape(world: World) -> None:
    mean = sum(len(c.messages) for c in world.conversations) / len(world.conversations)
    assert 2.6 <= mean <= 4.0
    roles = Counter(m.author_role for c in world.conversations for m in c.messages)
    assert roles["system"] > 0 and roles["agent"] > roles["system"]
    notes = [m for c in world.conversations for m in c.messages if not m.public]
    assert notes and all(m.author_role == "agent" for m in notes)
    for conv in world.conversations:
        assert conv.messages[0].author_role == "customer"
        assert conv.messages[0].author_id == conv.requester_id
        assert conv.messages[0].public
        for m in conv.messages:
            author = world.person(m.author_id)
            if m.author_role == "customer":
                assert m.author_id == conv.requester_id
            else:
                assert author.role == "agent"
            assert m.body.strip() and m.variety in texts.VARIETIES


def test_requesters_customers_assignees_agents(world: World) -> None:
    for conv in world.conversations:
        requester = world.person(conv.requester_id)
        assert requester.role == "customer"
        assert conv.company_id == requester.company_id
        if conv.assignee_id is not None:
            assert world.person(conv.assignee_id).role == "agent"
        if any(m.author_role == "agent" for m in conv.messages):
            assert conv.assignee_id is not None
        assert conv.channel in ("email", "web", "chat", "whatsapp", "phone", "api")
        assert conv.status in ("new", "open", "pending", "hold", "solved", "closed")
        assert conv.priority in ("low", "normal", "high", "urgent", None)
        assert conv.tags == tuple(sorted(set(conv.tags))) and conv.tags
        assert conv.subject and "\n" not in conv.subject and len(conv.subject) <= 60


def test_status_follows_recency(world: World) -> None:
    old = [c for c in world.conversations if c.created_at < ANCHOR - timedelta(days=10)]
    recent = [c for c in world.conversations if c.created_at >= ANCHOR - timedelta(days=1)]
    done = ("solved", "closed")
    assert sum(c.status in done for c in old) / len(old) >= 0.85
    assert sum(c.status in ("new", "open", "pending", "hold") for c in recent) / len(recent) >= 0.6
    assert all(c.status != "closed" for c in recent)
    assert {"new", "open", "pending", "hold", "solved", "closed"} <= {c.status for c in world.conversations}


def test_deleted_fraction(world: World) -> None:
    deleted = sum(c.deleted_at is not None for c in world.conversations)
    assert abs(deleted / len(world.conversations) - CONFIG.deleted_fraction) <= 0.01
    none = build_world(replace(CONFIG, tickets=300, deleted_fraction=0.0))
    assert all(c.deleted_at is None for c in none.conversations)


def test_variety_mix(messages: list[Message]) -> None:
    counts = Counter(m.variety for m in messages)
    for variety, share in TARGET_MIX.items():
        assert abs(counts[variety] / len(messages) - share) <= 0.05, (variety, counts)


def test_customer_sometimes_switches_variety(world: World) -> None:
    switched = sum(len({m.variety for m in c.messages if m.author_role == "customer"}) > 1 for c in world.conversations)
    assert 0.01 <= switched / len(world.conversations) <= 0.25


@pytest.mark.parametrize("feature", sorted(FEATURES))
def test_text_feature_present(messages: list[Message], feature: str) -> None:
    pattern = FEATURES[feature]
    share = sum(bool(pattern.search(m.body)) for m in messages) / len(messages)
    assert share >= 0.01, (feature, share)


def test_arabizi_digits_in_words(messages: list[Message]) -> None:
    arabizi = [m for m in messages if m.variety == "arabizi"]
    hits = [m for m in arabizi if ARABIZI_WORD.search(EMAIL.sub("", m.body))]
    assert len(hits) / len(messages) >= 0.01
    assert len(hits) / len(arabizi) >= 0.5
    assert not any(re.search("[\u0600-\u06ff]", m.body) for m in arabizi)


def test_dialect_markers_match_variety(messages: list[Message]) -> None:
    def share(variety: str, words: tuple[str, ...]) -> float:
        bodies = [m.body for m in messages if m.variety == variety and m.author_role == "customer"]
        return sum(any(w in b for w in words) for b in bodies) / len(bodies)

    assert share("gulf", ("وش", "ابي", "زين", "حيل", "الحين", "للحين", "مب", "حق")) >= 0.3
    assert share("egyptian", ("عايز", "ازاي", "دلوقتي", "مش", "كده", "بتاع", "اوي", "لسه")) >= 0.3
    assert share("code_switched", ("الـ",)) >= 0.3
    english = [m.body for m in messages if m.variety == "english" and m.author_role == "customer"]
    assert not any(re.search("[\u0600-\u06ff]", b) for b in english)


def test_customer_bodies_mostly_distinct(messages: list[Message]) -> None:
    bodies = [m.body for m in messages if m.author_role == "customer"]
    assert len(set(bodies)) / len(bodies) >= 0.8


def test_many_conversations_span_several_utc_days(world: World) -> None:
    def days(c: Conversation) -> int:
        stamps = [m.created_at for m in c.messages] + ([c.deleted_at] if c.deleted_at else [])
        return len({s.date() for s in stamps})

    assert sum(days(c) >= 2 for c in world.conversations) / len(world.conversations) >= 0.3


def test_history_is_spread_and_weekdays_busier(world: World) -> None:
    per_day = Counter(c.created_at.date() for c in world.conversations)
    assert len(per_day) >= CONFIG.days - 1
    # Friday/Saturday is the weekend in most of the Gulf and Egypt: fewer tickets per day then
    weekend = [n for d, n in per_day.items() if d.weekday() in (4, 5)]
    workdays = [n for d, n in per_day.items() if d.weekday() in (0, 1, 2, 3, 6)]
    assert sum(weekend) / len(weekend) < 0.85 * sum(workdays) / len(workdays)


def test_customer_contacts(world: World) -> None:
    customers = [p for p in world.people if p.role == "customer"]
    emails = [p.email for p in customers]
    assert len(set(emails)) == len(emails)
    assert all(e == e.lower() and EMAIL.fullmatch(e) for e in emails)
    domains = {c.id: c.domain for c in world.companies}
    personal = 0
    for p in customers:
        if p.company_id is None:
            personal += 1
            assert p.email.split("@")[1] in texts.PERSONAL_DOMAINS
        else:
            assert p.email.endswith("@" + domains[p.company_id])
        assert p.locale in ("ar", "en")
        assert re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", p.name)
    assert 0.2 <= personal / len(customers) <= 0.45
    phones = [p.phone for p in customers if p.phone]
    assert 0.6 <= len(phones) / len(customers) <= 0.8
    assert all(
        re.fullmatch(
            r"\+(?:9665\d{8}|9715\d{8}|965[569]\d{7}|974[3567]\d{7}|9733\d{7}|968[79]\d{7}"
            r"|201[0125]\d{8}|447\d{9}|1[2-4]\d{9})",
            ph,
        )
        for ph in phones
    )
    assert any(ph.startswith("+20") for ph in phones) and any(ph.startswith("+966") for ph in phones)


def test_agents_on_support_domain(world: World) -> None:
    agents = [p for p in world.people if p.role == "agent"]
    assert all(p.email.endswith("@" + texts.SUPPORT_DOMAIN) and p.company_id is None for p in agents)
    assert len({p.email for p in world.people}) == len(world.people)


def test_companies_look_regional(world: World) -> None:
    countries = Counter(c.country for c in world.companies)
    assert countries["EG"] > 0 and countries["SA"] > 0 and set(countries) <= set(texts.TLDS)
    assert len({c.domain for c in world.companies}) == len(world.companies)
    for c in world.companies:
        assert re.fullmatch(r"[a-z0-9-]+\.[a-z.]+", c.domain)
        assert c.domain.endswith(texts.TLDS[c.country])
    assert any(re.search("[\u0600-\u06ff]", c.name) for c in world.companies)
    assert any(c.name.isascii() for c in world.companies)


def test_dataclasses_are_frozen(world: World) -> None:
    for obj in (world.companies[0], world.people[0], world.conversations[0], world.conversations[0].messages[0]):
        assert isinstance(obj, (Company, Person, Conversation, Message))
        with pytest.raises(AttributeError):
            obj.id = 0  # type: ignore[misc]


def test_build_is_fast() -> None:
    started = time.perf_counter()
    build_world(WorldConfig(tickets=2_000, anchor=ANCHOR, seed=99))
    assert time.perf_counter() - started < 5.0
