"""Twilio's webhooks: X-Twilio-Signature as Twilio's own SDK computes and validates it (the oracle),
refusals, events and their changes, the empty-TwiML answer, and end to end with real processes: a
sandbox change → its signed webhook → the receiver → the inbox → a sensor tick → the run → DuckDB."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import dagster as dg
import duckdb
import httpx
import pytest
from twilio.request_validator import RequestValidator

from integration_pipelines.lib.webhooks.events import Rejected, SignedRequest
from integration_pipelines.lib.webhooks.inbox import Inbox
from integration_pipelines.sources.twilio.webhooks import WEBHOOKS as TWILIO
from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions
from integration_pipelines_tests.fixtures.receiver import ReceiverProcess
from vendor_sandbox.dialects.twilio import webhooks as sandbox_webhooks
from vendor_sandbox.process import SandboxProcess

SANDBOX_DIALECTS = "twilio"
TOKEN = "twilio-test-auth-token"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
URL = "https://hooks.example.com/webhooks/twilio?source=messaging"
SID = "SM0123456789abcdef0123456789abcdef"
INCOMING = [
    ("MessageSid", SID),
    ("SmsSid", SID),
    ("SmsMessageSid", SID),
    ("AccountSid", "AC5a9d1e0c7b3f4a2e8d6c1b0a9f8e7d6c"),
    ("From", "whatsapp:+966501234567"),
    ("To", "whatsapp:+966115550100"),
    ("Body", "السلام عليكم، الطلب ما وصل 😠 & لسه"),
    ("NumMedia", "0"),
    ("SmsStatus", "received"),
    ("ApiVersion", "2010-04-01"),
]
STATUS = [("MessageSid", SID), ("MessageStatus", "delivered"), ("SmsStatus", "delivered"), ("To", "+966501234567")]
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def signed(params: list[tuple[str, str]], url: str = URL, token: str = TOKEN, **headers: str) -> SignedRequest:
    """A delivery whose signature Twilio's SDK computed."""
    signature = RequestValidator(token).compute_signature(url, dict(params))
    all_headers = {**FORM, "X-Twilio-Signature": signature, **headers}
    return SignedRequest("POST", url, {k.lower(): v for k, v in all_headers.items()}, urlencode(params).encode())


def reason(request: SignedRequest, secrets: list[str], now: datetime = NOW) -> str:
    with pytest.raises(Rejected) as info:
        TWILIO.verify(request, secrets, now)
    return info.value.reason


def test_sdk_signed_deliveries_verify_and_any_change_is_refused() -> None:
    request = signed(INCOMING)
    TWILIO.verify(request, ["old-token", TOKEN], NOW)  # rotation: either token
    TWILIO.verify(request, [TOKEN], NOW + timedelta(days=30))  # Twilio signs no time: nothing is stale
    tampered = urlencode([*INCOMING[:-4], ("Body", "hello"), *INCOMING[-3:]]).encode()
    assert reason(SignedRequest("POST", URL, request.headers, tampered), [TOKEN]) == "signature"
    assert reason(SignedRequest("POST", URL + "&x=1", request.headers, request.body), [TOKEN]) == "signature"
    assert reason(request, ["another-token"]) == "signature"
    missing = {k: v for k, v in request.headers.items() if k != "x-twilio-signature"}
    assert reason(SignedRequest("POST", URL, missing, request.body), [TOKEN]) == "signature"
    assert reason(request, []) == "forbidden"


def test_the_url_is_checked_with_and_without_its_port_as_the_sdk_does() -> None:
    for signed_url, received_url in [
        ("https://hooks.example.com/webhooks/twilio", "https://hooks.example.com:443/webhooks/twilio"),
        ("https://hooks.example.com:443/webhooks/twilio", "https://hooks.example.com/webhooks/twilio"),
    ]:
        request = signed(STATUS, url=signed_url)
        moved = SignedRequest("POST", received_url, request.headers, request.body)
        assert RequestValidator(TOKEN).validate(received_url, dict(STATUS), request.header("X-Twilio-Signature"))
        TWILIO.verify(moved, [TOKEN], NOW)


def test_json_bodies_are_checked_by_their_body_hash() -> None:
    body = b'{"MessageSid": "SM0123456789abcdef0123456789abcdef", "MessageStatus": "read"}'
    url = f"{URL}&bodySHA256={hashlib.sha256(body).hexdigest()}"
    signature = RequestValidator(TOKEN).compute_signature(url, {})
    headers = {"content-type": "application/json", "x-twilio-signature": signature}
    assert RequestValidator(TOKEN).validate(url, body.decode(), signature)
    TWILIO.verify(SignedRequest("POST", url, headers, body), [TOKEN], NOW)
    assert reason(SignedRequest("POST", url, headers, body.replace(b"read", b"sent")), [TOKEN]) == "signature"
    events = TWILIO.events(SignedRequest("POST", url, headers, body))
    assert [c.record_id for e in events for c in TWILIO.changes(e)] == [SID]


def test_a_shared_key_rule_signs_with_sha256() -> None:
    settings = "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256"
    signature = RequestValidator("shared-key-secret").compute_signature(URL, dict(STATUS), "HMAC_SHA256")
    headers = {**FORM, "X-Twilio-Signature": signature, "X-Twilio-Webhooks-Signature-Settings": settings}
    request = SignedRequest("POST", URL, {k.lower(): v for k, v in headers.items()}, urlencode(STATUS).encode())
    TWILIO.verify(request, [TOKEN, "shared-key-secret"], NOW)
    assert reason(request, [TOKEN]) == "signature"


def test_the_sandbox_signs_as_the_sdk_validates() -> None:
    url = "http://127.0.0.1:8900/webhooks/twilio"
    signature = sandbox_webhooks.sign(TOKEN, url, INCOMING)
    assert signature == RequestValidator(TOKEN).compute_signature(url, dict(INCOMING))
    assert RequestValidator(TOKEN).validate(url, dict(INCOMING), signature)


def test_events_become_message_changes_keyed_by_the_idempotency_token() -> None:
    (incoming,) = TWILIO.events(signed(INCOMING, **{"I-Twilio-Idempotency-Token": "idem-1"}))
    (status,) = TWILIO.events(signed(STATUS))
    assert (incoming.key, incoming.topic, status.topic) == ("idem-1", "message.received", "message.delivered")
    assert status.key == TWILIO.events(signed(STATUS))[0].key  # no token: the same delivery, the same key
    assert incoming.payload["Body"] == dict(INCOMING)["Body"]  # form decoding keeps Arabic, emoji and "&"
    for event in (incoming, status):
        (change,) = TWILIO.changes(event)
        assert (change.object, change.record_id, change.deleted) == ("messages", SID, False)
    with pytest.raises(Rejected) as info:
        TWILIO.events(signed([("SmsStatus", "received")]))
    assert info.value.reason == "malformed"
    assert TWILIO.acknowledge([incoming]) == (b'<?xml version="1.0" encoding="UTF-8"?><Response/>', "text/xml")


# ---------------------------------------------------------------- end to end, real processes

LOCAL = {"INTEGRATION_PIPELINES_ENV": "local", "TWILIO_WEBHOOK_SECRETS": "", "TWILIO_AUTH_TOKEN": ""}


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[ReceiverProcess]:
    with ReceiverProcess(f"sqlite:///{tmp_path / 'webhook_inbox.sqlite'}", tmp_path, env=LOCAL) as process:
        yield process


def test_the_receiver_answers_empty_twiml_and_stores_a_redelivery_once(
    receiver: ReceiverProcess, tmp_path: Path
) -> None:
    url = f"{receiver.url}/webhooks/twilio"
    request = signed(INCOMING, url=url, token="sandbox-twilio-auth-token", **{"I-Twilio-Idempotency-Token": "i-1"})
    for _ in range(2):
        answer = httpx.post(url, content=request.body, headers=dict(request.headers))
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/xml")
        assert answer.content == b'<?xml version="1.0" encoding="UTF-8"?><Response/>'
    forged = signed(INCOMING, url=url, token="not-the-token")
    assert httpx.post(url, content=forged.body, headers=dict(forged.headers)).status_code == 401
    stored = Inbox(f"sqlite:///{tmp_path / 'webhook_inbox.sqlite'}").after("twilio", 0)
    assert [(s.event.key, s.event.topic) for s in stored] == [("i-1", "message.received")]


@pytest.mark.parametrize(
    ("kind", "check", "field"),
    [
        ("new_message", "SELECT body, direction FROM twilio.messages WHERE sid = ?", "body"),
        ("status_change", "SELECT status, direction FROM twilio.messages WHERE sid = ?", "status"),
    ],
)
def test_a_sandbox_change_reaches_duckdb_through_its_webhook(
    vendor_sandbox: SandboxProcess, receiver: ReceiverProcess, tmp_path: Path, kind: str, check: str, field: str
) -> None:
    defs = pipeline_definitions(vendor_sandbox, tmp_path)
    made = vendor_sandbox.make_changes("twilio", kind, url=f"{receiver.url}/webhooks/twilio")
    assert [d["status"] for d in made["deliveries"]] == ["delivered"], made["deliveries"]
    (change,) = made["changes"]
    with dg.DagsterInstance.ephemeral() as instance:
        with dg.build_sensor_context(
            instance=instance, definitions=defs, resources={"webhook_inbox": defs.resources["webhook_inbox"]}
        ) as context:
            result = defs.resolve_sensor_def("twilio_webhook_sensor").evaluate_tick(context)
        (request,) = result.run_requests
        assert request.partition_key == datetime.now(UTC).date().isoformat() == change["at"][:10]
        assert (
            defs.resolve_job_def("twilio_sync_job")
            .execute_in_process(
                instance=instance, partition_key=request.partition_key, asset_selection=request.asset_selection
            )
            .success
        )
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(check, [change["message_sid"]]).fetchall()
    direction = "inbound" if kind == "new_message" else "outbound-api"
    assert rows == [(change[field], direction)]
