"""Signed deliveries as each vendor sends them, made in the tests independently of the handlers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

ZENDESK_SECRET = "zendesk-test-signing-secret"
HUBSPOT_SECRET = "hubspot-test-client-secret"
INTERCOM_SECRET = "intercom-test-client-secret"
SALESFORCE_ORG = "00D5g000004ABCDEAA"
SECRETS_ENV = {
    "ZENDESK_WEBHOOK_SECRETS": ZENDESK_SECRET,
    "HUBSPOT_WEBHOOK_SECRETS": HUBSPOT_SECRET,
    "INTERCOM_WEBHOOK_SECRETS": INTERCOM_SECRET,
    "SALESFORCE_WEBHOOK_ORGANIZATION_IDS": SALESFORCE_ORG,
}


def zendesk(
    event_id: str,
    ticket_id: int,
    kind: str,
    when: datetime,
    secret: str = ZENDESK_SECRET,
    signed_at: datetime | None = None,
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "type": f"zen:event-type:ticket.{kind}",
            "account_id": 1,
            "id": event_id,
            "time": when.isoformat().replace("+00:00", "Z"),
            "zendesk_event_version": "2022-11-06",
            "subject": f"zen:ticket:{ticket_id}",
            "detail": {"id": str(ticket_id), "status": "open"},
            "event": {},
        }
    ).encode()
    stamp = (signed_at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    signature = base64.b64encode(hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()).decode()
    return body, {
        "X-Zendesk-Webhook-Signature": signature,
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        "Content-Type": "application/json",
    }


def hubspot_body(events: list[dict[str, Any]]) -> bytes:
    return json.dumps(events).encode()


def hubspot_event(event_id: int, kind: str, object_id: int, when: datetime) -> dict[str, Any]:
    return {
        "eventId": event_id,
        "subscriptionId": 7,
        "portalId": 24681357,
        "appId": 9,
        "attemptNumber": 0,
        "occurredAt": int(when.timestamp() * 1000),
        "subscriptionType": kind,
        "objectId": object_id,
        "changeSource": "CRM",
    }


def hubspot(
    url: str, body: bytes, secret: str = HUBSPOT_SECRET, signed_at: datetime | None = None, method: str = "POST"
) -> dict[str, str]:
    """Headers made by HubSpot's own SDK (``hubspot-api-client``), the oracle for signature v3."""
    from hubspot.utils.signature import Signature

    stamp = str(int((signed_at or datetime.now(UTC)).timestamp() * 1000))
    signature = Signature.get_signature(
        client_secret=secret,
        request_body=body.decode(),
        signature_version="v3",
        http_uri=url,
        http_method=method,
        timestamp=stamp,
    )
    return {
        "X-HubSpot-Signature-v3": signature,
        "X-HubSpot-Request-Timestamp": stamp,
        "Content-Type": "application/json",
    }


def intercom(
    notification_id: str, topic: str, item: dict[str, Any], when: datetime, secret: str = INTERCOM_SECRET
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "type": "notification_event",
            "app_id": "abc123",
            "id": notification_id,
            "topic": topic,
            "created_at": int(when.timestamp()),
            "delivery_attempts": 1,
            "data": {"type": "notification_event_data", "item": item},
        }
    ).encode()
    signature = "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    return body, {"X-Hub-Signature": signature, "Content-Type": "application/json"}


def salesforce(notifications: list[tuple[str, str, str, datetime]], org: str = SALESFORCE_ORG) -> bytes:
    """(notification id, sObject type, record id, modstamp) each → one Outbound Message envelope."""
    items = "".join(
        f'<Notification><Id>{note}</Id><sObject xsi:type="sf:{kind}" '
        f'xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>{record}</sf:Id>'
        f"<sf:SystemModstamp>{when.isoformat().replace('+00:00', 'Z')}</sf:SystemModstamp></sObject></Notification>"
        for note, kind, record, when in notifications
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
        f'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        f'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
        f"<OrganizationId>{org}</OrganizationId><ActionId>04k5g000000ABCDAAA</ActionId>"
        f'<SessionId xsi:nil="true"/><EnterpriseUrl>https://example.my.salesforce.com/services/Soap/c/60.0'
        f"</EnterpriseUrl><PartnerUrl>https://example.my.salesforce.com/services/Soap/u/60.0</PartnerUrl>"
        f"{items}</notifications></soapenv:Body></soapenv:Envelope>"
    ).encode()
