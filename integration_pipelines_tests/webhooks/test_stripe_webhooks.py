"""Stripe webhooks: our signature check agrees with Stripe's own SDK (the oracle) on what it accepts and
refuses, events map to the records they change (``customer.deleted`` to a tombstone), and a change made
in the sandbox reaches DuckDB through its signed delivery, the receiver, the inbox, the sensor and a run."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import stripe as stripe_sdk

from integration_pipelines.lib.records import to_record_batch
from integration_pipelines.lib.webhooks.events import Rejected, SignedRequest
from integration_pipelines.sources.stripe import OBJECTS
from integration_pipelines.sources.stripe.webhooks import WEBHOOKS
from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions
from integration_pipelines_tests.fixtures.receiver import ReceiverProcess
from vendor_sandbox.dialects.stripe.webhooks import signature_header
from vendor_sandbox.process import SandboxProcess

SANDBOX_DIALECTS = "stripe"  # this module's own sandbox (fixtures vendor_server / vendor_sandbox)
SECRET = "whsec_test_endpoint_secret_for_stripe_tests"
OLD_SECRET = "whsec_test_previous_endpoint_secret"
NOW = int(time.time())


def event(kind: str, obj: dict, created: int = NOW, event_id: str = "evt_1TestEvent000001") -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "api_version": "2026-10-28.endive",
            "created": created,
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": kind,
        }
    ).encode()


BODY = event("customer.subscription.updated", {"id": "sub_1Test", "object": "subscription", "status": "active"})


def sdk_header(body: bytes, secret: str = SECRET, at: int | None = None) -> str:
    """The header as Stripe's SDK makes it (its helper for tests): the oracle for ``t=...,v1=...``."""
    return stripe_sdk.WebhookSignature.generate_signature_header(
        body.decode(), secret, timestamp=at or int(time.time())
    )


def verify(body: bytes, header: str | None, secrets: list[str] | None = None, now: datetime | None = None) -> None:
    headers = {} if header is None else {"stripe-signature": header}
    request = SignedRequest("POST", "https://hooks.example/webhooks/stripe", headers, body)
    WEBHOOKS.verify(request, [SECRET] if secrets is None else secrets, now or datetime.now(UTC))


def sdk_accepts(body: bytes, header: str, secret: str = SECRET) -> bool:
    try:
        stripe_sdk.WebhookSignature.verify_header(body, header, secret, tolerance=300)
    except stripe_sdk.SignatureVerificationError:
        return False
    return True


def test_a_delivery_signed_by_stripes_sdk_is_accepted_and_the_sandbox_signs_the_same() -> None:
    header = sdk_header(BODY)
    verify(BODY, header)
    stamp = int(header.split(",")[0][2:])
    assert signature_header(SECRET, BODY, stamp) == header  # the sandbox signs exactly as Stripe does


def test_any_of_several_v1_signatures_may_match_while_a_secret_rolls() -> None:
    old = sdk_header(BODY, OLD_SECRET)
    new = sdk_header(BODY, SECRET, at=int(old.split(",")[0][2:]))
    both = f"{old},{new.split(',')[1]},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39"
    assert sdk_accepts(BODY, both) and sdk_accepts(BODY, both, OLD_SECRET)
    verify(BODY, both)
    verify(BODY, both, [OLD_SECRET])
    verify(BODY, old, ["whsec_unrelated", OLD_SECRET])  # our rotation: any configured secret


def later(seconds: int) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("body", "header", "secrets", "now", "reason"),
    [
        (BODY + b" ", sdk_header(BODY), None, None, "signature"),  # tampered body
        (BODY.replace(b"active", b"paused"), sdk_header(BODY), None, None, "signature"),
        (BODY, sdk_header(BODY, "whsec_wrong"), None, None, "signature"),  # wrong secret
        (BODY, sdk_header(BODY, at=NOW - 301), None, None, "stale"),  # older than Stripe's 300 s tolerance
        (BODY, sdk_header(BODY), None, later(301), "stale"),
        (BODY, None, None, None, "signature"),  # no header
        (BODY, f"t={NOW}", None, None, "signature"),  # no v1
        (BODY, sdk_header(BODY).split(",")[1], None, None, "signature"),  # no t
        (BODY, sdk_header(BODY), [], None, "forbidden"),  # no secret configured
    ],
)
def test_refused_deliveries_are_refused_by_stripes_sdk_too(
    body: bytes, header: str | None, secrets: list[str] | None, now: datetime | None, reason: str
) -> None:
    with pytest.raises(Rejected) as refused:
        verify(body, header, secrets, now)
    assert refused.value.reason == reason
    if header and secrets is None and now is None:
        assert not sdk_accepts(body, header)


def changes(body: bytes):
    (found,) = WEBHOOKS.events(SignedRequest("POST", "https://x", {}, body))
    return found, WEBHOOKS.changes(found)


@pytest.mark.parametrize(
    ("kind", "obj"),
    [
        ("customer.created", "customers"),
        ("customer.updated", "customers"),
        ("customer.subscription.deleted", "subscriptions"),
        ("customer.subscription.updated", "subscriptions"),
        ("charge.dispute.created", "disputes"),
        ("charge.dispute.closed", "disputes"),
        ("refund.updated", "refunds"),
        ("charge.refund.updated", "refunds"),
    ],
)
def test_events_change_the_object_they_carry(kind: str, obj: str) -> None:
    found, (change,) = changes(event(kind, {"id": "x_123", "object": "thing"}))
    assert (found.key, found.topic, found.occurred_at) == (
        "evt_1TestEvent000001",
        kind,
        datetime.fromtimestamp(NOW, UTC),
    )
    assert (change.object, change.record_id, change.deleted) == (obj, "x_123", False)


@pytest.mark.parametrize("kind", ["charge.succeeded", "customer.discount.created", "invoice.paid"])
def test_events_about_objects_we_do_not_keep_change_nothing(kind: str) -> None:
    assert changes(event(kind, {"id": "x_1"}))[1] == []


def test_customer_deleted_is_a_tombstone_row() -> None:
    customer = {"id": "cus_Gone", "object": "customer", "created": NOW - 86_400, "email": "a@b.example"}
    _, (change,) = changes(event("customer.deleted", customer, event_id="evt_Deleted"))
    assert change.deleted and change.object == "customers" and change.record_id == "cus_Gone"
    row = to_record_batch([change.record], OBJECTS["customers"].columns, datetime.now(UTC)).to_pylist()[0]
    assert (row["id"], row["is_deleted"], row["email"], row["event_id"], row["event_type"]) == (
        "cus_Gone",
        True,
        "a@b.example",
        "evt_Deleted",
        "customer.deleted",
    )
    assert row["updated_at"] == datetime.fromtimestamp(NOW, UTC)


@pytest.mark.parametrize("body", [b"not json", b'{"object": "list", "data": []}', event("customer.created", {})[:-1]])
def test_bodies_that_are_not_stripe_events_are_malformed(body: bytes) -> None:
    with pytest.raises(Rejected) as refused:
        WEBHOOKS.events(SignedRequest("POST", "https://x", {}, body))
    assert refused.value.reason == "malformed"


# ---------------------------------------------------------------- end to end

LOCAL = {"INTEGRATION_PIPELINES_ENV": "local", "STRIPE_WEBHOOK_SECRETS": ""}  # the sandbox's published secret


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[ReceiverProcess]:
    with ReceiverProcess(f"sqlite:///{tmp_path / 'webhook_inbox.sqlite'}", tmp_path, env=LOCAL) as process:
        yield process


def query(home: Path, sql: str, *params: object) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


@pytest.mark.parametrize(
    ("kind", "check", "expected"),
    [
        ("delete", "SELECT is_deleted, event_type FROM stripe.customers WHERE id = ?", lambda c: (True, c["topic"])),
        (
            "new_message",
            "SELECT status, cancellation_comment FROM stripe.subscriptions WHERE id = ?",
            lambda c: ("canceled", c["comment"]),
        ),
        (
            "status_change",
            "SELECT status, event_type FROM stripe.disputes WHERE id = ?",
            lambda c: (c["status"], c["topic"]),
        ),
    ],
)
def test_a_sandbox_change_reaches_duckdb_through_its_signed_webhook(
    vendor_sandbox: SandboxProcess, receiver: ReceiverProcess, tmp_path: Path, kind: str, check: str, expected
) -> None:
    defs = pipeline_definitions(vendor_sandbox, tmp_path)
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=2)
    made = vendor_sandbox.make_changes("stripe", kind, url=f"{receiver.url}/webhooks/stripe", at=at)
    assert [d["status"] for d in made["deliveries"]] == ["delivered"], made["deliveries"]
    (change,) = made["changes"]
    with (
        dg.DagsterInstance.ephemeral() as instance,
        dg.build_sensor_context(
            instance=instance, definitions=defs, resources={"webhook_inbox": defs.resources["webhook_inbox"]}
        ) as context,
    ):
        result = defs.resolve_sensor_def("stripe_webhook_sensor").evaluate_tick(context)
        (request,) = result.run_requests
        assert request.partition_key == change["at"][:10]
        assert (
            defs.resolve_job_def("stripe_sync_job")
            .execute_in_process(
                instance=instance,
                partition_key=request.partition_key,
                tags=request.tags,
                asset_selection=request.asset_selection,
            )
            .success
        )
    assert query(tmp_path, check, change["record_id"]) == [expected(change)]
