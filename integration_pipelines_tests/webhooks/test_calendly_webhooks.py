"""Calendly webhooks: the documented signature (t=<unix>,v1=hex HMAC-SHA256(key, "t.body")) checked against
vectors made here with ``hmac`` and with openssl, refusals (tampered body, wrong key, stale or malformed
header), events → changes, and the real flow: a change in the sandbox → its signed delivery → the receiver
→ a sensor tick → the sync run → the changed invitee in DuckDB. Calendly has no official Python SDK, so
the documented algorithm is the oracle."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import httpx
import pytest

from integration_pipelines.lib.webhooks.events import Change, Rejected, SignedRequest
from integration_pipelines.sources.calendly import settings
from integration_pipelines.sources.calendly.webhooks import WEBHOOKS
from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions
from integration_pipelines_tests.fixtures.receiver import ReceiverProcess
from vendor_sandbox.changefeed.settings import DEFAULT_SECRETS
from vendor_sandbox.process import SandboxProcess

KEY = "calendly-test-signing-key"
NOW = datetime(2026, 10, 30, 12, 0, tzinfo=UTC)
EVENT = "https://api.calendly.com/scheduled_events/0b8d1b8e-7a0e-4c5f-9a57-5c1d8c1e2f30"
INVITEE = f"{EVENT}/invitees/6f1f3c52-2d0c-4bd5-8f0e-0d2a4f9b7a11"
SANDBOX_DIALECTS = "calendly"
LOCAL = {"INTEGRATION_PIPELINES_ENV": "local", "CALENDLY_WEBHOOK_SIGNING_KEYS": ""}


def signed(body: bytes, key: str = KEY, at: datetime = NOW) -> SignedRequest:
    """A delivery signed as Calendly documents it, independently of the handler."""
    t = int(at.timestamp())
    v1 = hmac.new(key.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return SignedRequest(
        "POST", "https://hooks.example/webhooks/calendly", {"calendly-webhook-signature": f"t={t},v1={v1}"}, body
    )


def delivery(topic: str, payload: dict, created_at: datetime = NOW) -> bytes:
    body = {
        "created_at": created_at.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
        "created_by": "https://api.calendly.com/users/HOST",
        "event": topic,
        "payload": payload,
    }
    return json.dumps(body, ensure_ascii=False).encode()


# ---------------------------------------------------------------- signatures


def test_the_documented_vector_verifies() -> None:
    """v1 below was computed with ``openssl dgst -sha256 -hmac calendly-test-signing-key`` over "t.body"."""
    body = '{"event":"invitee.canceled","payload":{"reason":"مش هقدر أحضر"}}'.encode()
    v1 = "7d53fa2272768d045027b46b0269450533b292c41526e0292f291677ee2c4ab4"
    header = {"calendly-webhook-signature": f"t=1700000000,v1={v1}"}
    at = datetime.fromtimestamp(1_700_000_030, UTC)
    WEBHOOKS.verify(SignedRequest("POST", "https://x/calendly", header, body), [KEY], at)
    assert hmac.new(KEY.encode(), b"1700000000." + body, hashlib.sha256).hexdigest() == v1


def test_a_signed_delivery_is_accepted_with_any_configured_key() -> None:
    request = signed(delivery("invitee.created", {"uri": INVITEE, "event": EVENT}))
    WEBHOOKS.verify(request, [KEY], NOW + timedelta(seconds=30))
    WEBHOOKS.verify(request, ["an-older-key", KEY], NOW)  # while a key rotates


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda r: SignedRequest(r.method, r.url, r.headers, r.body.replace(b"created", b"canceled")), "signature"),
        (lambda r: signed(r.body, key="another-key"), "signature"),
        (lambda r: signed(r.body, at=NOW - timedelta(minutes=4)), "stale"),
        (lambda r: signed(r.body, at=NOW + timedelta(minutes=4)), "stale"),
        (lambda r: SignedRequest(r.method, r.url, {}, r.body), "signature"),
        (lambda r: SignedRequest(r.method, r.url, {"calendly-webhook-signature": "v1=abc"}, r.body), "signature"),
        (
            lambda r: SignedRequest(
                r.method, r.url, {"calendly-webhook-signature": r.headers["calendly-webhook-signature"].upper()}, r.body
            ),
            "signature",
        ),
    ],
    ids=["tampered_body", "wrong_key", "stale", "future", "no_header", "no_timestamp", "mangled"],
)
def test_forged_or_stale_deliveries_are_refused(mutate, reason: str) -> None:
    request = mutate(signed(delivery("invitee.created", {"uri": INVITEE, "event": EVENT})))
    with pytest.raises(Rejected) as excinfo:
        WEBHOOKS.verify(request, [KEY], NOW)
    assert excinfo.value.reason == reason and KEY not in str(excinfo.value)


def test_no_configured_key_refuses_everything() -> None:
    with pytest.raises(Rejected) as excinfo:
        WEBHOOKS.verify(signed(b"{}"), [], NOW)
    assert excinfo.value.reason == "forbidden"


def test_the_sandbox_signs_with_the_published_key() -> None:
    assert DEFAULT_SECRETS["calendly"] == settings.SANDBOX_WEBHOOK_SECRET == WEBHOOKS.sandbox_secrets[0]


# ---------------------------------------------------------------- events and changes


@pytest.mark.parametrize("topic", ["invitee.created", "invitee.canceled"])
def test_invitee_events_change_the_invitee_and_its_event(topic: str) -> None:
    (event,) = WEBHOOKS.events(signed(delivery(topic, {"uri": INVITEE, "event": EVENT, "status": "canceled"})))
    assert (event.topic, event.occurred_at) == (topic, NOW)
    assert WEBHOOKS.changes(event) == [Change("invitees", INVITEE, NOW), Change("scheduled_events", EVENT, NOW)]


@pytest.mark.parametrize(
    "payload",
    [
        {"uri": "https://api.calendly.com/invitee_no_shows/NS1", "invitee": INVITEE, "created_at": "2026-10-30"},
        {"uri": INVITEE, "event": EVENT, "no_show": {"uri": "https://api.calendly.com/invitee_no_shows/NS1"}},
    ],
    ids=["no_show_payload", "invitee_payload"],
)
@pytest.mark.parametrize("topic", ["invitee_no_show.created", "invitee_no_show.deleted"])
def test_no_show_events_change_only_the_invitee(topic: str, payload: dict) -> None:
    (event,) = WEBHOOKS.events(signed(delivery(topic, payload)))
    assert WEBHOOKS.changes(event) == [Change("invitees", INVITEE, NOW)]


def test_events_without_records_we_keep_change_nothing_and_retries_share_a_key() -> None:
    (form,) = WEBHOOKS.events(signed(delivery("routing_form_submission.created", {"uri": "https://x/forms/1"})))
    assert WEBHOOKS.changes(form) == []
    body = delivery("invitee.created", {"uri": INVITEE, "event": EVENT})
    first = WEBHOOKS.events(signed(body, at=NOW))[0]
    retry = WEBHOOKS.events(signed(body, at=NOW + timedelta(minutes=10)))[0]  # re-signed, same event
    assert first.key == retry.key
    for broken in (b"not json", b'{"event": "invitee.created"}', b'{"event":"x","payload":[],"created_at":"2026"}'):
        with pytest.raises(Rejected) as excinfo:
            WEBHOOKS.events(signed(broken))
        assert excinfo.value.reason == "malformed"


# ---------------------------------------------------------------- the real flow


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[ReceiverProcess]:
    with ReceiverProcess(f"sqlite:///{tmp_path / 'webhook_inbox.sqlite'}", tmp_path, env=LOCAL) as process:
        yield process


def sync_from_webhooks(defs: dg.Definitions, instance: dg.DagsterInstance) -> list[dg.RunRequest]:
    with dg.build_sensor_context(
        instance=instance, definitions=defs, resources={"webhook_inbox": defs.resources["webhook_inbox"]}
    ) as context:
        result = defs.resolve_sensor_def("calendly_webhook_sensor").evaluate_tick(context)
    for request in result.run_requests:
        job = defs.resolve_job_def("calendly_sync_job")
        assert job.execute_in_process(
            instance=instance,
            partition_key=request.partition_key,
            tags=request.tags,
            asset_selection=request.asset_selection,
        ).success
    return result.run_requests


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["new_message", "status_change"])
def test_a_sandbox_change_reaches_duckdb_through_its_signed_webhook(
    vendor_sandbox: SandboxProcess, receiver: ReceiverProcess, tmp_path: Path, kind: str
) -> None:
    defs = pipeline_definitions(vendor_sandbox, tmp_path)
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=2)
    if kind == "status_change":  # the test world's meetings are all past: book one to cancel
        vendor_sandbox.make_changes("calendly", "new_message", deliver=False, at=at - timedelta(minutes=1))
    made = vendor_sandbox.make_changes("calendly", kind, url=f"{receiver.url}/webhooks/calendly", at=at)
    assert [d["status"] for d in made["deliveries"]] == ["delivered"], made["deliveries"]
    (change,) = made["changes"]
    with dg.DagsterInstance.ephemeral() as instance:
        (request,) = sync_from_webhooks(defs, instance)
    assert request.partition_key == at.date().isoformat()
    assert sorted(k.to_user_string() for k in request.asset_selection if k.path[0] == "raw") == [
        "raw/calendly/invitees",
        "raw/calendly/scheduled_events",
    ]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        invitee = con.execute(
            "SELECT status, cancel_reason, questions_and_answers, updated_at FROM calendly.invitees WHERE uri = ?",
            [change["record_id"]],
        ).fetchall()
        event = con.execute(
            "SELECT status, updated_at FROM calendly.scheduled_events WHERE uri = ?", [change["event_uri"]]
        ).fetchall()
    if kind == "status_change":
        assert invitee[0][:2] == ("canceled", change["reason"]) and event[0][0] == "canceled"
    else:
        assert invitee[0][0] == "active" and json.loads(invitee[0][2])[0]["answer"] == change["body"]
        assert event[0][0] == "active"
    assert invitee[0][3] == event[0][1] == at


@pytest.mark.slow
def test_the_receiver_refuses_a_tampered_delivery_and_stores_a_retry_once(receiver: ReceiverProcess) -> None:
    body = delivery("invitee.created", {"uri": INVITEE, "event": EVENT}, datetime.now(UTC))
    now = datetime.now(UTC)
    good = signed(body, key=settings.SANDBOX_WEBHOOK_SECRET, at=now)
    url = f"{receiver.url}/webhooks/calendly"
    headers = {"Calendly-Webhook-Signature": good.headers["calendly-webhook-signature"]}
    assert httpx.post(url, content=body.replace(b"created", b"canceled"), headers=headers).status_code == 401
    assert httpx.post(url, content=body, headers=headers).status_code == 200
    retry = signed(body, key=settings.SANDBOX_WEBHOOK_SECRET, at=now + timedelta(seconds=5))
    headers = {"Calendly-Webhook-Signature": retry.headers["calendly-webhook-signature"]}
    assert httpx.post(url, content=body, headers=headers).status_code == 200
    stale = signed(body, key=settings.SANDBOX_WEBHOOK_SECRET, at=now - timedelta(minutes=10))
    headers = {"Calendly-Webhook-Signature": stale.headers["calendly-webhook-signature"]}
    assert httpx.post(url, content=body, headers=headers).status_code == 401
    from integration_pipelines.lib.webhooks.inbox import Inbox

    assert (
        len(Inbox(f"sqlite:///{Path(receiver.stderr_path).parent / 'webhook_inbox.sqlite'}").after("calendly", 0)) == 1
    )
