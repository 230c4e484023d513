"""Twilio Message resources as the sandbox serves them, replayed from the shared pool of customers.

Every ``voices.scripts(world, "sms")`` and ``voices.scripts(world, "whatsapp")`` script is one thread
between the customer's phone (``whatsapp:+...`` on WhatsApp) and the company's sender: customer turns
are inbound (``received``), agent turns outbound (``outbound-api``, or ``outbound-reply`` right after a
customer turn) ending ``delivered`` (SMS) or ``read`` (WhatsApp), a few ``undelivered`` with error
30003. A few customer turns carry a photo (``num_media`` 1, SID prefix ``MM``, a Media subresource).
Times are RFC 2822 in GMT, counts and prices strings, as Twilio writes them. Seeded per script, so the
same world always gives the same messages.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from vendor_sandbox import voices
from vendor_sandbox.world import World

ACCOUNT_SID = "AC5a9d1e0c7b3f4a2e8d6c1b0a9f8e7d6c"
API_VERSION = "2010-04-01"
SMS_SENDER = "+966115550101"  # the company's long code
WHATSAPP_SENDER = "whatsapp:+966115550100"  # the company's WhatsApp Business sender
MESSAGING_SERVICE_SID = "MG3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f"  # the SMS messaging service (its number pool)
CHANNELS = ("sms", "whatsapp")
MEDIA_SHARE = 0.08  # of customer turns carry a photo
GSM_7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)


@dataclass(frozen=True)
class Message:
    """One message as the sandbox holds it; ``record()`` is its REST shape."""

    sid: str
    channel: str
    direction: str
    sender: str
    recipient: str
    body: str
    status: str
    num_media: int
    date_created: datetime
    date_sent: datetime
    date_updated: datetime
    customer_id: int
    role: str  # customer or agent
    error_code: int | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def thread(self) -> str:
        """The customer's address and the company sender, as the connector keys a thread."""
        return f"{self.sender}|{self.recipient}" if self.direction == "inbound" else f"{self.recipient}|{self.sender}"

    def record(self) -> dict[str, Any]:
        base = f"/{API_VERSION}/Accounts/{ACCOUNT_SID}/Messages/{self.sid}"
        price = None if self.status in ("undelivered",) else ("-0.0050" if self.channel == "whatsapp" else "-0.0790")
        return {
            "account_sid": ACCOUNT_SID,
            "api_version": API_VERSION,
            "body": self.body,
            "date_created": rfc2822(self.date_created),
            "date_sent": rfc2822(self.date_sent),
            "date_updated": rfc2822(self.date_updated),
            "direction": self.direction,
            "error_code": self.error_code,
            "error_message": "Unreachable destination handset" if self.error_code == 30003 else None,
            "from": self.sender,
            "messaging_service_sid": MESSAGING_SERVICE_SID
            if self.channel == "sms" and self.direction != "inbound"
            else None,
            "num_media": str(self.num_media),
            "num_segments": str(segments(self.body) if self.channel == "sms" else 1),
            "price": price,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {"media": f"{base}/Media.json", "feedback": f"{base}/Feedback.json"},
            "tags": {},
            "to": self.recipient,
            "uri": f"{base}.json",
            **self.extra,
        }


def rfc2822(moment: datetime | None) -> str | None:
    return None if moment is None else format_datetime(moment.astimezone(UTC).replace(microsecond=0))


def segments(body: str) -> int:
    """SMS segments: 160 GSM-7 characters (153 when split), else 70 UCS-2 (67 when split); at least 1."""
    single, split = (160, 153) if set(body) <= GSM_7 else (70, 67)
    length = len(body)
    return 1 if length <= single else -(-length // split)


def sid(prefix: str, *parts: object) -> str:
    return prefix + hashlib.md5(":".join(map(str, parts)).encode()).hexdigest()


def sender_of(channel: str) -> str:
    return WHATSAPP_SENDER if channel == "whatsapp" else SMS_SENDER


def address_of(phone: str, channel: str) -> str:
    return f"whatsapp:{phone}" if channel == "whatsapp" else phone


def messages(world: World) -> list[Message]:
    """Every message of every SMS and WhatsApp script, in time order."""
    out: list[Message] = []
    for channel in CHANNELS:
        for script in voices.scripts(world, channel):
            out.extend(script_messages(world, channel, script))
    return sorted(out, key=lambda m: (m.date_sent, m.sid))


def script_messages(world: World, channel: str, script: voices.Script) -> list[Message]:
    rng = random.Random(f"twilio:{world.config.seed}:{channel}:{script.number}")
    customer = address_of(str(script.customer.phone), channel)
    company = sender_of(channel)
    moment, out, previous = script.at, [], ""
    for k, turn in enumerate(script.turns):
        if k:
            moment += timedelta(seconds=rng.randrange(30, 300))
        key = (world.config.seed, channel, script.number, k)
        if turn.role == "customer":
            media = 1 if rng.random() < MEDIA_SHARE else 0
            out.append(
                Message(
                    sid("MM" if media else "SM", *key),
                    channel,
                    "inbound",
                    customer,
                    company,
                    turn.text,
                    "received",
                    media,
                    moment,
                    moment,
                    moment,
                    script.customer.id,
                    "customer",
                )
            )
        else:
            failed = rng.random() < 0.04
            status = "undelivered" if failed else ("read" if channel == "whatsapp" else "delivered")
            receipt = moment + timedelta(seconds=rng.randrange(2, 40))
            out.append(
                Message(
                    sid("SM", *key),
                    channel,
                    "outbound-reply" if previous == "customer" and rng.random() < 0.3 else "outbound-api",
                    company,
                    customer,
                    turn.text,
                    status,
                    0,
                    moment - timedelta(seconds=1),
                    moment,
                    receipt,
                    script.customer.id,
                    "agent",
                    30003 if failed else None,
                )
            )
        previous = turn.role
    return out


def media_list(message: Message) -> dict[str, Any]:
    """The message's Media list: a photo's metadata and link (its bytes are not served)."""
    base = f"/{API_VERSION}/Accounts/{ACCOUNT_SID}/Messages/{message.sid}/Media"
    media = [
        {
            "account_sid": ACCOUNT_SID,
            "content_type": "image/jpeg",
            "date_created": rfc2822(message.date_created),
            "date_updated": rfc2822(message.date_created),
            "parent_sid": message.sid,
            "sid": sid("ME", message.sid, n),
            "uri": f"{base}/{sid('ME', message.sid, n)}.json",
        }
        for n in range(message.num_media)
    ]
    uri = f"{base}.json"
    return {
        "media_list": media,
        "end": max(len(media) - 1, 0),
        "first_page_uri": f"{uri}?PageSize=50&Page=0",
        "next_page_uri": None,
        "page": 0,
        "page_size": 50,
        "previous_page_uri": None,
        "start": 0,
        "uri": f"{uri}?PageSize=50&Page=0",
    }


def redacted(message: Message, at: datetime) -> Message:
    return replace(message, body="", date_updated=at)
