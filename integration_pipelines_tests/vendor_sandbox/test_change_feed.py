"""The sandbox's change feed over real HTTP: a change shows through the vendor's REST API exactly as
the vendor would show it, and exactly one webhook announces it, in the vendor's shape and signature.

Signatures are checked with an independent computation (and HubSpot's with its own SDK), the retry
behaviour with a receiver that fails on purpose, and ``reset`` with the seeded world coming back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from hubspot.utils.signature import Signature

from integration_pipelines_tests.fixtures.sandbox import TEST_WORLD, reset_sandbox, sandbox_args
from integration_pipelines_tests.vendor_sandbox.webhook_receiver import Receiver
from vendor_sandbox.changefeed.settings import DEFAULT_SECRETS
from vendor_sandbox.dialects import hubspot as hubspot_sandbox
from vendor_sandbox.dialects import intercom as intercom_sandbox
from vendor_sandbox.dialects import salesforce as salesforce_sandbox
from vendor_sandbox.dialects import zendesk as zendesk_sandbox
from vendor_sandbox.dialects.salesforce.render import ORG_ID
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.server import build_parser

VENDORS = ("zendesk", "salesforce", "hubspot", "intercom")
SECRETS = {"zendesk": "sandbox-zendesk-webhook-secret", "hubspot": "sandbox-hubspot-client-secret",
           "intercom": "sandbox-intercom-client-secret"}
SOAP = {"soapenv": "http://schemas.xmlsoap.org/soap/envelope/", "om": "http://soap.sforce.com/2005/09/outbound",
        "sf": "urn:sobject.enterprise.soap.sforce.com", "xsi": "http://www.w3.org/2001/XMLSchema-instance"}
ISO = "%Y-%m-%dT%H:%M:%SZ"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def feed_server(receiver: Receiver) -> Iterator[SandboxProcess]:
    args = [*sandbox_args(TEST_WORLD, ",".join(VENDORS)), "--webhooks-to", receiver.url,
            "--webhook-attempts", "3", "--webhook-backoff", "0.05", "--webhook-timeout", "2"]
    with SandboxProcess(args) as server:
        yield server


@pytest.fixture
def sandbox(feed_server: SandboxProcess, receiver: Receiver) -> SandboxProcess:
    reset_sandbox(feed_server, *VENDORS)
    feed_server.reset_webhook_stats()
    receiver.clear()
    return feed_server


@pytest.fixture
def when() -> datetime:
    """A change time past Zendesk's one-minute export lag and after everything in the seeded world."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)


def one_change(sandbox: SandboxProcess, vendor: str, kind: str, when: datetime, **options: object) -> dict:
    result = sandbox.make_changes(vendor, kind, at=when, **options)
    assert len(result["changes"]) == 1 and len(result["deliveries"]) == 1
    assert result["deliveries"][0]["status"] == "delivered", result
    return result["changes"][0]


# ---------------------------------------------------------------- REST views, as a client reads them
def zendesk(sandbox: SandboxProcess, path: str, **params: object) -> dict:
    auth = (f"{zendesk_sandbox.EMAIL}/token", zendesk_sandbox.API_TOKEN)
    response = httpx.get(f"{sandbox.zendesk_url()}/api/v2/{path}", params=params, auth=auth, timeout=10)
    response.raise_for_status()
    return response.json()


def salesforce_query(sandbox: SandboxProcess, soql: str) -> list[dict]:
    token = httpx.post(f"{sandbox.url}/salesforce/services/oauth2/token", data={
        "grant_type": "client_credentials", "client_id": salesforce_sandbox.CLIENT_ID,
        "client_secret": salesforce_sandbox.CLIENT_SECRET}).json()["access_token"]
    response = httpx.get(f"{sandbox.url}/salesforce/services/data/v59.0/query", params={"q": soql},
                         headers={"Authorization": f"Bearer {token}"})
    response.raise_for_status()
    return response.json()["records"]


def hubspot_get(sandbox: SandboxProcess, kind: str, record_id: str, properties: list[str]) -> list[dict]:
    body = {"filterGroups": [{"filters": [{"propertyName": "hs_object_id", "operator": "EQ", "value": record_id}]}],
            "properties": properties, "limit": 10}
    response = httpx.post(f"{sandbox.url}/hubspot/crm/v3/objects/{kind}/search", json=body,
                          headers={"Authorization": f"Bearer {hubspot_sandbox.ACCESS_TOKEN}"})
    response.raise_for_status()
    return response.json()["results"]


def hubspot_archived_ids(sandbox: SandboxProcess, kind: str) -> set[str]:
    ids, params = set(), {"archived": "true", "limit": 100}
    while True:
        page = httpx.get(f"{sandbox.url}/hubspot/crm/v3/objects/{kind}", params=params,
                         headers={"Authorization": f"Bearer {hubspot_sandbox.ACCESS_TOKEN}"}).json()
        ids |= {r["id"] for r in page["results"]}
        if "paging" not in page:
            return ids
        params["after"] = page["paging"]["next"]["after"]


def intercom(sandbox: SandboxProcess, method: str, path: str, body: dict | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {intercom_sandbox.ACCESS_TOKEN}", "Intercom-Version": "2.11"}
    return httpx.request(method, f"{sandbox.url}/intercom/{path}", json=body, headers=headers, timeout=10)


def intercom_search(sandbox: SandboxProcess, what: str, field: str, value: str) -> list[dict]:
    response = intercom(sandbox, "POST", f"{what}/search",
                        {"query": {"field": field, "operator": "=", "value": value}})
    response.raise_for_status()
    return response.json()["conversations" if what == "conversations" else "data"]


# ---------------------------------------------------------------- independent signature checks
def zendesk_signature_ok(delivery) -> bool:  # noqa: ANN001
    timestamp = delivery.header("X-Zendesk-Webhook-Signature-Timestamp")
    expected = hmac.new(SECRETS["zendesk"].encode(), timestamp.encode() + delivery.body, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(expected).decode(), delivery.header("X-Zendesk-Webhook-Signature"))


def intercom_signature_ok(delivery) -> bool:  # noqa: ANN001
    expected = "sha1=" + hmac.new(SECRETS["intercom"].encode(), delivery.body, hashlib.sha1).hexdigest()
    return hmac.compare_digest(expected, delivery.header("X-Hub-Signature"))


def hubspot_signature_ok(delivery, url: str) -> bool:  # noqa: ANN001
    timestamp = delivery.header("X-HubSpot-Request-Timestamp")
    message = b"POST" + url.encode() + delivery.body + timestamp.encode()
    expected = base64.b64encode(hmac.new(SECRETS["hubspot"].encode(), message, hashlib.sha256).digest()).decode()
    by_sdk = Signature.is_valid(signature=delivery.header("X-HubSpot-Signature-v3"),
                                client_secret=SECRETS["hubspot"], request_body=delivery.body.decode(),
                                http_uri=url, http_method="POST", signature_version="v3", timestamp=timestamp)
    return by_sdk and hmac.compare_digest(expected, delivery.header("X-HubSpot-Signature-v3"))


# ---------------------------------------------------------------- Zendesk
@pytest.mark.parametrize("kind", ["new_message", "status_change", "delete"])
def test_zendesk_change_shows_in_the_export_and_one_signed_event_announces_it(
        sandbox: SandboxProcess, receiver: Receiver, when: datetime, kind: str) -> None:
    change = one_change(sandbox, "zendesk", kind, when)
    ticket_id = int(change["record_id"])
    tickets = zendesk(sandbox, "incremental/tickets/cursor.json", start_time=int(when.timestamp()))["tickets"]
    assert [t["id"] for t in tickets] == [ticket_id]
    ticket = tickets[0]
    assert ticket["updated_at"] == change["at"] == when.strftime(ISO)
    assert ticket["generated_timestamp"] == int(when.timestamp())
    expected_status = {"new_message": ticket["status"], "status_change": change.get("status"), "delete": "deleted"}
    assert ticket["status"] == expected_status[kind]

    [delivery] = receiver.at("zendesk")
    assert zendesk_signature_ok(delivery)
    datetime.strptime(delivery.header("X-Zendesk-Webhook-Signature-Timestamp"), ISO)
    event = json.loads(delivery.body)
    assert event["id"] == change["event_id"]
    assert event["subject"] == f"zen:ticket:{ticket_id}" and event["detail"]["id"] == str(ticket_id)
    assert event["zendesk_event_version"] == "2022-11-06" and event["time"] == when.strftime(ISO)
    if kind == "new_message":
        assert event["type"] == "zen:event-type:ticket.comment_added"
        assert event["event"]["comment"]["id"] == change["message_id"]
        audits = zendesk(sandbox, "incremental/ticket_events.json", start_time=int(when.timestamp()))
        [audit] = audits["ticket_events"]
        assert audit["ticket_id"] == ticket_id
        assert audit["child_events"][0]["id"] == int(change["message_id"])
        assert audit["child_events"][0]["body"] == change["body"] == event["event"]["comment"]["body"]
    elif kind == "status_change":
        assert event["type"] == "zen:event-type:ticket.status_changed"
        assert event["event"] == {"previous": change["previous_status"].upper(), "current": ticket["status"].upper()}
    else:
        assert event["type"] == "zen:event-type:ticket.soft_deleted"


# ---------------------------------------------------------------- Salesforce
@pytest.mark.parametrize("kind", ["new_message", "status_change"])
def test_salesforce_change_shows_in_soql_and_one_outbound_message_announces_it(
        sandbox: SandboxProcess, receiver: Receiver, when: datetime, kind: str) -> None:
    change = one_change(sandbox, "salesforce", kind, when)
    since = when.strftime(ISO)
    cases = salesforce_query(sandbox, f"SELECT Id, Status, SystemModstamp FROM Case WHERE SystemModstamp >= {since}")
    assert [c["Id"] for c in cases] == [change["record_id"]]
    assert cases[0]["SystemModstamp"] == when.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    if kind == "status_change":
        assert cases[0]["Status"] == change["status"] != change["previous_status"]
    else:
        comments = salesforce_query(sandbox, "SELECT Id, ParentId, CommentBody FROM CaseComment "
                                             f"WHERE SystemModstamp >= {since}")
        assert comments == [{"attributes": comments[0]["attributes"], "Id": change["comment_id"],
                             "ParentId": change["record_id"], "CommentBody": change["body"]}]

    [delivery] = receiver.at("salesforce")
    assert delivery.header("Content-Type").startswith("text/xml")
    root = ET.fromstring(delivery.body)
    notifications = root.find("soapenv:Body/om:notifications", SOAP)
    assert notifications is not None
    assert notifications.findtext("om:OrganizationId", namespaces=SOAP) == ORG_ID
    assert notifications.find("om:SessionId", SOAP).get(f"{{{SOAP['xsi']}}}nil") == "true"
    assert notifications.findtext("om:EnterpriseUrl", namespaces=SOAP).startswith(sandbox.url)
    [notification] = notifications.findall("om:Notification", SOAP)
    assert notification.findtext("om:Id", namespaces=SOAP) == change["event_id"]
    assert change["event_id"].startswith("04l")
    sobject = notification.find("om:sObject", SOAP)
    assert sobject.get(f"{{{SOAP['xsi']}}}type") == "sf:Case"
    assert sobject.findtext("sf:Id", namespaces=SOAP) == change["record_id"]
    assert sobject.findtext("sf:SystemModstamp", namespaces=SOAP) == when.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert sobject.findtext("sf:Status", namespaces=SOAP) == cases[0]["Status"]


def test_salesforce_does_not_announce_deletes(sandbox: SandboxProcess, receiver: Receiver) -> None:
    with pytest.raises(ValueError, match="delete"):
        sandbox.make_changes("salesforce", "delete")
    assert receiver.at("salesforce") == []


# ---------------------------------------------------------------- HubSpot
@pytest.mark.parametrize(("kind", "kind_of_object"), [("new_message", "tickets"), ("status_change", "tickets"),
                                                       ("delete", "tickets"), ("status_change", "contacts"),
                                                       ("delete", "contacts")])
def test_hubspot_change_shows_in_the_crm_api_and_one_signed_event_announces_it(
        sandbox: SandboxProcess, receiver: Receiver, when: datetime, kind: str, kind_of_object: str) -> None:
    change = one_change(sandbox, "hubspot", kind, when, object=kind_of_object)
    singular = kind_of_object[:-1]
    lastmod = "lastmodifieddate" if kind_of_object == "contacts" else "hs_lastmodifieddate"
    found = hubspot_get(sandbox, kind_of_object, change["record_id"], ["hs_pipeline_stage", "lifecyclestage"])
    if kind == "delete":
        assert found == []
        assert change["record_id"] in hubspot_archived_ids(sandbox, kind_of_object)
    else:
        [record] = found
        assert record["properties"][lastmod] == when.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        if kind == "status_change":
            assert record["properties"][change["property"]] == change["value"] != change["previous"]
        else:
            assert record["createdAt"] == when.strftime("%Y-%m-%dT%H:%M:%S.000Z")

    [delivery] = receiver.at("hubspot")
    assert hubspot_signature_ok(delivery, f"{receiver.url}/hubspot")
    [event] = json.loads(delivery.body)
    assert event["eventId"] == int(change["event_id"]) and event["objectId"] == int(change["record_id"])
    assert event["portalId"] == hubspot_sandbox.PORTAL_ID and event["attemptNumber"] == 0
    assert event["occurredAt"] == int(when.timestamp()) * 1000 and event["changeSource"] == "CRM"
    expected_type = {"new_message": "creation", "status_change": "propertyChange", "delete": "deletion"}[kind]
    assert event["subscriptionType"] == f"{singular}.{expected_type}" == change["topic"]
    if kind == "status_change":
        assert (event["propertyName"], event["propertyValue"]) == (change["property"], change["value"])


# ---------------------------------------------------------------- Intercom
@pytest.mark.parametrize(("kind", "kind_of_object"), [("new_message", "conversations"),
                                                       ("status_change", "conversations"),
                                                       ("delete", "conversations"), ("delete", "contacts")])
def test_intercom_change_shows_in_search_and_one_signed_notification_announces_it(
        sandbox: SandboxProcess, receiver: Receiver, when: datetime, kind: str, kind_of_object: str) -> None:
    change = one_change(sandbox, "intercom", kind, when, object=kind_of_object)
    record_id = change["record_id"]
    if kind_of_object == "contacts":
        assert change["topic"] in ("contact.archived", "contact.deleted")
        assert intercom_search(sandbox, "contacts", "id", record_id) == []
        assert intercom_search(sandbox, "contacts", "external_id", change["external_id"]) == []
    elif kind == "delete":
        assert change["topic"] == "conversation.deleted"
        assert intercom_search(sandbox, "conversations", "id", record_id) == []
        assert intercom(sandbox, "GET", f"conversations/{record_id}").status_code == 404
    else:
        [found] = intercom_search(sandbox, "conversations", "id", record_id)
        assert found["updated_at"] == int(when.timestamp())
        if kind == "status_change":
            assert found["state"] == change["state"] != change["previous_state"]
            assert change["topic"].startswith("conversation.admin.")
        else:
            full = intercom(sandbox, "GET", f"conversations/{record_id}?display_as=plaintext").json()
            part = full["conversation_parts"]["conversation_parts"][-1]
            assert (part["id"], part["body"], part["created_at"]) == (change["part_id"], change["body"],
                                                                      int(when.timestamp()))
            assert change["topic"] in ("conversation.user.replied", "conversation.admin.replied")

    [delivery] = receiver.at("intercom")
    assert intercom_signature_ok(delivery)
    notification = json.loads(delivery.body)
    assert notification["type"] == "notification_event" and notification["id"] == change["event_id"]
    assert notification["id"].startswith("notif_") and notification["topic"] == change["topic"]
    assert notification["delivery_attempts"] == 1 and notification["created_at"] == int(when.timestamp())
    assert notification["data"]["type"] == "notification_event_data"
    assert notification["data"]["item"]["id"] == record_id


# ---------------------------------------------------------------- retries, reset, stats, CLI
@pytest.mark.parametrize("vendor", ["zendesk", "hubspot", "intercom"])
def test_a_failing_receiver_gets_the_same_event_again_freshly_signed(
        sandbox: SandboxProcess, receiver: Receiver, vendor: str) -> None:
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
        sandbox: SandboxProcess, receiver: Receiver) -> None:
    receiver.script("/webhooks/salesforce", (200, b"ok"), (500, b""), (200, b"<Ack>false</Ack>"))
    result = sandbox.make_changes("salesforce", "new_message")
    [delivery] = result["deliveries"]
    assert (delivery["status"], delivery["attempts"]) == ("failed", 3)
    bodies = {r.body for r in receiver.at("salesforce")}
    assert len(bodies) == 1  # the very same message each time
    assert sandbox.webhook_stats()["vendors"]["salesforce"] == {"delivered": 0, "failed": 1, "attempts": 3,
                                                                "events": 1}


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


def test_reset_brings_the_seeded_world_back_and_replays_the_same_changes(
        sandbox: SandboxProcess, receiver: Receiver, when: datetime) -> None:
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
    args = build_parser().parse_args(["--webhooks-to", "http://127.0.0.1:8900/webhooks", "--webhook-interval", "2",
                                      "--webhook-secret", "zendesk=s3cret"])
    assert (args.webhooks_to, args.webhook_interval, args.webhook_secret) == (
        "http://127.0.0.1:8900/webhooks", 2.0, ["zendesk=s3cret"])
    assert {k: v for k, v in DEFAULT_SECRETS.items() if v} == SECRETS


def test_the_background_feed_sends_changes_on_its_own(receiver: Receiver) -> None:
    receiver.clear()
    args = [*sandbox_args(TEST_WORLD, "zendesk,intercom"), "--webhooks-to", receiver.url,
            "--webhook-interval", "0.1", "--webhook-secret", "zendesk=other-secret"]
    with SandboxProcess(args) as server:
        deadline = datetime.now(UTC) + timedelta(seconds=20)
        while sum(v["delivered"] for v in server.webhook_stats()["vendors"].values()) < 4:
            assert datetime.now(UTC) < deadline, server.webhook_stats()
            time.sleep(0.05)
        zendesk_deliveries = receiver.at("zendesk")
    assert len(zendesk_deliveries) + len(receiver.at("intercom")) >= 4
    for delivery in zendesk_deliveries:
        timestamp = delivery.header("X-Zendesk-Webhook-Signature-Timestamp")
        digest = hmac.new(b"other-secret", timestamp.encode() + delivery.body, hashlib.sha256).digest()
        assert base64.b64encode(digest).decode() == delivery.header("X-Zendesk-Webhook-Signature")
