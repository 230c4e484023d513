"""Salesforce Outbound Messages: the SOAP notifications a flow or workflow rule sends, and the records
they name.

Salesforce signs nothing. A delivery is accepted only when its ``OrganizationId`` is one of
``SALESFORCE_WEBHOOK_ORGANIZATION_IDS`` (15- or 18-character ids, compared on the first 15); the route
must also sit behind TLS with an IP allow-list of Salesforce's ranges or a secret path segment
(``WEBHOOK_PATH_SECRET``). Each ``<Notification>`` has its own id, so a redelivery is stored once;
the answer is the ``<Ack>true</Ack>`` envelope Salesforce waits for (anything else and it retries
for up to 24 hours). Outbound messages never announce deletes: ``queryAll`` brings those.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from integration_pipelines.lib.webhooks.events import Change, Rejected, SignedRequest, WebhookEvent
from integration_pipelines.lib.webhooks.payloads import iso_time
from integration_pipelines.sources.salesforce import settings

OUTBOUND = "{http://soap.sforce.com/2005/09/outbound}"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
OBJECTS = {
    "Case": "cases",
    "CaseComment": "case_comments",
    "Contact": "contacts",
    "Account": "accounts",
    "Opportunity": "opportunities",
}
ACK = (
    b'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
    b'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
    b'<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack>'
    b"</notificationsResponse></soapenv:Body></soapenv:Envelope>"
)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _notifications(body: bytes) -> Element:
    try:
        root = ElementTree.fromstring(body)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as error:
        raise Rejected("malformed", f"body is not a SOAP envelope ({type(error).__name__})") from None
    found = root.find(f".//{OUTBOUND}notifications")
    if found is None:
        raise Rejected("malformed", "no outbound-message <notifications> in the envelope")
    return found


class SalesforceWebhooks:
    vendor = "salesforce"
    settle_seconds = 0  # a change shows in the REST API at once
    sandbox_secrets = (settings.SANDBOX_ORGANIZATION_ID,)  # accepted locally when no variable is set
    secret_variables = ("SALESFORCE_WEBHOOK_ORGANIZATION_IDS",)

    def verify(self, request: SignedRequest, secrets: Sequence[str], now: datetime) -> None:
        if not secrets:
            raise Rejected("forbidden", "no SALESFORCE_WEBHOOK_ORGANIZATION_IDS configured")
        organization = (_notifications(request.body).findtext(f"{OUTBOUND}OrganizationId") or "").strip()
        if organization[:15] not in {s[:15] for s in secrets}:
            raise Rejected("forbidden", "OrganizationId is not one of SALESFORCE_WEBHOOK_ORGANIZATION_IDS")

    def events(self, request: SignedRequest) -> list[WebhookEvent]:
        notifications = _notifications(request.body)
        events = []
        for note in notifications.findall(f"{OUTBOUND}Notification"):
            sobject = note.find(f"{OUTBOUND}sObject")
            note_id = (note.findtext(f"{OUTBOUND}Id") or "").strip()
            if sobject is None or not note_id:
                raise Rejected("malformed", "a <Notification> without <Id> or <sObject>")
            fields = {_local(child.tag): (child.text or "") for child in sobject}
            sobject_type = _local(sobject.get(XSI_TYPE, "")).split(":")[-1]
            stamp = fields.get("SystemModstamp") or fields.get("LastModifiedDate")
            if not stamp or not fields.get("Id"):
                raise Rejected("malformed", "an sObject without Id and SystemModstamp/LastModifiedDate")
            events.append(
                WebhookEvent(
                    key=note_id,
                    topic=f"outbound.{sobject_type}",
                    occurred_at=iso_time(stamp, "SystemModstamp"),
                    payload={"type": sobject_type, "fields": fields},
                )
            )
        if not events:
            raise Rejected("malformed", "no <Notification> in the envelope")
        return events

    def changes(self, event: WebhookEvent) -> list[Change]:
        obj = OBJECTS.get(str(event.payload.get("type")))
        record_id = str((event.payload.get("fields") or {}).get("Id") or "")
        return [Change(obj, record_id, event.occurred_at)] if obj and record_id else []

    def acknowledge(self, events: Sequence[WebhookEvent]) -> tuple[bytes, str]:
        return ACK, "text/xml; charset=utf-8"


WEBHOOKS = SalesforceWebhooks()
