"""Twilio Messaging webhooks (incoming messages and status callbacks): signature, events, changes.

Signature, as Twilio's ``RequestValidator`` computes it: ``X-Twilio-Signature`` = base64(HMAC-SHA1(the
account's primary Auth Token, the full URL Twilio called (query included) + every POST parameter sorted
by name, each written name + value)). For ``application/json`` bodies the URL carries ``bodySHA256``
(hex SHA-256 of the body) and no parameters are appended. The URL is checked with and without the
default port, as the SDK does. A ``X-Twilio-Webhooks-Signature-Settings: ...,algorithm=HMAC_SHA256``
header (a Webhooks Rule with a shared key) switches the hash to SHA-256 over the same string, keyed by
the configured secret. Twilio signs no timestamp, so nothing can be refused as stale: a replay is
stored once under its event key (``I-Twilio-Idempotency-Token``, the same on every retry; else the
message SID and status).

Events carry no time either: one happens when it is received. Each becomes
``Change("messages", MessageSid)``. Twilio announces no deletion (a ``DELETE`` or a redaction sends
nothing), so no change here is a tombstone; redactions arrive through the list (see README.md).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import parse_qs, parse_qsl, urlsplit, urlunsplit

from integration_pipelines.lib.webhooks.events import Change, Rejected, SignedRequest, WebhookEvent
from integration_pipelines.lib.webhooks.payloads import content_key, json_body
from integration_pipelines.lib.webhooks.signatures import b64, hmac_digest, require_signature
from integration_pipelines.sources.twilio import settings

SIGNATURE = "X-Twilio-Signature"
SIGNATURE_SETTINGS = "X-Twilio-Webhooks-Signature-Settings"
IDEMPOTENCY = "I-Twilio-Idempotency-Token"
ALGORITHMS = {"HMAC_SHA1": hashlib.sha1, "HMAC_SHA256": hashlib.sha256}
# The empty TwiML document: "received, nothing to send back" (an incoming message's webhook expects TwiML).
EMPTY_TWIML = (b'<?xml version="1.0" encoding="UTF-8"?><Response/>', "text/xml")


def form_params(body: bytes) -> list[tuple[str, str]]:
    return parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)


def signed_string(url: str, params: Sequence[tuple[str, str]]) -> str:
    """The URL, then each parameter name (sorted) with each of its distinct values (sorted)."""
    values: dict[str, set[str]] = {}
    for name, value in params:
        values.setdefault(name, set()).add(value)
    return url + "".join(name + value for name in sorted(values) for value in sorted(values[name]))


def url_variants(url: str) -> list[str]:
    """The URL without and with its port (the scheme's default when none is given), as the SDK checks both:
    Twilio signs the URL as configured, with or without an explicit port."""
    parts = urlsplit(url)
    if parts.port is None:
        default = 443 if parts.scheme == "https" else 80
        return [url, urlunsplit(parts._replace(netloc=f"{parts.netloc}:{default}"))]
    return [urlunsplit(parts._replace(netloc=parts.netloc.split(":")[0])), url]


def algorithm_of(request: SignedRequest) -> str:
    for part in (request.header(SIGNATURE_SETTINGS) or "").split(","):
        name, sep, value = part.partition("=")
        if sep and name.strip() == "algorithm" and value.strip():
            return value.strip().upper()
    return "HMAC_SHA1"


def _is_json(request: SignedRequest) -> bool:
    return (request.header("content-type") or "").split(";")[0].strip().lower() == "application/json"


class TwilioWebhooks:
    vendor = "twilio"
    settle_seconds = 0  # a message and its status show in the Messages list at once
    sandbox_secrets = (settings.SANDBOX_WEBHOOK_SECRET,)  # accepted locally when no variable is set
    secret_variables = ("TWILIO_WEBHOOK_SECRETS", "TWILIO_AUTH_TOKEN")

    def verify(self, request: SignedRequest, secrets: Sequence[str], now: datetime) -> None:
        algorithm = ALGORITHMS.get(algorithm_of(request))
        if algorithm is None:
            raise Rejected("signature", f"unsupported {SIGNATURE_SETTINGS} algorithm")
        if _is_json(request):
            expected = (parse_qs(urlsplit(request.url).query).get("bodySHA256") or [""])[0]
            actual = hashlib.sha256(request.body).hexdigest()
            if not hmac.compare_digest(expected.encode(), actual.encode()):
                raise Rejected("signature", "bodySHA256 does not match the JSON body")
            params: list[tuple[str, str]] = []
        else:
            params = form_params(request.body)
        messages = [signed_string(url, params).encode() for url in url_variants(request.url)]

        def sign(secret: str) -> list[str]:
            return [b64(hmac_digest(secret, m, algorithm)) for m in messages]

        require_signature(request.header(SIGNATURE), secrets, sign, SIGNATURE)

    def events(self, request: SignedRequest) -> list[WebhookEvent]:
        if _is_json(request):
            payload = json_body(request.body)
            if not isinstance(payload, dict):
                raise Rejected("malformed", "the JSON body is not an object")
            fields = {str(k): str(v) for k, v in payload.items() if v is not None}
        else:
            fields = dict(form_params(request.body))  # names repeat only for values Twilio never repeats
        sid = fields.get("MessageSid") or fields.get("SmsSid") or fields.get("SmsMessageSid")
        if not sid:
            raise Rejected("malformed", "the webhook has no 'MessageSid'")
        status = fields.get("MessageStatus") or fields.get("SmsStatus") or ""
        topic = "message.received" if status in ("received", "receiving") else f"message.{status or 'unknown'}"
        key = request.header(IDEMPOTENCY) or content_key("twilio", sid, status, fields.get("ErrorCode", ""))
        return [WebhookEvent(key=key, topic=topic, occurred_at=datetime.now(UTC), payload=fields)]

    def changes(self, event: WebhookEvent) -> list[Change]:
        sid = str(event.payload.get("MessageSid") or event.payload.get("SmsSid") or "")
        return [Change("messages", sid, event.occurred_at)] if sid else []

    def acknowledge(self, events: Sequence[WebhookEvent]) -> tuple[bytes, str]:
        return EMPTY_TWIML


WEBHOOKS = TwilioWebhooks()
