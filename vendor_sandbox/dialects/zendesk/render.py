"""Render the neutral sandbox world as Zendesk Support API objects (tickets, users, orgs, events)."""

from __future__ import annotations

from datetime import datetime

from vendor_sandbox.world import Company, Conversation, Message, Person

VIA_CHANNEL = {"email": "email", "web": "web", "chat": "chat", "whatsapp": "whatsapp", "phone": "voice", "api": "api"}


def iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def ticket(conv: Conversation, base: str) -> dict:
    first = conv.messages[0] if conv.messages else None
    return {
        "url": f"{base}/api/v2/tickets/{conv.id}.json",
        "id": conv.id,
        "external_id": None,
        "via": {"channel": VIA_CHANNEL.get(conv.channel, conv.channel), "source": {"from": {}, "to": {}, "rel": None}},
        "created_at": iso(conv.created_at),
        "updated_at": iso(conv.updated_at),
        "generated_timestamp": int(conv.updated_at.timestamp()),
        "type": "question" if "question" in conv.tags else "problem" if "complaint" in conv.tags else None,
        "subject": conv.subject,
        "raw_subject": conv.subject,
        "description": first.body if first else "",
        "priority": conv.priority,
        "status": "deleted" if conv.deleted_at else conv.status,
        "recipient": None,
        "requester_id": conv.requester_id,
        "submitter_id": conv.requester_id,
        "assignee_id": conv.assignee_id,
        "organization_id": conv.company_id,
        "group_id": 360000000001,
        "collaborator_ids": [],
        "follower_ids": [],
        "email_cc_ids": [],
        "has_incidents": False,
        "is_public": True,
        "due_at": None,
        "tags": list(conv.tags),
        "custom_fields": [{"id": 360000000101, "value": conv.channel}],
        "satisfaction_rating": None,
        "brand_id": 360000000002,
        "allow_channelback": False,
        "allow_attachments": True,
        "from_messaging_channel": conv.channel in ("chat", "whatsapp"),
    }


def user(person: Person, base: str) -> dict:
    return {
        "url": f"{base}/api/v2/users/{person.id}.json",
        "id": person.id,
        "name": person.name,
        "email": person.email,
        "created_at": iso(person.created_at),
        "updated_at": iso(person.updated_at),
        "time_zone": "Riyadh" if person.locale == "ar" else "London",
        "phone": person.phone,
        "locale": "ar" if person.locale == "ar" else "en-US",
        "organization_id": person.company_id,
        "role": "agent" if person.role == "agent" else "end-user",
        "verified": True,
        "active": True,
        "suspended": False,
        "tags": [],
        "user_fields": {},
    }


def organization(company: Company, base: str) -> dict:
    return {
        "url": f"{base}/api/v2/organizations/{company.id}.json",
        "id": company.id,
        "name": company.name,
        "created_at": iso(company.created_at),
        "updated_at": iso(company.updated_at),
        "domain_names": [company.domain],
        "details": "",
        "notes": "",
        "group_id": None,
        "shared_tickets": False,
        "shared_comments": False,
        "tags": [company.country.lower()],
        "organization_fields": {"country": company.country},
    }


def comment_event(message: Message, conversation: Conversation) -> dict:
    """A ticket audit carrying one Comment child event, as the ticket-events export returns it."""
    channel = VIA_CHANNEL.get(conversation.channel, "web")
    return {
        "id": message.id + 9_000_000_000,
        "ticket_id": message.conversation_id,
        "timestamp": int(message.created_at.timestamp()),
        "created_at": iso(message.created_at),
        "updater_id": message.author_id,
        "via": channel,
        "event_type": "Audit",
        "child_events": [
            {
                "id": message.id,
                "via": channel,
                "type": "Comment",
                "event_type": "Comment",
                "author_id": message.author_id,
                "body": message.body,
                "html_body": f'<div class="zd-comment"><p>{message.body}</p></div>',
                "public": message.public,
                "attachments": [],
                "created_at": iso(message.created_at),
            }
        ],
    }
