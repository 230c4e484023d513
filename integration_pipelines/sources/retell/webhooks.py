"""Retell webhooks: signature, call events, and the calls they change.

``x-retell-signature: v=<epoch ms>,d=<hex HMAC-SHA256(API key, body + str(ms))>``, as retell-sdk's
``Retell.verify`` checks it (``retell/lib/webhook_auth.py``): the key is the account's API key (the one
marked for webhooks), and a signature more than 5 minutes from now is refused. Payload:
``{"event": "call_started" | "call_ended" | "call_analyzed", "call": {<the get-call object>}}``.
Retell sends no event id, so a delivery's key is the hash of its event and call id (each event comes
once per call; a retry re-signs the same body). No event announces ``delete-call``: deletes are not
observable here (see README.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from integration_pipelines.lib.webhooks.events import Change, Rejected, SignedRequest, WebhookEvent
from integration_pipelines.lib.webhooks.payloads import JSON_ACK, content_key, epoch_time, json_body, require
from integration_pipelines.lib.webhooks.signatures import hmac_digest, require_fresh, require_signature
from integration_pipelines.sources.retell import settings

SIGNATURE = "x-retell-signature"
_FORMAT = re.compile(r"v=(\d+),d=([0-9a-f]{64})")
CALL_EVENTS = ("call_started", "call_ended", "call_analyzed")
TOLERANCE = timedelta(minutes=5)  # the SDK's FIVE_MINUTES


def sign(secret: str, body: bytes, timestamp_ms: int) -> str:
    """The header Retell sends for ``body`` at ``timestamp_ms``."""
    return f"v={timestamp_ms},d={hmac_digest(secret, body + str(timestamp_ms).encode()).hex()}"


class RetellWebhooks:
    vendor = "retell"
    settle_seconds = 0  # list-calls shows a call at once
    sandbox_secrets = (settings.SANDBOX_WEBHOOK_SECRET,)  # accepted locally when no variable is set
    secret_variables = ("RETELL_WEBHOOK_SECRETS", "RETELL_API_KEY")

    def verify(self, request: SignedRequest, secrets: Sequence[str], now: datetime) -> None:
        given = request.header(SIGNATURE)
        match = _FORMAT.fullmatch(given or "")
        if given and not match:
            raise Rejected("signature", f"{SIGNATURE} is not v=<ms>,d=<hex sha256>")
        timestamp = int(match.group(1)) if match else 0
        require_signature(given, secrets, lambda secret: [sign(secret, request.body, timestamp)], SIGNATURE)
        try:
            signed_at = datetime.fromtimestamp(timestamp / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            raise Rejected("stale", f"{SIGNATURE} carries no usable time") from None
        require_fresh(signed_at, now, TOLERANCE)

    def events(self, request: SignedRequest) -> list[WebhookEvent]:
        payload = json_body(request.body)
        event = str(require(payload, "event", "the webhook"))
        call = require(payload, "call", "the webhook")
        call_id = str(require(call, "call_id", "the webhook's call"))
        started, ended = call.get("start_timestamp"), call.get("end_timestamp")
        if started is None and ended is None:  # a call that never connected may have no start, and so no end
            raise Rejected("malformed", "the webhook's call has neither 'start_timestamp' nor 'end_timestamp'")
        if event == "call_started" or ended is None:
            occurred = epoch_time(started, "start_timestamp", millis=True)
        else:
            occurred = epoch_time(ended, "end_timestamp", millis=True)
        return [
            WebhookEvent(key=content_key("retell", event, call_id), topic=event, occurred_at=occurred, payload=payload)
        ]

    def changes(self, event: WebhookEvent) -> list[Change]:
        """The call, dated by its start: that is the day its partition holds (not the event's own time). A call
        without a start (never connected) is in no partition: list-calls, which filters on it, never shows it."""
        call = event.payload.get("call") or {}
        if event.topic not in CALL_EVENTS or not call.get("call_id") or call.get("start_timestamp") is None:
            return []
        started = epoch_time(call.get("start_timestamp"), "start_timestamp", millis=True)
        return [Change("calls", str(call["call_id"]), started)]

    def acknowledge(self, events: Sequence[WebhookEvent]) -> tuple[bytes, str]:
        return JSON_ACK


WEBHOOKS = RetellWebhooks()
