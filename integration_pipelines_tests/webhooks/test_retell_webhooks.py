"""Retell webhooks: the x-retell-signature scheme checked against retell-sdk (the oracle), events mapped to
the calls they change, and real signed deliveries from the sandbox's change feed through the receiver,
the sensor and a sync into DuckDB."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from retell import Retell
from retell.lib.webhook_auth import symmetric, verify

from integration_pipelines.lib.webhooks.events import Change, Rejected, SignedRequest
from integration_pipelines.sources.retell import settings
from integration_pipelines.sources.retell.webhooks import WEBHOOKS, sign
from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions
from integration_pipelines_tests.fixtures.receiver import ReceiverProcess
from integration_pipelines_tests.vendor_sandbox.webhook_receiver import Receiver
from vendor_sandbox.process import SandboxProcess

SANDBOX_DIALECTS = "retell"  # this module's own sandbox (fixtures vendor_server / vendor_sandbox)
KEY = settings.SANDBOX_WEBHOOK_SECRET
STARTED_MS = 1_793_000_000_123
CALL = {
    "call_id": "call_0f3c1a9e2b7d4c6e8a1f3b5d7c9e",
    "call_type": "phone_call",
    "call_status": "ended",
    "start_timestamp": STARTED_MS,
    "end_timestamp": STARTED_MS + 61_000,
    "transcript": "Agent: مرحبا\nUser: hi, عندي مشكلة",
}


def body_of(event: str, call: dict | None = None) -> bytes:
    return json.dumps({"event": event, "call": call or CALL}, ensure_ascii=False, separators=(",", ":")).encode()


def request(body: bytes, signature: str | None) -> SignedRequest:
    headers = {"content-type": "application/json"} | ({"x-retell-signature": signature} if signature else {})
    return SignedRequest("POST", "https://hooks.example.com/webhooks/retell", headers, body)


def refused(req: SignedRequest, secrets: list[str], now: datetime) -> str:
    with pytest.raises(Rejected) as info:
        WEBHOOKS.verify(req, secrets, now)
    return info.value.reason


# ---------------------------------------------------------------- the signature, against the SDK


def test_what_the_sdk_signs_we_accept_and_what_we_sign_the_sdk_verifies() -> None:
    body = body_of("call_analyzed")
    now = datetime.now(UTC)
    ms = int(now.timestamp() * 1000)
    sdk_signature = symmetric["sign"](body.decode(), KEY, ms)
    WEBHOOKS.verify(request(body, sdk_signature), [KEY], now)
    ours = sign(KEY, body, ms)
    assert ours == sdk_signature
    assert verify(body.decode(), KEY, ours) and Retell(api_key=KEY).verify(body.decode(), KEY, ours)
    assert not verify(body.decode(), "another-key", ours)


def test_tampered_wrong_key_stale_missing_and_malformed_signatures_are_refused() -> None:
    body = body_of("call_ended")
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    ms = int(now.timestamp() * 1000)
    good = symmetric["sign"](body.decode(), KEY, ms)
    WEBHOOKS.verify(request(body, good), ["rotated-out-key", KEY], now)  # any of several keys (rotation)
    tampered = body.replace(b"call_ended", b"call_endee")
    assert refused(request(tampered, good), [KEY], now) == "signature"
    assert not verify(tampered.decode(), KEY, good)  # the SDK agrees
    assert refused(request(body, good), ["another-key"], now) == "signature"
    assert refused(request(body, good), [KEY], now + timedelta(minutes=5, seconds=1)) == "stale"
    assert refused(request(body, good), [KEY], now - timedelta(minutes=6)) == "stale"
    WEBHOOKS.verify(request(body, good), [KEY], now + timedelta(minutes=4, seconds=59))
    assert refused(request(body, None), [KEY], now) == "signature"
    assert refused(request(body, good.upper()), [KEY], now) == "signature"  # the SDK's format is lower-case hex
    shifted = f"v={ms + 1},{good.split(',')[1]}"  # the time is signed too
    assert refused(request(body, shifted), [KEY], now) == "signature"
    assert refused(request(body, good), [], now) == "forbidden"
    far = "v=" + "9" * 30 + "," + good.split(",")[1]
    assert refused(request(body, far), [KEY], now) == "signature"


# ---------------------------------------------------------------- events and changes


@pytest.mark.parametrize("event", ["call_started", "call_ended", "call_analyzed"])
def test_each_call_event_changes_its_call_on_the_day_it_started(event: str) -> None:
    (stored,) = WEBHOOKS.events(request(body_of(event), None))
    assert stored.topic == event
    started = datetime.fromtimestamp(STARTED_MS / 1000, UTC)
    assert stored.occurred_at == (started if event == "call_started" else started + timedelta(seconds=61))
    assert WEBHOOKS.changes(stored) == [Change("calls", CALL["call_id"], started)]
    again = WEBHOOKS.events(request(body_of(event), None))[0]
    assert again.key == stored.key  # a redelivery is stored once
    assert {WEBHOOKS.events(request(body_of(e), None))[0].key for e in ("call_started", "call_ended")} != {stored.key}


def test_other_events_change_nothing_and_broken_bodies_are_malformed() -> None:
    (other,) = WEBHOOKS.events(request(body_of("transcript_updated"), None))
    assert WEBHOOKS.changes(other) == []
    unstarted = {k: v for k, v in CALL.items() if k != "start_timestamp"}  # e.g. a dial that never connected
    (never,) = WEBHOOKS.events(request(body_of("call_ended", unstarted), None))
    assert never.occurred_at == datetime.fromtimestamp((STARTED_MS + 61_000) / 1000, UTC)
    assert WEBHOOKS.changes(never) == []  # list-calls filters on the start: such a call is in no partition
    undated = {k: v for k, v in unstarted.items() if k != "end_timestamp"}
    broken = (b"not json", b'{"event":"call_ended"}', json.dumps({"event": "call_ended", "call": {}}).encode())
    for body in (*broken, body_of("call_ended", undated)):
        with pytest.raises(Rejected) as info:
            WEBHOOKS.events(request(body, None))
        assert info.value.reason == "malformed"
    assert WEBHOOKS.acknowledge([])[0].startswith(b"{")


# ---------------------------------------------------------------- real deliveries from the sandbox


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def test_sandbox_deliveries_are_signed_as_retell_signs_them(vendor_sandbox: SandboxProcess, receiver: Receiver) -> None:
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=2)
    url = f"{receiver.url}/retell"
    receiver.script("/webhooks/retell", 500)  # the first try fails: Retell retries, signing afresh
    ended = vendor_sandbox.make_changes("retell", "new_message", url=url, at=at)
    analyzed = vendor_sandbox.make_changes("retell", "status_change", url=url, at=at)
    assert [d["status"] for d in ended["deliveries"] + analyzed["deliveries"]] == ["delivered", "delivered"]
    assert ended["deliveries"][0]["attempts"] == 2
    got = receiver.wait_for("retell", 3)
    assert len(got) == 3
    now = datetime.now(UTC)
    for delivery in got:
        signature = delivery.header("x-retell-signature")
        assert verify(delivery.body.decode(), KEY, signature)  # the SDK accepts the sandbox's signature
        WEBHOOKS.verify(request(delivery.body, signature), [KEY], now)
    assert got[0].body == got[1].body and got[0].header("x-retell-signature") != got[1].header("x-retell-signature")
    events = [json.loads(d.body) for d in got]
    (call_id,) = {e["call"]["call_id"] for e in events}
    assert [e["event"] for e in events] == ["call_ended", "call_ended", "call_analyzed"]
    assert "call_analysis" not in events[0]["call"] and events[2]["call"]["call_analysis"]["user_sentiment"] in (
        "Positive",
        "Negative",
        "Neutral",
        "Unknown",
    )
    assert (
        events[0]["call"]["end_timestamp"] == int(at.timestamp() * 1000) and call_id == ended["changes"][0]["record_id"]
    )


# ---------------------------------------------------------------- change → webhook → receiver → sensor → DuckDB


@pytest.fixture
def inbox_receiver(tmp_path: Path) -> Iterator[ReceiverProcess]:
    local = {"INTEGRATION_PIPELINES_ENV": "local", "RETELL_WEBHOOK_SECRETS": "", "RETELL_API_KEY": ""}
    with ReceiverProcess(f"sqlite:///{tmp_path / 'webhook_inbox.sqlite'}", tmp_path, env=local) as process:
        yield process


def sync_from_webhooks(defs: dg.Definitions, instance: dg.DagsterInstance) -> list[dg.RunRequest]:
    with dg.build_sensor_context(
        instance=instance, definitions=defs, resources={"webhook_inbox": defs.resources["webhook_inbox"]}
    ) as context:
        result = defs.resolve_sensor_def("retell_webhook_sensor").evaluate_tick(context)
    for run in result.run_requests:
        assert (
            defs.resolve_job_def("retell_sync_job")
            .execute_in_process(
                instance=instance, partition_key=run.partition_key, tags=run.tags, asset_selection=run.asset_selection
            )
            .success
        )
    return result.run_requests


def calls_row(home: Path, call_id: str) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            "SELECT call_id, call_status, user_sentiment FROM retell.calls WHERE call_id = ?", [call_id]
        ).fetchall()


def test_a_new_call_and_its_analysis_reach_duckdb_through_their_webhooks(
    vendor_sandbox: SandboxProcess, inbox_receiver: ReceiverProcess, tmp_path: Path
) -> None:
    defs = pipeline_definitions(vendor_sandbox, tmp_path)
    url = f"{inbox_receiver.url}/webhooks/retell"
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=2)
    made = vendor_sandbox.make_changes("retell", "new_message", url=url, at=at)
    assert [d["status"] for d in made["deliveries"]] == ["delivered"]
    (change,) = made["changes"]
    day = datetime.fromtimestamp(change["start_timestamp"] / 1000, UTC).date().isoformat()
    with dg.DagsterInstance.ephemeral() as instance:
        (run,) = sync_from_webhooks(defs, instance)
        assert run.partition_key == day
        assert calls_row(tmp_path, change["record_id"]) == [(change["record_id"], "ended", None)]
        analyzed = vendor_sandbox.make_changes("retell", "status_change", url=url, at=at)
        assert analyzed["changes"][0]["record_id"] == change["record_id"]
        time.sleep(0.1)
        (again,) = sync_from_webhooks(defs, instance)
        assert again.partition_key == day
    (row,) = calls_row(tmp_path, change["record_id"])  # one row: the analysed call replaced the ended one
    assert row[2] in ("Positive", "Negative", "Neutral", "Unknown")
