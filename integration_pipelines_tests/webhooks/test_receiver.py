"""The receiver as a real process: 2xx only once an event is in the inbox, every refusal stores nothing
and logs no secret and no body, redeliveries are stored once, metrics and health tell the truth."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from integration_pipelines.lib.webhooks.inbox import Inbox
from integration_pipelines_tests.fixtures.receiver import ReceiverProcess
from integration_pipelines_tests.webhooks import deliveries

pytestmark = pytest.mark.slow
MAX_BODY = 20_000


@pytest.fixture(scope="module")
def receiver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReceiverProcess]:
    folder = tmp_path_factory.mktemp("receiver")
    with ReceiverProcess(
        f"sqlite:///{folder / 'inbox.sqlite'}", folder, env={"WEBHOOK_MAX_BODY_BYTES": str(MAX_BODY)}
    ) as process:
        process.inbox = Inbox(f"sqlite:///{folder / 'inbox.sqlite'}")
        yield process


def post(receiver: ReceiverProcess, vendor: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{receiver.url}/webhooks/{vendor}", content=body, headers=headers, timeout=10)


def test_an_accepted_event_is_in_the_inbox_before_the_answer_and_stored_once(receiver: ReceiverProcess) -> None:
    before = receiver.inbox.count("zendesk")
    body, headers = deliveries.zendesk("ev-accept-1", 101, "comment_added", datetime.now(UTC))
    response = post(receiver, "zendesk", body, headers)
    assert response.status_code == 200
    assert receiver.inbox.count("zendesk") == before + 1
    stored = receiver.inbox.after("zendesk", 0)[-1]
    assert (stored.event.key, stored.event.topic) == ("ev-accept-1", "ticket.comment_added")
    again = post(receiver, "zendesk", body, headers)  # a redelivery (e.g. its answer was lost)
    assert again.status_code == 200 and receiver.inbox.count("zendesk") == before + 1


def test_a_hubspot_batch_stores_each_event(receiver: ReceiverProcess) -> None:
    now = datetime.now(UTC)
    events = [deliveries.hubspot_event(9000 + i, "contact.propertyChange", 500 + i, now) for i in range(3)]
    body = deliveries.hubspot_body(events)
    url = f"{receiver.url}/webhooks/hubspot"
    response = post(receiver, "hubspot", body, deliveries.hubspot(url, body))
    assert response.status_code == 200
    assert {e.event.key for e in receiver.inbox.after("hubspot", 0)} >= {"9000", "9001", "9002"}


def test_salesforce_gets_its_soap_acknowledgement(receiver: ReceiverProcess) -> None:
    now = datetime.now(UTC)
    body = deliveries.salesforce([("04lA1", "Case", "5005g0000001", now), ("04lA2", "CaseComment", "00a1", now)])
    response = post(receiver, "salesforce", body, {"Content-Type": "text/xml"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/xml")
    assert b"<Ack>true</Ack>" in response.content
    assert {e.event.key for e in receiver.inbox.after("salesforce", 0)} >= {"04lA1", "04lA2"}


def refusals() -> list[tuple[str, str, int, str]]:
    """(case, vendor, expected status, reason)."""
    return [
        ("one byte changed", "zendesk", 401, "signature"),
        ("old timestamp", "zendesk", 401, "stale"),
        ("no signature header", "intercom", 401, "signature"),
        ("wrong secret", "hubspot", 401, "signature"),
        ("oversized body", "intercom", 413, "too_large"),
        ("oversized, streamed", "intercom", 413, "too_large"),
        ("malformed body", "intercom", 400, "malformed"),
        ("unknown vendor", "freshdesk", 404, "unknown_vendor"),
        ("foreign organization", "salesforce", 403, "forbidden"),
    ]


def refused_request(case: str, receiver: ReceiverProcess) -> tuple[str, bytes, dict[str, str]]:
    now = datetime.now(UTC)
    secret_marker = "PLANTED-BODY-TEXT"
    if case == "one byte changed":
        body, headers = deliveries.zendesk("ev-bad-1", 7, "status_changed", now)
        return "zendesk", body.replace(b"open", b"opEn"), headers
    if case == "old timestamp":
        body, headers = deliveries.zendesk("ev-old-1", 7, "status_changed", now, signed_at=now - timedelta(hours=1))
        return "zendesk", body, headers
    if case == "no signature header":
        body, _ = deliveries.intercom("notif_nosig", "conversation.user.replied", {"id": "1", "x": secret_marker}, now)
        return "intercom", body, {"Content-Type": "application/json"}
    if case == "wrong secret":
        body = deliveries.hubspot_body([deliveries.hubspot_event(77, "contact.creation", 1, now)])
        return "hubspot", body, deliveries.hubspot(f"{receiver.url}/webhooks/hubspot", body, secret="not-the-secret")
    if case in ("oversized body", "oversized, streamed"):
        body, headers = deliveries.intercom(
            "notif_big", "conversation.user.replied", {"id": "1", "body": "x" * (MAX_BODY + 10)}, now
        )
        return "intercom", body, headers
    if case == "malformed body":
        body = b'{"topic": "conversation.user.replied", "id": "notif_malformed"'  # truncated JSON, signed
        import hashlib
        import hmac

        return (
            "intercom",
            body,
            {
                "X-Hub-Signature": "sha1="
                + hmac.new(deliveries.INTERCOM_SECRET.encode(), body, hashlib.sha1).hexdigest()
            },
        )
    if case == "unknown vendor":
        return "freshdesk", b"{}", {}
    body = deliveries.salesforce([("04lX", "Case", "500X", now)], org="00D000000000001AAA")
    return "salesforce", body, {}


@pytest.mark.parametrize(("case", "vendor", "status", "reason"), refusals())
def test_refused_requests_store_nothing_and_are_counted(
    receiver: ReceiverProcess, case: str, vendor: str, status: int, reason: str
) -> None:
    target, body, headers = refused_request(case, receiver)
    before = receiver.inbox.count()
    label = vendor if vendor != "freshdesk" else "unknown"
    metric = f'webhook_requests_rejected_total{{reason="{reason}",vendor="{label}"}}'
    counted_before = _metric(receiver, metric)
    if case == "oversized, streamed":  # no Content-Length: the limit must hold while reading
        response = httpx.post(
            f"{receiver.url}/webhooks/{target}",
            content=iter([body[i : i + 4096] for i in range(0, len(body), 4096)]),
            headers=headers,
            timeout=10,
        )
    else:
        response = post(receiver, target, body, headers)
    assert response.status_code == status, case
    assert response.json() == {"error": reason}
    assert receiver.inbox.count() == before, f"{case}: something was stored"
    assert _metric(receiver, metric) == counted_before + 1
    logs = receiver.logs()
    for secret in deliveries.SECRETS_ENV.values():
        assert secret not in logs
    assert "PLANTED-BODY-TEXT" not in logs and "xxxxxxxxxx" not in logs


def test_health_and_metrics(receiver: ReceiverProcess) -> None:
    health = httpx.get(f"{receiver.url}/healthz").json()
    assert health["status"] == "ok" and health["vendors"] == [
        "calendly",
        "hubspot",
        "intercom",
        "retell",
        "salesforce",
        "stripe",
        "twilio",
        "zendesk",
    ]
    assert health["inbox_events"] == receiver.inbox.count()
    text = httpx.get(f"{receiver.url}/metrics").text
    accepted = _metric(receiver, 'webhook_events_accepted_total{vendor="zendesk"}')
    assert accepted >= 1
    assert 'webhook_inbox_unprocessed_events{vendor="zendesk"}' in text
    assert "webhook_inbox_oldest_unprocessed_age_seconds" in text
    pending = receiver.inbox.depth()["zendesk"][0]
    assert _metric(receiver, 'webhook_inbox_unprocessed_events{vendor="zendesk"}') == pending
    receiver.inbox.mark_processed(e.id for e in receiver.inbox.after("zendesk", 0))
    assert 'webhook_inbox_unprocessed_events{vendor="zendesk"}' not in httpx.get(f"{receiver.url}/metrics").text


def test_no_secret_configured_means_the_route_refuses(tmp_path: Path) -> None:
    env = {"INTERCOM_WEBHOOK_SECRETS": "", "INTERCOM_CLIENT_SECRET": "", "INTEGRATION_PIPELINES_ENV": "prod"}
    with ReceiverProcess(f"sqlite:///{tmp_path / 'inbox.sqlite'}", tmp_path, env=env) as process:
        body, headers = deliveries.intercom("notif_off", "contact.deleted", {"id": "c1"}, datetime.now(UTC))
        response = httpx.post(f"{process.url}/webhooks/intercom", content=body, headers=headers)
        assert response.status_code == 403
        assert Inbox(f"sqlite:///{tmp_path / 'inbox.sqlite'}").count() == 0
        expected = "route /webhooks/intercom: OFF (set INTERCOM_WEBHOOK_SECRETS or INTERCOM_CLIENT_SECRET)"
        assert expected in process.logs()


def test_a_secret_path_segment_hides_the_routes(tmp_path: Path) -> None:
    with ReceiverProcess(
        f"sqlite:///{tmp_path / 'inbox.sqlite'}", tmp_path, env={"WEBHOOK_PATH_SECRET": "s3cr3t-path"}
    ) as process:
        body = deliveries.salesforce([("04lP", "Case", "500P", datetime.now(UTC))])
        assert httpx.post(f"{process.url}/webhooks/salesforce", content=body).status_code == 404
        assert httpx.post(f"{process.url}/webhooks/wrong/salesforce", content=body).status_code == 404
        assert httpx.post(f"{process.url}/webhooks/s3cr3t-path/salesforce", content=body).status_code == 200
        assert "s3cr3t-path" not in process.logs()


def _metric(receiver: ReceiverProcess, sample: str) -> float:
    for line in httpx.get(f"{receiver.url}/metrics").text.splitlines():
        if line.startswith(sample + " "):
            return float(line.split()[-1])
    return 0.0


def test_payload_is_stored_as_received(receiver: ReceiverProcess) -> None:
    body, headers = deliveries.intercom(
        "notif_arabic",
        "conversation.user.replied",
        {"type": "conversation", "id": "77", "body": "الخدمة ممتازة"},
        datetime.now(UTC),
    )
    assert post(receiver, "intercom", body, headers).status_code == 200
    stored = next(e for e in receiver.inbox.after("intercom", 0) if e.event.key == "notif_arabic")
    assert stored.event.payload == json.loads(body)
