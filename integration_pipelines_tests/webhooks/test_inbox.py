"""The inbox keeps one schema on SQLite and PostgreSQL: each event once, processed marks, retention."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from integration_pipelines.lib.webhooks.events import WebhookEvent
from integration_pipelines.lib.webhooks.inbox import Inbox
from integration_pipelines_tests.fixtures.postgres import PostgresInfo

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def event(key: str, minutes: int = 0) -> WebhookEvent:
    return WebhookEvent(
        key=key,
        topic="conversation.user.replied",
        occurred_at=T0 + timedelta(minutes=minutes),
        payload={"id": key, "text": "شكرا"},
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def inbox(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Inbox]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'inbox.sqlite'}"
    else:
        db: PostgresInfo = request.getfixturevalue("postgres_database")
        url = db.dsn.replace("postgresql://", "postgresql+psycopg2://", 1)
    store = Inbox(url)
    yield store
    store.close()


def test_each_event_is_stored_once_per_vendor(inbox: Inbox) -> None:
    assert inbox.add("intercom", [event("a"), event("b"), event("a")]) == 2
    assert inbox.add("intercom", [event("b"), event("c")]) == 1
    assert inbox.add("zendesk", [event("a")]) == 1  # keys are per vendor
    assert inbox.count("intercom") == 3 and inbox.count() == 4
    stored = inbox.after("intercom", 0)
    assert [s.event.key for s in stored] == ["a", "b", "c"]
    assert stored[0].event.payload == {"id": "a", "text": "شكرا"}
    assert [s.event.key for s in inbox.after("intercom", stored[0].id)] == ["b", "c"]


def test_window_reads_by_occurrence(inbox: Inbox) -> None:
    inbox.add("hubspot", [event("early", -61), event("in", 0), event("edge", 60)])
    assert [s.event.key for s in inbox.between("hubspot", T0 - timedelta(minutes=60), T0 + timedelta(minutes=60))] == [
        "in"
    ]


def test_processed_events_leave_the_depth_and_only_they_are_pruned(inbox: Inbox) -> None:
    inbox.add("intercom", [event("a"), event("b")], now=T0)
    first = inbox.after("intercom", 0)[0]
    assert inbox.depth()["intercom"][0] == 2
    inbox.mark_processed([first.id], now=T0 + timedelta(minutes=1))
    assert inbox.depth()["intercom"][0] == 1
    assert inbox.prune(timedelta(days=7), now=T0 + timedelta(days=6)) == 0  # too young
    assert inbox.prune(timedelta(days=7), now=T0 + timedelta(days=8)) == 1  # the processed one only
    assert [s.event.key for s in inbox.after("intercom", 0)] == ["b"]


def test_the_cli_prunes(tmp_path: Path) -> None:
    from integration_pipelines.cli import main

    url = f"sqlite:///{tmp_path / 'inbox.sqlite'}"
    store = Inbox(url)
    store.add("zendesk", [event("old")], now=datetime.now(UTC) - timedelta(days=40))
    store.add("zendesk", [event("unprocessed")], now=datetime.now(UTC) - timedelta(days=40))
    store.mark_processed([store.after("zendesk", 0)[0].id])
    assert main(["webhooks", "prune", "--days", "30", "--inbox-url", url]) == 0
    assert [s.event.key for s in store.after("zendesk", 0)] == ["unprocessed"]
