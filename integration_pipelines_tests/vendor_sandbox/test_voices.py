"""The newer channels' shared customers: one pool, the same people on calls, messages, bookings and payments."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from integration_pipelines_tests.fixtures.sandbox import TEST_WORLD
from vendor_sandbox import voices
from vendor_sandbox.world import build_world

CHANNELS = tuple(voices.CHANNEL_RATES)


def test_every_channel_draws_from_one_pool_so_some_customers_use_them_all() -> None:
    world = build_world(TEST_WORLD)
    pool = {p.id for p in voices.pool(world)}
    by_channel = {channel: voices.scripts(world, channel) for channel in CHANNELS}

    for channel, scripts in by_channel.items():
        assert len(scripts) == round(TEST_WORLD.tickets * voices.CHANNEL_RATES[channel]), channel
        assert {s.customer.id for s in scripts} <= pool, channel
    everywhere = set.intersection(*({s.customer.id for s in scripts} for scripts in by_channel.values()))
    assert everywhere, "no customer appears on every channel"
    for person in (world.person(pid) for pid in everywhere):
        assert person.phone and person.email and person.role == "customer"


def test_a_script_is_the_customers_own_conversation_inside_the_window() -> None:
    world = build_world(TEST_WORLD)
    start = TEST_WORLD.anchor - timedelta(days=TEST_WORLD.days)
    for channel in CHANNELS:
        scripts = voices.scripts(world, channel)
        assert [s.number for s in scripts] == list(range(1, len(scripts) + 1))
        assert [s.at for s in scripts] == sorted(s.at for s in scripts)
        for s in scripts:
            assert s.conversation.requester_id == s.customer.id
            assert start <= s.at < TEST_WORLD.anchor - timedelta(minutes=59)
            assert s.customer_turns, "every exchange has the customer speak"
            assert {t.role for t in s.turns} <= {"customer", "agent"}
            assert all(t.text.strip() for t in s.turns)


def test_scripts_are_stable_and_each_channel_draws_its_own() -> None:
    first, again = build_world(TEST_WORLD), build_world(TEST_WORLD)
    for channel in CHANNELS:
        assert voices.scripts(first, channel) == voices.scripts(again, channel)
    shown = {channel: [s.conversation.id for s in voices.scripts(first, channel)] for channel in CHANNELS}
    assert len({tuple(ids) for ids in shown.values()}) == len(CHANNELS)
    # the world itself is not reshuffled by the channels: its own RNG never feeds them
    assert [c.id for c in first.conversations] == [c.id for c in again.conversations]


def test_the_mix_of_languages_reaches_the_new_channels() -> None:
    world = build_world(replace(TEST_WORLD, tickets=3000))
    varieties = {
        m.variety
        for channel in CHANNELS
        for s in voices.scripts(world, channel)
        for m in s.conversation.messages
        if m.author_role == "customer"
    }
    assert {"gulf", "egyptian", "english", "code_switched"} <= varieties
