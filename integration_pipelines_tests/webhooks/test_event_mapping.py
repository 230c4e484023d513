"""What each vendor's events change, and how a burst of them becomes as few syncs as possible."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from integration_pipelines.lib.records import to_record_batch
from integration_pipelines.lib.webhooks.events import Change, SignedRequest
from integration_pipelines.lib.webhooks.inbox import StoredEvent
from integration_pipelines.lib.webhooks.planning import SyncPlan, plan_syncs, tombstones
from integration_pipelines.sources import registry
from integration_pipelines_tests.webhooks import deliveries

NOW = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)


def events(vendor: str, body: bytes):
    return registry.get(vendor).webhooks.events(SignedRequest("POST", "https://x", {}, body))


def changes(vendor: str, body: bytes) -> list[Change]:
    handler = registry.get(vendor).webhooks
    return [c for e in events(vendor, body) for c in handler.changes(e)]


def test_zendesk_comment_touches_ticket_and_comments_and_deletes_become_deleted_tickets() -> None:
    body, _ = deliveries.zendesk("e1", 42, "comment_added", NOW)
    assert [(c.object, c.record_id, c.deleted) for c in changes("zendesk", body)] == [
        ("tickets", "42", False),
        ("ticket_comments", "42", False),
    ]
    body, _ = deliveries.zendesk("e2", 42, "soft_deleted", NOW)
    (change,) = changes("zendesk", body)
    assert change.deleted and change.object == "tickets"
    batch = to_record_batch([change.record], registry.get("zendesk").objects["tickets"].columns, NOW)
    row = batch.to_pylist()[0]
    assert (row["id"], row["is_deleted"], row["status"], row["updated_at"]) == (42, True, "deleted", NOW)


def test_hubspot_deletions_are_archived_rows_and_other_events_are_changes() -> None:
    body = deliveries.hubspot_body(
        [
            deliveries.hubspot_event(1, "contact.deletion", 7, NOW),
            deliveries.hubspot_event(2, "deal.propertyChange", 8, NOW),
            deliveries.hubspot_event(3, "conversation.creation", 9, NOW),
        ]
    )
    found = changes("hubspot", body)
    assert [(c.object, c.record_id, c.deleted) for c in found] == [("contacts", "7", True), ("deals", "8", False)]
    row = to_record_batch([found[0].record], registry.get("hubspot").objects["contacts"].columns, NOW).to_pylist()[0]
    assert (row["id"], row["is_deleted"], row["updated_at"], row["archived_at"]) == (7, True, NOW, NOW)


def test_intercom_deletes_and_archives_become_tombstones() -> None:
    for topic, obj in (
        ("conversation.deleted", "conversations"),
        ("contact.archived", "contacts"),
        ("contact.deleted", "contacts"),
    ):
        body, _ = deliveries.intercom(f"n-{topic}", topic, {"type": obj[:-1], "id": "123"}, NOW)
        (change,) = changes("intercom", body)
        assert (change.object, change.record_id, change.deleted) == (obj, "123", True)
        row = to_record_batch([change.record], registry.get("intercom").objects[obj].columns, NOW).to_pylist()[0]
        assert (row["id"], row["is_deleted"], row["updated_at"]) == ("123", True, NOW.replace(second=0))
    body, _ = deliveries.intercom("n-reply", "conversation.user.replied", {"id": "5"}, NOW)
    assert [c.object for c in changes("intercom", body)] == ["conversations", "conversation_parts"]


def test_salesforce_notifications_name_their_objects() -> None:
    body = deliveries.salesforce(
        [("n1", "Case", "500A", NOW), ("n2", "CaseComment", "00aB", NOW), ("n3", "Lead", "00Q1", NOW)]
    )
    assert [(c.object, c.record_id) for c in changes("salesforce", body)] == [
        ("cases", "500A"),
        ("case_comments", "00aB"),
    ]


def at(day: int, obj: str, deleted: bool = False) -> Change:
    return Change(obj, "1", datetime(2026, 11, day, 12, tzinfo=UTC), deleted)


def test_a_burst_becomes_one_plan_per_run_of_consecutive_days() -> None:
    burst = [
        at(20, "tickets"),
        at(20, "tickets"),
        at(21, "users"),
        at(19, "ticket_comments"),
        at(23, "tickets"),
        at(25, "unknown_object"),
        at(1, "tickets"),
    ]
    plans = plan_syncs(burst, ["tickets", "users", "ticket_comments"], date(2026, 11, 10), date(2026, 11, 30))
    assert plans == [
        SyncPlan(date(2026, 11, 19), date(2026, 11, 21), frozenset({"tickets", "users", "ticket_comments"})),
        SyncPlan(date(2026, 11, 23), date(2026, 11, 23), frozenset({"tickets"})),
    ]


def test_days_are_utc_days() -> None:
    late = Change("tickets", "1", datetime(2026, 11, 20, 23, 30, tzinfo=UTC) + timedelta(hours=1))
    assert plan_syncs([late], ["tickets"], date(2026, 11, 1), date(2026, 11, 30))[0].first == date(2026, 11, 21)


def test_tombstones_keep_the_latest_deletion_per_record() -> None:
    handler = registry.get("intercom").webhooks
    stored = []
    for i, minutes in enumerate((5, 1)):
        body, _ = deliveries.intercom(
            f"n{i}", "contact.deleted", {"id": "c9", "name": f"v{i}"}, NOW + timedelta(minutes=minutes)
        )
        (event,) = handler.events(SignedRequest("POST", "https://x", {}, body))
        stored.append(StoredEvent(i, "intercom", event, NOW))
    assert [r["name"] for r in tombstones(handler, stored, "contacts")] == ["v0"]
    assert tombstones(handler, stored, "conversations") == []
