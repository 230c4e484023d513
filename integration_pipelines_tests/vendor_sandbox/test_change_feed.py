"""The sandbox's change feed over real HTTP, per vendor: a change shows through the vendor's REST API
exactly as the vendor would show it (new comment or part, new status, delete as the vendor shows
deletes), and exactly one webhook announces it, in the vendor's shape with a signature that verifies
by an independent computation (HubSpot's also by the ``hubspot-api-client`` SDK).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest

from integration_pipelines_tests.vendor_sandbox.change_feed_support import (
    ISO,
    SOAP,
    hubspot_archived_ids,
    hubspot_get,
    hubspot_signature_ok,
    intercom,
    intercom_search,
    intercom_signature_ok,
    one_change,
    salesforce_query,
    zendesk,
    zendesk_signature_ok,
)
from integration_pipelines_tests.vendor_sandbox.webhook_receiver import Receiver
from vendor_sandbox.dialects import hubspot as hubspot_sandbox
from vendor_sandbox.dialects.salesforce.render import ORG_ID
from vendor_sandbox.process import SandboxProcess

pytestmark = pytest.mark.slow


@pytest.fixture
def sandbox(feed_sandbox: SandboxProcess) -> SandboxProcess:
    return feed_sandbox


# ---------------------------------------------------------------- Zendesk
@pytest.mark.parametrize("kind", ["new_message", "status_change", "delete"])
def test_zendesk_change_shows_in_the_export_and_one_signed_event_announces_it(
    sandbox: SandboxProcess, receiver: Receiver, when: datetime, kind: str
) -> None:
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
    sandbox: SandboxProcess, receiver: Receiver, when: datetime, kind: str
) -> None:
    change = one_change(sandbox, "salesforce", kind, when)
    since = when.strftime(ISO)
    cases = salesforce_query(sandbox, f"SELECT Id, Status, SystemModstamp FROM Case WHERE SystemModstamp >= {since}")
    assert [c["Id"] for c in cases] == [change["record_id"]]
    assert cases[0]["SystemModstamp"] == when.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    if kind == "status_change":
        assert cases[0]["Status"] == change["status"] != change["previous_status"]
    else:
        comments = salesforce_query(
            sandbox, f"SELECT Id, ParentId, CommentBody FROM CaseComment WHERE SystemModstamp >= {since}"
        )
        assert comments == [
            {
                "attributes": comments[0]["attributes"],
                "Id": change["comment_id"],
                "ParentId": change["record_id"],
                "CommentBody": change["body"],
            }
        ]

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
@pytest.mark.parametrize(
    ("kind", "kind_of_object"),
    [
        ("new_message", "tickets"),
        ("status_change", "tickets"),
        ("delete", "tickets"),
        ("status_change", "contacts"),
        ("delete", "contacts"),
    ],
)
def test_hubspot_change_shows_in_the_crm_api_and_one_signed_event_announces_it(
    sandbox: SandboxProcess, receiver: Receiver, when: datetime, kind: str, kind_of_object: str
) -> None:
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
@pytest.mark.parametrize(
    ("kind", "kind_of_object"),
    [
        ("new_message", "conversations"),
        ("status_change", "conversations"),
        ("delete", "conversations"),
        ("delete", "contacts"),
    ],
)
def test_intercom_change_shows_in_search_and_one_signed_notification_announces_it(
    sandbox: SandboxProcess, receiver: Receiver, when: datetime, kind: str, kind_of_object: str
) -> None:
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
            assert (part["id"], part["body"], part["created_at"]) == (
                change["part_id"],
                change["body"],
                int(when.timestamp()),
            )
            assert change["topic"] in ("conversation.user.replied", "conversation.admin.replied")

    [delivery] = receiver.at("intercom")
    assert intercom_signature_ok(delivery)
    notification = json.loads(delivery.body)
    assert notification["type"] == "notification_event" and notification["id"] == change["event_id"]
    assert notification["id"].startswith("notif_") and notification["topic"] == change["topic"]
    assert notification["delivery_attempts"] == 1 and notification["created_at"] == int(when.timestamp())
    assert notification["data"]["type"] == "notification_event_data"
    assert notification["data"]["item"]["id"] == record_id
