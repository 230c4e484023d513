"""Render the neutral sandbox world as Intercom API objects: contacts, admins, conversations, parts.

Ids follow Intercom's shapes and are derived deterministically from world ids, so tests can map
back: contacts and companies get 24-hex ids (ObjectId-like: creation time, then a bijective hash of
the world id), admins, conversations and parts numeric strings. A contact's ``external_id`` is
its world id, as an app that identifies its users would set it.

Conversation shape (API 2.11): the first message is the conversation's ``source``; later messages
are ``conversation_parts`` (customer and public agent messages ``comment``, internal notes ``note``,
the agent reply that resolved a closed conversation ``close``, bot messages authored by ``bot``),
plus one bodiless ``assignment`` part per assigned conversation. Search results carry no parts;
``GET /conversations/{id}`` does. Bodies are HTML unless the caller asks for ``display_as=plaintext``.
"""

from __future__ import annotations

import zlib
from datetime import datetime
from html import escape

from vendor_sandbox.world import Company, Conversation, Message, Person, World

WORKSPACE_ID = "sbx4ic0m"
ASSIGNMENT_PART_BASE = 9_000_000_000  # assignment parts are not world messages; keep their ids apart
SOURCE_TYPE = {"chat": "conversation", "whatsapp": "whatsapp", "email": "email", "phone": "phone_call"}
STATE = {"new": "open", "open": "open", "pending": "open", "hold": "snoozed", "solved": "closed", "closed": "closed"}
AUTHOR_TYPE = {"customer": "user", "agent": "admin", "system": "bot"}
_MIX = 0x9E3779B97F4A7C15  # odd, so multiplication modulo 2**64 is a bijection: distinct ids stay distinct


def epoch(ts: datetime) -> int:
    return int(ts.timestamp())


def object_id(world_id: int, created_at: datetime) -> str:
    """A 24-hex id like Intercom's (and MongoDB's): creation second, then 16 hex of a bijective mix."""
    return f"{epoch(created_at) & 0xFFFFFFFF:08x}{(world_id * _MIX) % 2**64:016x}"


def contact_id(person: Person) -> str:
    return object_id(person.id, person.created_at)


def company_id(company: Company) -> str:
    return object_id(company.id + 10**9, company.created_at)


def admin_id(person_id: int) -> str:
    return str(person_id)


def html(text: str) -> str:
    """Intercom stores message bodies as HTML: one paragraph per line."""
    return "".join(f"<p>{escape(line, quote=False)}</p>" for line in text.split("\n"))


def tag_id(name: str) -> str:
    return str(zlib.crc32(name.encode()) % 10_000_000)


def contact(person: Person, world: World) -> dict:
    company = world.company(person.company_id) if person.company_id is not None else None
    companies = (
        [{"type": "company", "id": company_id(company), "url": f"/companies/{company_id(company)}"}] if company else []
    )
    cid = contact_id(person)
    return {
        "type": "contact",
        "id": cid,
        "workspace_id": WORKSPACE_ID,
        "external_id": str(person.id),
        "role": "user",
        "email": person.email,
        "email_domain": person.email.rsplit("@", 1)[-1],
        "phone": person.phone,
        "formatted_phone": person.phone,
        "name": person.name,
        "avatar": None,
        "owner_id": None,
        "social_profiles": {"type": "list", "data": []},
        "has_hard_bounced": False,
        "marked_email_as_spam": False,
        "unsubscribed_from_emails": False,
        "created_at": epoch(person.created_at),
        "updated_at": epoch(person.updated_at),
        "signed_up_at": epoch(person.created_at),
        "last_seen_at": epoch(person.updated_at),
        "last_replied_at": None,
        "last_contacted_at": None,
        "last_email_opened_at": None,
        "last_email_clicked_at": None,
        "language_override": person.locale,
        "browser_language": person.locale,
        "custom_attributes": {},
        "tags": {"type": "list", "data": [], "url": f"/contacts/{cid}/tags", "total_count": 0, "has_more": False},
        "notes": {"type": "list", "data": [], "url": f"/contacts/{cid}/notes", "total_count": 0, "has_more": False},
        "companies": {
            "type": "list",
            "data": companies,
            "url": f"/contacts/{cid}/companies",
            "total_count": len(companies),
            "has_more": False,
        },
        "location": {
            "type": "location",
            "country": None,
            "region": None,
            "city": None,
            "country_code": None,
            "continent_code": None,
        },
        "utm_source": None,
        "referrer": None,
    }


def admin(person: Person) -> dict:
    return {
        "type": "admin",
        "id": admin_id(person.id),
        "name": person.name,
        "email": person.email,
        "email_verified": True,
        "job_title": "Support",
        "away_mode_enabled": False,
        "away_mode_reassign": False,
        "has_inbox_seat": True,
        "team_ids": [],
    }


def _author(message: Message, world: World) -> dict:
    person = world.person(message.author_id)
    kind = AUTHOR_TYPE[message.author_role]
    author_id = contact_id(person) if kind == "user" else admin_id(person.id)
    return {"type": kind, "id": author_id, "name": person.name, "email": person.email}


def _closing_reply(conv: Conversation) -> Message | None:
    """The last public agent message of a closed conversation: Intercom records it as a ``close`` part."""
    if STATE[conv.status] != "closed":
        return None
    public = [m for m in conv.messages[1:] if m.public and m.author_role != "system"]
    return public[-1] if public and public[-1].author_role == "agent" else None


def parts(conv: Conversation, world: World, plaintext: bool) -> list[dict]:
    closing = _closing_reply(conv)
    out = []
    for message in conv.messages[1:]:
        kind = "note" if not message.public else "close" if message is closing else "comment"
        out.append(
            _part(
                str(message.id),
                kind,
                message.body if plaintext else html(message.body),
                message.created_at,
                _author(message, world),
            )
        )
    if conv.assignee_id is not None:
        agent_replies = [m for m in conv.messages if m.author_role == "agent"]
        at = agent_replies[0].created_at if agent_replies else conv.created_at
        assignee = world.person(conv.assignee_id)
        out.append(
            _part(
                str(ASSIGNMENT_PART_BASE + conv.id),
                "assignment",
                None,
                at,
                {"type": "admin", "id": admin_id(assignee.id), "name": assignee.name, "email": assignee.email},
                {"type": "admin", "id": admin_id(assignee.id)},
            )
        )
    out.sort(key=lambda p: (p["created_at"], p["id"]))
    return out


def _part(
    part_id: str, kind: str, body: str | None, at: datetime, author: dict, assigned_to: dict | None = None
) -> dict:
    return {
        "type": "conversation_part",
        "id": part_id,
        "part_type": kind,
        "body": body,
        "created_at": epoch(at),
        "updated_at": epoch(at),
        "notified_at": epoch(at),
        "assigned_to": assigned_to,
        "author": author,
        "attachments": [],
        "external_id": None,
        "redacted": False,
    }


def conversation(conv: Conversation, world: World, *, plaintext: bool = False, with_parts: bool = False) -> dict:
    first = conv.messages[0]
    requester = world.person(conv.requester_id)
    source_type = SOURCE_TYPE.get(conv.channel, "conversation")
    state = STATE[conv.status]
    humans = [m for m in conv.messages if m.public and m.author_role != "system"]
    waiting = (
        epoch(humans[-1].created_at) if state == "open" and humans and humans[-1].author_role == "customer" else None
    )
    agent_replies = [m for m in conv.messages if m.author_role == "agent" and m.public]
    teammates = sorted(
        {m.author_id for m in conv.messages if m.author_role == "agent"}
        | ({conv.assignee_id} if conv.assignee_id is not None else set())
    )
    record = {
        "type": "conversation",
        "id": str(conv.id),
        "title": conv.subject if plaintext else escape(conv.subject, quote=False),
        "created_at": epoch(conv.created_at),
        "updated_at": epoch(conv.updated_at),
        "waiting_since": waiting,
        "snoozed_until": epoch(conv.updated_at) + 86_400 if state == "snoozed" else None,
        "open": state != "closed",
        "state": state,
        "read": True,
        "priority": "priority" if conv.priority in ("urgent", "high") else "not_priority",
        "admin_assignee_id": conv.assignee_id,
        "team_assignee_id": None,
        "tags": {"type": "tag.list", "tags": [{"type": "tag", "id": tag_id(t), "name": t} for t in conv.tags]},
        "conversation_rating": None,
        "source": {
            "type": source_type,
            "id": str(first.id),
            "delivered_as": "customer_initiated",
            "subject": "",
            "body": first.body if plaintext else html(first.body),
            "author": _author(first, world),
            "attachments": [],
            "url": None,
            "redacted": False,
        },
        "contacts": {
            "type": "contact.list",
            "contacts": [{"type": "contact", "id": contact_id(requester), "external_id": str(requester.id)}],
        },
        "teammates": {"type": "admin.list", "admins": [{"type": "admin", "id": admin_id(t)} for t in teammates]},
        "custom_attributes": {"Channel": conv.channel},
        "first_contact_reply": {"created_at": epoch(first.created_at), "type": source_type, "url": None},
        "sla_applied": None,
        "statistics": {
            "type": "conversation_statistics",
            "first_contact_reply_at": epoch(first.created_at),
            "first_admin_reply_at": epoch(agent_replies[0].created_at) if agent_replies else None,
            "last_admin_reply_at": epoch(agent_replies[-1].created_at) if agent_replies else None,
            "count_conversation_parts": len(conv.messages) - 1 + (conv.assignee_id is not None),
        },
        "linked_objects": {"type": "list", "data": [], "total_count": 0, "has_more": False},
        "ai_agent_participated": False,
    }
    if with_parts:
        conversation_parts = parts(conv, world, plaintext)
        record["conversation_parts"] = {
            "type": "conversation_part.list",
            "conversation_parts": conversation_parts,
            "total_count": len(conversation_parts),
        }
    return record
