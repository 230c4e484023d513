"""Twilio Messaging webhooks as Twilio sends them: form-encoded POSTs signed with the Auth Token.

An incoming message goes to the sender's messaging webhook (its TwiML answer is what Twilio replies
with; an empty ``<Response/>`` sends nothing); a status change goes to the message's StatusCallback.
``X-Twilio-Signature`` = base64(HMAC-SHA1(Auth Token, the full URL + each POST parameter, sorted by
name, as name + value)). Every attempt is the same request: same body, same signature and the same
``I-Twilio-Idempotency-Token`` (Twilio retries once on a connection failure or timeout by default).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlencode

from vendor_sandbox.changefeed.model import Change, Delivery, FeedContext
from vendor_sandbox.dialects.twilio.render import ACCOUNT_SID, API_VERSION


def sign(auth_token: str, url: str, params: list[tuple[str, str]]) -> str:
    values: dict[str, set[str]] = {}
    for name, value in params:
        values.setdefault(name, set()).add(value)
    signed = url + "".join(name + value for name in sorted(values) for value in sorted(values[name]))
    return base64.b64encode(hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()).decode()


def params(change: Change) -> list[tuple[str, str]]:
    """The POST parameters of the change's webhook (incoming message or status callback)."""
    record = change.item["record"]
    sid = record["sid"]
    common = [
        ("MessageSid", sid),
        ("SmsSid", sid),
        ("AccountSid", ACCOUNT_SID),
        ("From", record["from"]),
        ("To", record["to"]),
        ("ApiVersion", API_VERSION),
    ]
    whatsapp = record["from"].startswith("whatsapp:") or record["to"].startswith("whatsapp:")
    if change.kind == "new_message":
        fields = [
            *common,
            ("SmsMessageSid", sid),
            ("Body", record["body"]),
            ("NumMedia", record["num_media"]),
            ("NumSegments", record["num_segments"]),
            ("SmsStatus", "received"),
        ]
        if whatsapp:
            fields += [("ProfileName", "Customer"), ("WaId", record["from"].removeprefix("whatsapp:+"))]
        return fields
    fields = [*common, ("MessageStatus", record["status"]), ("SmsStatus", record["status"])]
    if record.get("messaging_service_sid"):
        fields.append(("MessagingServiceSid", record["messaging_service_sid"]))
    if whatsapp:
        fields += [("ChannelPrefix", "whatsapp"), ("ChannelToAddress", record["to"].removeprefix("whatsapp:"))]
    return fields


def delivery(change: Change, url: str, context: FeedContext) -> Delivery:
    fields = params(change)
    body = urlencode(fields).encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "User-Agent": "TwilioProxy/1.1",
        "X-Twilio-Signature": sign(context.secret, url, fields),
        "I-Twilio-Idempotency-Token": change.event_id,
    }
    return Delivery("twilio", url, (change.event_id,), lambda attempt: (body, headers))
