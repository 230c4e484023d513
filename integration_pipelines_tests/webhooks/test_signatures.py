"""Each vendor's signature scheme: the vendor's own examples and SDK are accepted; one changed byte,
an old timestamp, a missing header or a wrong secret is refused with the right reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integration_pipelines.lib.webhooks.events import Rejected, SignedRequest
from integration_pipelines.sources.hubspot.webhooks import WEBHOOKS as HUBSPOT
from integration_pipelines.sources.intercom.webhooks import WEBHOOKS as INTERCOM
from integration_pipelines.sources.salesforce.webhooks import WEBHOOKS as SALESFORCE
from integration_pipelines.sources.zendesk.webhooks import WEBHOOKS as ZENDESK
from integration_pipelines_tests.webhooks import deliveries

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
URL = "https://hooks.example.com/webhooks/hubspot?portal=24681357"


def request(body: bytes, headers: dict[str, str], url: str = URL, method: str = "POST") -> SignedRequest:
    return SignedRequest(method=method, url=url, headers={k.lower(): v for k, v in headers.items()}, body=body)


def rejected(handler, req: SignedRequest, secrets: list[str], now: datetime = NOW) -> str:
    with pytest.raises(Rejected) as info:
        handler.verify(req, secrets, now)
    return info.value.reason


def flip(body: bytes) -> bytes:
    return body[:-2] + bytes([body[-2] ^ 1]) + body[-1:]


def test_zendesk_published_example_verifies() -> None:
    """Zendesk's documented example: secret, body, timestamp and the signature it publishes."""
    req = request(
        b'{"say": "hello"}',
        {
            "X-Zendesk-Webhook-Signature": "tRDSF7URY8BLCDlaBcQ7FHu051Zk+aAB0NKMP53teMw=",
            "X-Zendesk-Webhook-Signature-Timestamp": "2021-07-25T10:00:00Z",
        },
    )
    ZENDESK.verify(req, ["HRkRd4BeOAoUkfZr-mhauJT64rvBASlJRoIyPsd3zeA="], datetime(2021, 7, 25, 10, 1, tzinfo=UTC))
    assert rejected(ZENDESK, req, ["HRkRd4BeOAoUkfZr-mhauJT64rvBASlJRoIyPsd3zeA="]) == "stale"


def test_zendesk_signature_timestamp_body_rotation_and_refusals() -> None:
    body, headers = deliveries.zendesk("ev-1", 42, "status_changed", NOW, signed_at=NOW)
    ZENDESK.verify(request(body, headers), ["old-secret", deliveries.ZENDESK_SECRET], NOW)  # rotation
    assert rejected(ZENDESK, request(flip(body), headers), [deliveries.ZENDESK_SECRET]) == "signature"
    assert rejected(ZENDESK, request(body, headers), ["another-secret"]) == "signature"
    assert rejected(ZENDESK, request(body, headers), [deliveries.ZENDESK_SECRET], NOW + timedelta(minutes=6)) == "stale"
    missing = {k: v for k, v in headers.items() if k != "X-Zendesk-Webhook-Signature"}
    assert rejected(ZENDESK, request(body, missing), [deliveries.ZENDESK_SECRET]) == "signature"
    forged = {**headers, "X-Zendesk-Webhook-Signature-Timestamp": "2026-11-20T12:00:01Z"}
    assert rejected(ZENDESK, request(body, forged), [deliveries.ZENDESK_SECRET]) == "signature"
    assert rejected(ZENDESK, request(body, headers), []) == "forbidden"


def test_hubspot_v3_made_by_hubspots_sdk_verifies() -> None:
    body = deliveries.hubspot_body([deliveries.hubspot_event(1, "contact.propertyChange", 7, NOW)])
    headers = deliveries.hubspot(URL, body, signed_at=NOW)
    HUBSPOT.verify(request(body, headers), [deliveries.HUBSPOT_SECRET], NOW)
    assert rejected(HUBSPOT, request(flip(body), headers), [deliveries.HUBSPOT_SECRET]) == "signature"
    assert rejected(HUBSPOT, request(body, headers, url=URL + "&x=1"), [deliveries.HUBSPOT_SECRET]) == "signature"
    assert rejected(HUBSPOT, request(body, headers, method="PUT"), [deliveries.HUBSPOT_SECRET]) == "signature"
    assert (
        rejected(HUBSPOT, request(body, headers), [deliveries.HUBSPOT_SECRET], NOW + timedelta(minutes=5, seconds=1))
        == "stale"
    )


def test_hubspot_signs_the_uri_with_the_characters_it_decodes() -> None:
    encoded = "https://hooks.example.com/webhooks/hubspot?next=a%3Ab%2Fc"
    body = deliveries.hubspot_body([deliveries.hubspot_event(2, "contact.creation", 8, NOW)])
    headers = deliveries.hubspot("https://hooks.example.com/webhooks/hubspot?next=a:b/c", body, signed_at=NOW)
    HUBSPOT.verify(request(body, headers, url=encoded), [deliveries.HUBSPOT_SECRET], NOW)


def test_hubspot_v1_and_v2_signatures_are_not_accepted() -> None:
    from hubspot.utils.signature import Signature

    body = deliveries.hubspot_body([deliveries.hubspot_event(3, "contact.creation", 9, NOW)])
    for version in ("v1", "v2"):
        signature = Signature.get_signature(
            client_secret=deliveries.HUBSPOT_SECRET, request_body=body.decode(), signature_version=version, http_uri=URL
        )
        req = request(body, {"X-HubSpot-Signature": signature, "X-HubSpot-Signature-Version": version})
        assert rejected(HUBSPOT, req, [deliveries.HUBSPOT_SECRET]) == "signature"


def test_intercom_sha1_signature() -> None:
    body, headers = deliveries.intercom(
        "notif_1", "conversation.user.replied", {"type": "conversation", "id": "5"}, NOW
    )
    INTERCOM.verify(request(body, headers), [deliveries.INTERCOM_SECRET], NOW)
    assert rejected(INTERCOM, request(flip(body), headers), [deliveries.INTERCOM_SECRET]) == "signature"
    assert rejected(INTERCOM, request(body, {}), [deliveries.INTERCOM_SECRET]) == "signature"
    upper = {"X-Hub-Signature": headers["X-Hub-Signature"].replace("sha1=", "sha256=")}
    assert rejected(INTERCOM, request(body, upper), [deliveries.INTERCOM_SECRET]) == "signature"


def test_salesforce_accepts_only_the_configured_organization() -> None:
    body = deliveries.salesforce([("04l1", "Case", "5005g000001", NOW)])
    SALESFORCE.verify(request(body, {}), [deliveries.SALESFORCE_ORG], NOW)
    SALESFORCE.verify(request(body, {}), [deliveries.SALESFORCE_ORG[:15]], NOW)  # 15-character form
    other = deliveries.salesforce([("04l1", "Case", "5005g000001", NOW)], org="00D000000000001AAA")
    assert rejected(SALESFORCE, request(other, {}), [deliveries.SALESFORCE_ORG]) == "forbidden"
    assert rejected(SALESFORCE, request(body, {}), []) == "forbidden"
    assert rejected(SALESFORCE, request(b"<not xml", {}), [deliveries.SALESFORCE_ORG]) == "malformed"


def test_salesforce_refuses_entity_expansion() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><x>&b;</x>'
    assert rejected(SALESFORCE, request(bomb, {}), [deliveries.SALESFORCE_ORG]) == "malformed"


@pytest.mark.parametrize(
    ("handler", "body"),
    [
        (ZENDESK, b'{"type": "ticket"}'),
        (ZENDESK, b"not json"),
        (HUBSPOT, b"[]"),
        (HUBSPOT, b'{"eventId": 1}'),
        (INTERCOM, b'{"topic": "x", "id": "n"}'),
        (INTERCOM, "\udcff".encode("utf-8", "surrogatepass")),
    ],
)
def test_unreadable_bodies_are_malformed(handler, body: bytes) -> None:
    with pytest.raises(Rejected) as info:
        handler.events(request(body, {}))
    assert info.value.reason == "malformed" and info.value.status == 400
