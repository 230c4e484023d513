"""Twilio's exportable objects as data: the Messages list, its filters and the typed columns we keep.

- ``messages``: ``GET /2010-04-01/Accounts/{AccountSid}/Messages.json``, every SMS and WhatsApp message
  the account sent or received. Twilio writes its times in RFC 2822 (``Mon, 16 Aug 2010 03:45:01
  +0000``), so the timestamp columns parse that form (ISO-8601 is read too). ``date_updated`` is the
  version: it moves with every status change (queued → sent → delivered → read) and with a redaction.

Derived columns: ``channel`` is ``whatsapp`` when either address starts with ``whatsapp:``, else
``sms``; ``thread_id`` identifies the customer's address and the company sender (a hash of
``{customer}|{sender}``, see ``thread_key``), the conversation an SMS or WhatsApp message belongs to;
``media_uri`` is the ``subresource_uris.media`` link (media bytes are never fetched). ``is_deleted``:
a message whose body was redacted (``Body=""`` posted to it, Twilio's documented redaction) and that
carries no media, or a record flagged ``deleted``. A message deleted with ``DELETE`` vanishes from the
list and cannot be observed (see README.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from integration_pipelines.lib.records import Column, parse_timestamp

WHATSAPP_PREFIX = "whatsapp:"


def parse_twilio_time(value: Any) -> datetime | None:
    """RFC 2822 as Twilio writes it (ISO-8601 and datetimes too); raises ValueError on anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value[:1].isalpha():  # "Mon, 16 Aug 2010 ..."
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            raise ValueError(f"{value!r} is not an RFC 2822 time") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return parse_timestamp(value)


def time_or_reason(value: Any) -> datetime | str:
    """A record's time, or why it has none ("null" or "malformed"), to place it in a window or quarantine it."""
    try:
        parsed = parse_twilio_time(value)
    except (TypeError, ValueError, OverflowError):
        return "malformed"
    return "null" if parsed is None else parsed


def _time(field: str):
    def read(record: Mapping[str, Any]) -> datetime | None:
        return parse_twilio_time(record.get(field))

    return read


def channel_of(record: Mapping[str, Any]) -> str:
    addresses = (str(record.get("from") or ""), str(record.get("to") or ""))
    return "whatsapp" if any(a.startswith(WHATSAPP_PREFIX) for a in addresses) else "sms"


def thread_key(customer: str, sender: str) -> str:
    """``TH`` + 32 hex of SHA-256(``{customer address}|{company sender}``): the same for every message of
    the pair, and no phone number in it, so feedback rows and their exports carry none outside the text."""
    return "TH" + hashlib.sha256(f"{customer}|{sender}".encode()).hexdigest()[:32]


def thread_of(record: Mapping[str, Any]) -> str | None:
    """The thread of the customer's address and the company sender: inbound messages come from the
    customer, the rest go to them."""
    sender, recipient = record.get("from"), record.get("to")
    if sender is None or recipient is None:
        return None
    inbound = str(record.get("direction") or "") == "inbound"
    return thread_key(str(sender), str(recipient)) if inbound else thread_key(str(recipient), str(sender))


def _count(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def is_deleted(record: Mapping[str, Any]) -> bool:
    if record.get("deleted") is True:
        return True
    return record.get("body") == "" and _count(record.get("num_media")) == 0


@dataclass(frozen=True)
class TwilioObject:
    name: str
    path: str  # under the API root; ``{account_sid}`` is filled in
    records_key: str
    columns: tuple[Column, ...]
    primary_key: str = "sid"
    version_column: str = "date_updated"  # latest wins; also the partitioning day


MESSAGES = TwilioObject(
    name="messages",
    path="/2010-04-01/Accounts/{account_sid}/Messages.json",
    records_key="messages",
    columns=(
        Column("sid", "string"),
        Column("account_sid", "string"),
        Column("messaging_service_sid", "string"),
        Column("direction", "string"),
        Column("from_address", "string", source="from"),
        Column("to_address", "string", source="to"),
        Column("channel", "string", derive=channel_of),
        Column("thread_id", "string", derive=thread_of),
        Column("body", "string"),
        Column("status", "string"),
        Column("num_segments", "int"),
        Column("num_media", "int"),
        Column("error_code", "int"),
        Column("error_message", "string"),
        Column("price", "float"),
        Column("price_unit", "string"),
        Column("date_created", "timestamp", derive=_time("date_created")),
        Column("date_sent", "timestamp", derive=_time("date_sent")),
        Column("date_updated", "timestamp", derive=_time("date_updated")),
        Column("media_uri", "string", source="subresource_uris.media"),
        Column("uri", "string"),
        Column("is_deleted", "bool", derive=is_deleted),
    ),
)

OBJECTS: dict[str, TwilioObject] = {o.name: o for o in (MESSAGES,)}
