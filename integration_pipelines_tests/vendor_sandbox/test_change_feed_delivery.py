"""How the sandbox's change feed delivers: vendor-style retries on non-2xx, timeouts and refused
connections (same event id, freshly signed), per-vendor batching, stats, ``reset`` bringing the
seeded world back (and replaying the same changes), the CLI options and the background feed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import xml.etree.ElementTree as ET
from datetime import datetime

import httpx
import pytest

from integration_pipelines_tests.fixtures.sandbox import TEST_WORLD, reset_sandbox, sandbox_args
from integration_pipelines_tests.vendor_sandbox.change_feed_support import (
    ISO,
    SECRETS,
    SOAP,
    VENDORS,
    hubspot_get,
    hubspot_signature_ok,
    intercom_search,
    intercom_signature_ok,
    salesforce_query,
    zendesk,
    zendesk_signature_ok,
)
from integration_pipelines_tests.vendor_sandbox.webhook_receiver import Receiver
from vendor_sandbox.changefeed.settings import DEFAULT_SECRETS
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.server import build_parser

pytestmark = pytest.mark.slow


@pytest.fixture
def sandbox(feed_sandbox: SandboxProcess) -> SandboxProcess:
    return feed_sandbox


@pytest.mark.parametrize("vendor", ["zendesk", "hubspot", "intercom"])
def test_a_failing_receiver_gets_the_same_event_again_freshly_signed(
    sandbox: SandboxProcess, receiver: Receiver, vendor: str
) -> None:
    receiver.script(f"/webhooks/{vendor}", 500, 500)
    result = sandbox.make_changes(vendor, "status_change")
    [delivery] = result["deliveries"]
    assert (delivery["status"], delivery["attempts"], delivery["outcomes"]) == ("delivered", 3, ["500", "500", "200"])
    received = receiver.at(vendor)
    assert len(received) == 3
    if vendor == "zendesk":
        assert all(zendesk_signature_ok(r) for r in received)
        assert {json.loads(r.body)["id"] for r in received} == {result["changes"][0]["event_id"]}
    elif vendor == "hubspot":
        assert all(hubspot_signature_ok(r, f"{receiver.url}/hubspot") for r in received)
        events = [json.loads(r.body)[0] for r in received]
        assert {e["eventId"] for e in events} == {int(result["changes"][0]["event_id"])}
        assert [e["attemptNumber"] for e in events] == [0, 1, 2]
    else:
        assert all(intercom_signature_ok(r) for r in received)
        notes = [json.loads(r.body) for r in received]
        assert {n["id"] for n in notes} == {result["changes"][0]["event_id"]}
        assert [n["delivery_attempts"] for n in notes] == [1, 2, 3]
    stats = sandbox.webhook_stats()["vendors"][vendor]
    assert stats == {"delivered": 1, "failed": 0, "attempts": 3, "events": 1}


def test_an_unacknowledged_outbound_message_is_retried_then_counted_failed(
    sandbox: SandboxProcess, receiver: Receiver
) -> None:
    receiver.script("/webhooks/salesforce", (200, b"ok"), (500, b""), (200, b"<Ack>false</Ack>"))
    result = sandbox.make_changes("salesforce", "new_message")
    [delivery] = result["deliveries"]
    assert (delivery["status"], delivery["attempts"]) == ("failed", 3)
    bodies = {r.body for r in receiver.at("salesforce")}
    assert len(bodies) == 1  # the very same message each time
    assert sandbox.webhook_stats()["vendors"]["salesforce"] == {"delivered": 0, "failed": 1, "attempts": 3, "events": 1}


def test_an_unreachable_receiver_fails_after_the_configured_attempts(sandbox: SandboxProcess) -> None:
    result = sandbox.make_changes("intercom", "new_message", url="http://127.0.0.1:9/nobody-listens")
    [delivery] = result["deliveries"]
    assert (delivery["status"], delivery["attempts"]) == ("failed", 3)
    assert all(outcome == "ConnectError" for outcome in delivery["outcomes"])


def test_a_receiver_slower_than_the_timeout_gets_the_event_again(sandbox: SandboxProcess, receiver: Receiver) -> None:
    receiver.script("/webhooks/zendesk", (200, b"", 3.0))  # the sandbox gives up after 2 seconds
    result = sandbox.make_changes("zendesk", "new_message")
    [delivery] = result["deliveries"]
    assert (delivery["status"], delivery["outcomes"]) == ("delivered", ["timeout", "200"])
    assert len({json.loads(r.body)["id"] for r in receiver.wait_for("zendesk", 2)}) == 1


def test_several_changes_batch_as_the_vendor_batches_them(sandbox: SandboxProcess, receiver: Receiver) -> None:
    hubspot = sandbox.make_changes("hubspot", "status_change", count=3)
    salesforce = sandbox.make_changes("salesforce", "status_change", count=2)
    zendesk_changes = sandbox.make_changes("zendesk", "status_change", count=2)
    [batch] = receiver.at("hubspot")  # one array of events per request
    assert [e["eventId"] for e in json.loads(batch.body)] == [int(c["event_id"]) for c in hubspot["changes"]]
    [message] = receiver.at("salesforce")  # one outbound message, one Notification per change
    notifications = ET.fromstring(message.body).iter(f"{{{SOAP['om']}}}Notification")
    ids = [n.findtext("om:Id", namespaces=SOAP) for n in notifications]
    assert ids == [c["event_id"] for c in salesforce["changes"]]
    assert len(receiver.at("zendesk")) == len(zendesk_changes["changes"]) == 2  # one event per request


def test_unknown_kinds_vendors_and_counts_are_refused(sandbox: SandboxProcess) -> None:
    served = {"vendor": "zendesk", "kind": "delete"}
    assert httpx.post(f"{sandbox.url}/_sandbox/changes", json={**served, "kind": "rename"}).status_code == 422
    assert httpx.post(f"{sandbox.url}/_sandbox/changes", json={**served, "vendor": "acme"}).status_code == 422
    assert httpx.post(f"{sandbox.url}/_sandbox/changes", json={**served, "count": 0}).status_code == 422
    assert httpx.post(f"{sandbox.url}/_sandbox/changes", json={**served, "object": "users"}).status_code == 422


def test_reset_brings_the_seeded_world_back_and_replays_the_same_changes(
    sandbox: SandboxProcess, receiver: Receiver, when: datetime
) -> None:
    first = {v: sandbox.make_changes(v, "status_change", at=when, deliver=False)["changes"][0] for v in VENDORS}
    deleted = sandbox.make_changes("intercom", "delete", at=when, deliver=False)["changes"][0]
    assert receiver.received == []  # deliver=False: changed, not announced
    reset_sandbox(sandbox, *VENDORS)
    since = int(when.timestamp())
    assert zendesk(sandbox, "incremental/tickets/cursor.json", start_time=since)["tickets"] == []
    assert salesforce_query(sandbox, f"SELECT Id FROM Case WHERE SystemModstamp >= {when.strftime(ISO)}") == []
    [ticket] = hubspot_get(sandbox, "tickets", first["hubspot"]["record_id"], ["hs_pipeline_stage"])
    assert ticket["properties"]["hs_pipeline_stage"] == first["hubspot"]["previous"]
    assert len(intercom_search(sandbox, "conversations", "id", deleted["record_id"])) == 1
    again = {v: sandbox.make_changes(v, "status_change", at=when, deliver=False)["changes"][0] for v in VENDORS}
    assert again == first  # same seed, same changes: same records, statuses and event ids


def test_the_cli_offers_the_change_feed_options() -> None:
    args = build_parser().parse_args(
        [
            "--webhooks-to",
            "http://127.0.0.1:8900/webhooks",
            "--webhook-interval",
            "2",
            "--webhook-secret",
            "zendesk=s3cret",
        ]
    )
    assert (args.webhooks_to, args.webhook_interval, args.webhook_secret) == (
        "http://127.0.0.1:8900/webhooks",
        2.0,
        ["zendesk=s3cret"],
    )
    assert {k: v for k, v in DEFAULT_SECRETS.items() if v} == SECRETS


def test_the_background_feed_sends_changes_on_its_own(receiver: Receiver) -> None:
    """Random, seeded changes every 0.1 s to both vendors, each signed with its own secret."""
    receiver.clear()
    args = [
        *sandbox_args(TEST_WORLD, "zendesk,intercom"),
        "--webhooks-to",
        receiver.url,
        "--webhook-interval",
        "0.1",
        "--webhook-secret",
        "zendesk=other-secret",
    ]
    with SandboxProcess(args) as server:
        deadline = time.monotonic() + 20

        def delivered() -> int:
            stats = server.webhook_stats()["vendors"]
            return min(stats.get(v, {}).get("delivered", 0) for v in ("zendesk", "intercom"))

        while delivered() < 2:
            assert time.monotonic() < deadline, server.webhook_stats()
            time.sleep(0.05)
    zendesk_deliveries, intercom_deliveries = receiver.at("zendesk"), receiver.at("intercom")
    assert len(zendesk_deliveries) >= 2 and len(intercom_deliveries) >= 2
    for delivery in zendesk_deliveries:
        timestamp = delivery.header("X-Zendesk-Webhook-Signature-Timestamp")
        digest = hmac.new(b"other-secret", timestamp.encode() + delivery.body, hashlib.sha256).digest()
        assert base64.b64encode(digest).decode() == delivery.header("X-Zendesk-Webhook-Signature")
    assert all(intercom_signature_ok(d) for d in intercom_deliveries)
