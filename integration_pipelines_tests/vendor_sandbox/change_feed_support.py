"""What the change-feed tests read and check, written apart from the sandbox: the vendors' REST
APIs as a client calls them, and each vendor's webhook signature computed independently."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

import httpx
from hubspot.utils.signature import Signature

from integration_pipelines_tests.vendor_sandbox.webhook_receiver import Received
from vendor_sandbox.dialects import hubspot as hubspot_sandbox
from vendor_sandbox.dialects import intercom as intercom_sandbox
from vendor_sandbox.dialects import salesforce as salesforce_sandbox
from vendor_sandbox.dialects import zendesk as zendesk_sandbox
from vendor_sandbox.process import SandboxProcess

VENDORS = ("zendesk", "salesforce", "hubspot", "intercom")
SECRETS = {
    "zendesk": "sandbox-zendesk-webhook-secret",
    "hubspot": "sandbox-hubspot-client-secret",
    "intercom": "sandbox-intercom-client-secret",
    "retell": "sandbox-retell-api-key",
    "twilio": "sandbox-twilio-auth-token",
    "calendly": "sandbox-calendly-webhook-signing-key",
    "stripe": "whsec_sandbox_stripe_endpoint_secret",
}
SOAP = {
    "soapenv": "http://schemas.xmlsoap.org/soap/envelope/",
    "om": "http://soap.sforce.com/2005/09/outbound",
    "sf": "urn:sobject.enterprise.soap.sforce.com",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
ISO = "%Y-%m-%dT%H:%M:%SZ"


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
    token = httpx.post(
        f"{sandbox.url}/salesforce/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": salesforce_sandbox.CLIENT_ID,
            "client_secret": salesforce_sandbox.CLIENT_SECRET,
        },
    ).json()["access_token"]
    response = httpx.get(
        f"{sandbox.url}/salesforce/services/data/v59.0/query",
        params={"q": soql},
        headers={"Authorization": f"Bearer {token}"},
    )
    response.raise_for_status()
    return response.json()["records"]


def hubspot_get(sandbox: SandboxProcess, kind: str, record_id: str, properties: list[str]) -> list[dict]:
    body = {
        "filterGroups": [{"filters": [{"propertyName": "hs_object_id", "operator": "EQ", "value": record_id}]}],
        "properties": properties,
        "limit": 10,
    }
    response = httpx.post(
        f"{sandbox.url}/hubspot/crm/v3/objects/{kind}/search",
        json=body,
        headers={"Authorization": f"Bearer {hubspot_sandbox.ACCESS_TOKEN}"},
    )
    response.raise_for_status()
    return response.json()["results"]


def hubspot_archived_ids(sandbox: SandboxProcess, kind: str) -> set[str]:
    ids, params = set(), {"archived": "true", "limit": 100}
    while True:
        page = httpx.get(
            f"{sandbox.url}/hubspot/crm/v3/objects/{kind}",
            params=params,
            headers={"Authorization": f"Bearer {hubspot_sandbox.ACCESS_TOKEN}"},
        ).json()
        ids |= {r["id"] for r in page["results"]}
        if "paging" not in page:
            return ids
        params["after"] = page["paging"]["next"]["after"]


def intercom(sandbox: SandboxProcess, method: str, path: str, body: dict | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {intercom_sandbox.ACCESS_TOKEN}", "Intercom-Version": "2.11"}
    return httpx.request(method, f"{sandbox.url}/intercom/{path}", json=body, headers=headers, timeout=10)


def intercom_search(sandbox: SandboxProcess, what: str, field: str, value: str) -> list[dict]:
    response = intercom(sandbox, "POST", f"{what}/search", {"query": {"field": field, "operator": "=", "value": value}})
    response.raise_for_status()
    return response.json()["conversations" if what == "conversations" else "data"]


# ---------------------------------------------------------------- independent signature checks
def zendesk_signature_ok(delivery: Received) -> bool:
    timestamp = delivery.header("X-Zendesk-Webhook-Signature-Timestamp")
    expected = hmac.new(SECRETS["zendesk"].encode(), timestamp.encode() + delivery.body, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(expected).decode(), delivery.header("X-Zendesk-Webhook-Signature"))


def intercom_signature_ok(delivery: Received) -> bool:
    expected = "sha1=" + hmac.new(SECRETS["intercom"].encode(), delivery.body, hashlib.sha1).hexdigest()
    return hmac.compare_digest(expected, delivery.header("X-Hub-Signature"))


def hubspot_signature_ok(delivery: Received, url: str) -> bool:
    timestamp = delivery.header("X-HubSpot-Request-Timestamp")
    message = b"POST" + url.encode() + delivery.body + timestamp.encode()
    expected = base64.b64encode(hmac.new(SECRETS["hubspot"].encode(), message, hashlib.sha256).digest()).decode()
    by_sdk = Signature.is_valid(
        signature=delivery.header("X-HubSpot-Signature-v3"),
        client_secret=SECRETS["hubspot"],
        request_body=delivery.body.decode(),
        http_uri=url,
        http_method="POST",
        signature_version="v3",
        timestamp=timestamp,
    )
    return by_sdk and hmac.compare_digest(expected, delivery.header("X-HubSpot-Signature-v3"))
