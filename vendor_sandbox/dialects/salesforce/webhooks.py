"""Salesforce outbound messages: a SOAP 1.1 ``notifications`` envelope, unsigned, acknowledged by the receiver.

Salesforce does not sign outbound messages; a receiver trusts the ``OrganizationId`` (and, in
production, Salesforce's client certificate or IP ranges). A delivery counts only when the receiver
answers with ``<Ack>true</Ack>``; anything else is retried with the same notification ids. Up to
100 notifications share one message. Field values are in SOAP's formats (datetimes ``...000Z``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

import httpx

from vendor_sandbox.changefeed.model import Change, Delivery, FeedContext
from vendor_sandbox.dialects.salesforce.render import ORG_ID, sf_id

API_VERSION = "59.0"
ACTION_ID = sf_id("04k", 1)  # the outbound message (workflow action) on Case
CASE_FIELDS = (
    "Id",
    "CaseNumber",
    "AccountId",
    "ContactId",
    "OwnerId",
    "Subject",
    "Status",
    "Priority",
    "Origin",
    "IsClosed",
    "ClosedDate",
    "LastModifiedDate",
    "SystemModstamp",
)
_ACK = re.compile(rb"<(?:\w+:)?Ack>\s*true\s*</(?:\w+:)?Ack>")


def soap_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text.endswith("+0000"):  # REST datetime → SOAP dateTime
        text = text.removesuffix("+0000") + "Z"
    return escape(text)


def _sobject(fields: Mapping[str, Any]) -> str:
    inner = "".join(
        f"<sf:{name}>{soap_value(value)}</sf:{name}>" for name, value in fields.items() if value is not None
    )  # Salesforce leaves null fields out
    return f'<sObject xsi:type="sf:Case" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">{inner}</sObject>'


def envelope(changes: Sequence[Change], sandbox_url: str) -> bytes:
    org15 = ORG_ID[:15]
    base = f"{sandbox_url}/salesforce/services/Soap"
    notifications = "".join(f"<Notification><Id>{c.event_id}</Id>{_sobject(c.item)}</Notification>" for c in changes)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
        f"<OrganizationId>{ORG_ID}</OrganizationId><ActionId>{ACTION_ID}</ActionId>"
        '<SessionId xsi:nil="true"/>'
        f"<EnterpriseUrl>{base}/c/{API_VERSION}/{org15}</EnterpriseUrl>"
        f"<PartnerUrl>{base}/u/{API_VERSION}/{org15}</PartnerUrl>"
        f"{notifications}</notifications></soapenv:Body></soapenv:Envelope>"
    ).encode()


def acknowledged(response: httpx.Response) -> bool:
    return 200 <= response.status_code < 300 and _ACK.search(response.content) is not None


def delivery(changes: Sequence[Change], url: str, context: FeedContext) -> Delivery:
    body = envelope(changes, context.sandbox_url or "https://sandbox.my.salesforce.com")

    def build(attempt: int) -> tuple[bytes, dict[str, str]]:
        return body, {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""', "User-Agent": "Salesforce"}

    return Delivery("salesforce", url, tuple(c.event_id for c in changes), build, acknowledged)
