"""CRM facts derived from the world, shared by every dialect so all systems tell one story.

Which system each conversation lives in, deals, which contacts and companies were deleted, and a
marketing import that touches many contacts on one day (dense enough to exceed HubSpot's 10,000-
result search cap). Derived with their own seeded RNG, so adding them never reshuffles the world.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from vendor_sandbox.world import Conversation, World

SYSTEMS = ("zendesk", "salesforce", "hubspot", "intercom")
DEAL_STAGES = (
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
    "closedwon",
    "closedlost",
)
CURRENCIES = {
    "SA": "SAR",
    "AE": "AED",
    "KW": "KWD",
    "QA": "QAR",
    "BH": "BHD",
    "OM": "OMR",
    "EG": "EGP",
    "GB": "GBP",
    "US": "USD",
}
IMPORT_DAY_OFFSET = 2  # the marketing import happened two days before the anchor

DEAL_KINDS = ("renewal", "expansion", "pilot", "new branch", "annual plan")


@dataclass(frozen=True)
class Deal:
    id: int
    company_id: int
    contact_id: int | None
    name: str
    amount: float
    currency: str
    stage: str
    created_at: datetime
    updated_at: datetime
    close_date: datetime | None
    deleted_at: datetime | None


@dataclass(frozen=True)
class Lead:
    """A contact created by a marketing import: no conversations, all modified on the import day."""

    id: int
    first_name: str
    last_name: str
    email: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Crm:
    systems: dict[int, str]  # conversation id → system
    deals: list[Deal]
    deleted_people: dict[int, datetime]  # person id → deleted at
    deleted_companies: dict[int, datetime]
    leads: list[Lead]
    import_day: datetime

    def conversations(self, world: World, system: str) -> list[Conversation]:
        return [c for c in world.conversations if self.systems[c.id] == system]


def system_of(conversation: Conversation, draw: float) -> str:
    """Chats mostly live in Intercom; email, web, phone and API mostly in Zendesk."""
    if conversation.channel in ("chat", "whatsapp"):
        return "intercom" if draw < 0.75 else "zendesk"
    if draw < 0.55:
        return "zendesk"
    return "salesforce" if draw < 0.83 else "hubspot"


def build_crm(world: World, leads: int | None = None) -> Crm:
    """Everything CRM-shaped, deterministic for a given world; ``leads`` defaults to 12,000."""
    config = world.config
    assert config.anchor is not None
    rng = random.Random(config.seed * 7919 + 17)
    systems = {c.id: system_of(c, rng.random()) for c in world.conversations}
    start = config.anchor - timedelta(days=config.days)
    span = int((config.anchor - start).total_seconds())

    def moment_after(earliest: datetime) -> datetime:
        room = max(1, int((config.anchor - earliest).total_seconds()) - 1)
        return earliest + timedelta(seconds=rng.randint(1, room))

    customers = [p for p in world.people if p.role == "customer"]
    deleted_people = {p.id: moment_after(p.updated_at) for p in customers if rng.random() < 0.02}
    deleted_companies = {c.id: moment_after(c.updated_at) for c in world.companies if rng.random() < 0.02}
    contacts_by_company: dict[int, list[int]] = {}
    for person in customers:
        if person.company_id is not None:
            contacts_by_company.setdefault(person.company_id, []).append(person.id)
    deals, next_id = [], 1
    for company in world.companies:
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            created = start + timedelta(seconds=rng.randint(0, span - 1))
            updated = moment_after(created) if rng.random() < 0.7 else created
            stage = rng.choice(DEAL_STAGES)
            contacts = contacts_by_company.get(company.id)
            deals.append(
                Deal(
                    id=next_id,
                    company_id=company.id,
                    contact_id=rng.choice(contacts) if contacts else None,
                    name=f"{company.name} — {rng.choice(DEAL_KINDS)}",
                    amount=round(rng.uniform(2_000, 250_000), 2),
                    currency=CURRENCIES.get(company.country, "USD"),
                    stage=stage,
                    created_at=created,
                    updated_at=updated,
                    close_date=updated if stage.startswith("closed") else None,
                    deleted_at=moment_after(updated) if rng.random() < 0.03 else None,
                )
            )
            next_id += 1
    import_day = (config.anchor - timedelta(days=IMPORT_DAY_OFFSET)).replace(hour=0, minute=0, second=0)
    first_lead_id = 10_000_000
    lead_rows = []
    for n in range(12_000 if leads is None else leads):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        moment = import_day + timedelta(seconds=rng.randint(0, 86_399))
        lead_rows.append(
            Lead(first_lead_id + n, first, last, f"{first.lower()}.{last.lower()}{n}@leads.example.com", moment, moment)
        )
    return Crm(systems, deals, deleted_people, deleted_companies, lead_rows, import_day)


_FIRST = (
    "Ahmed",
    "Mona",
    "Khalid",
    "Sara",
    "Omar",
    "Laila",
    "Youssef",
    "Huda",
    "Faisal",
    "Nour",
    "Tariq",
    "Reem",
    "Hassan",
    "Dina",
    "Majid",
    "Aisha",
    "Karim",
    "Yasmin",
    "Salem",
    "Hala",
    "James",
    "Emma",
)
_LAST = (
    "Alharbi",
    "Hassan",
    "Mostafa",
    "Alotaibi",
    "Elsayed",
    "Alqahtani",
    "Ibrahim",
    "Alshamsi",
    "Fathy",
    "Almutairi",
    "Saleh",
    "Abdelrahman",
    "Aldosari",
    "Naguib",
    "Alkuwari",
    "Smith",
)
