"""The neutral sandbox world rendered as Salesforce sObjects: 18-char ids, describe metadata, rows.

Rows keep Salesforce's REST value formats (datetimes as ``2026-10-01T12:00:00.000+0000``) and are
sorted by (SystemModstamp, Id), so a SOQL window is two bisects. Deleted records keep their last
values with ``IsDeleted = true`` and ``SystemModstamp`` = the deletion time (only queryAll sees them).
"""

from __future__ import annotations

import bisect
import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from vendor_sandbox.crm import Crm, Deal
from vendor_sandbox.world import Company, Conversation, Message, Person, World

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CHECKSUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
KEY_PREFIXES = {
    "Account": "001",
    "Contact": "003",
    "Case": "500",
    "CaseComment": "00a",
    "Opportunity": "006",
    "User": "005",
}
NUMBER_TYPES = ("int", "double", "currency", "percent")


def sf_id(prefix: str, number: int) -> str:
    """Deterministic 18-char id: key prefix, pod "5g0", nine base-62 digits and the case-safe suffix."""
    digits = ""
    while True:
        number, rest = divmod(number, 62)
        digits = _BASE62[rest] + digits
        if number == 0:
            break
    id15 = f"{prefix}5g0{digits.rjust(9, '0')}"
    suffix = ""
    for chunk in range(3):
        bits = sum(1 << i for i, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]) if "A" <= ch <= "Z")
        suffix += _CHECKSUM[bits]
    return id15 + suffix


ORG_ID = sf_id("00D", 1)
INTEGRATION_USER_ID = sf_id("005", 0)  # owner of records no person owns
UNASSIGNED_QUEUE_ID = sf_id("00G", 1)  # OwnerId is never null: unassigned cases sit in a queue


def user_id(person_id: int | None) -> str:
    return sf_id("005", person_id) if person_id is not None else INTEGRATION_USER_ID


def sf_datetime(ts: datetime) -> str:
    """REST format, always UTC with milliseconds."""
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}+0000"


def epoch_ms(ts: datetime) -> int:
    return int(ts.timestamp() * 1000)


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str
    nillable: bool = True
    reference_to: tuple[str, ...] = ()
    custom: bool = False
    label: str = ""

    def describe(self) -> dict[str, Any]:
        soap = {
            "id": "tns:ID",
            "reference": "tns:ID",
            "boolean": "xsd:boolean",
            "int": "xsd:int",
            "double": "xsd:double",
            "currency": "xsd:double",
            "percent": "xsd:double",
            "datetime": "xsd:dateTime",
            "date": "xsd:date",
        }.get(self.type, "xsd:string")
        return {
            "name": self.name,
            "label": self.label or self.name.removesuffix("__c").replace("_", " "),
            "type": self.type,
            "soapType": soap,
            "nillable": self.nillable,
            "custom": self.custom,
            "length": 0 if self.type in (*NUMBER_TYPES, "boolean", "datetime", "date") else 255,
            "referenceTo": list(self.reference_to),
            "calculated": False,
            "filterable": True,
            "sortable": self.type != "textarea",
            "updateable": self.name not in _SYSTEM_FIELDS,
            "createable": self.name not in _SYSTEM_FIELDS,
            "picklistValues": [],
        }


_SYSTEM_FIELDS = {"Id", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate", "SystemModstamp"}
_HEAD = (FieldDef("Id", "id", False), FieldDef("IsDeleted", "boolean", False))
_TAIL = (
    FieldDef("CreatedDate", "datetime", False),
    FieldDef("CreatedById", "reference", False, ("User",)),
    FieldDef("LastModifiedDate", "datetime", False),
    FieldDef("SystemModstamp", "datetime", False),
)


def _ref(name: str, target: str, nillable: bool = True) -> FieldDef:
    return FieldDef(name, "reference", nillable, (target,))


STANDARD_FIELDS: dict[str, tuple[FieldDef, ...]] = {
    "Account": (
        *_HEAD,
        FieldDef("Name", "string", False),
        FieldDef("Type", "picklist"),
        FieldDef("Website", "url"),
        FieldDef("BillingCountry", "string"),
        FieldDef("NumberOfEmployees", "int"),
        _ref("OwnerId", "User", False),
        *_TAIL,
    ),
    "Contact": (
        *_HEAD,
        _ref("AccountId", "Account"),
        FieldDef("FirstName", "string"),
        FieldDef("LastName", "string", False),
        FieldDef("Name", "string", False),
        FieldDef("Email", "email"),
        FieldDef("Phone", "phone"),
        _ref("OwnerId", "User", False),
        *_TAIL,
    ),
    "Case": (
        *_HEAD,
        FieldDef("CaseNumber", "string", False),
        _ref("ContactId", "Contact"),
        _ref("AccountId", "Account"),
        _ref("OwnerId", "User", False),
        FieldDef("Subject", "string"),
        FieldDef("Description", "textarea"),
        FieldDef("Status", "picklist"),
        FieldDef("Priority", "picklist"),
        FieldDef("Origin", "picklist"),
        FieldDef("Type", "picklist"),
        FieldDef("IsClosed", "boolean", False),
        FieldDef("IsEscalated", "boolean", False),
        FieldDef("ClosedDate", "datetime"),
        *_TAIL,
    ),
    "CaseComment": (
        *_HEAD,
        _ref("ParentId", "Case", False),
        FieldDef("IsPublished", "boolean", False),
        FieldDef("CommentBody", "textarea"),
        *_TAIL,
    ),
    "Opportunity": (
        *_HEAD,
        _ref("AccountId", "Account"),
        _ref("ContactId", "Contact"),
        FieldDef("Name", "string", False),
        FieldDef("Amount", "currency"),
        FieldDef("CurrencyIsoCode", "picklist", False),
        FieldDef("StageName", "picklist", False),
        FieldDef("Probability", "percent"),
        FieldDef("CloseDate", "date", False),
        FieldDef("IsClosed", "boolean", False),
        FieldDef("IsWon", "boolean", False),
        _ref("OwnerId", "User", False),
        *_TAIL,
    ),
}
CASE_STATUS = {
    "new": "New",
    "open": "Working",
    "pending": "Waiting on Customer",
    "hold": "On Hold",
    "solved": "Closed",
    "closed": "Closed",
}
CASE_PRIORITY = {"urgent": "High", "high": "High", "normal": "Medium", "low": "Low"}
CASE_ORIGIN = {"email": "Email", "web": "Web", "phone": "Phone", "api": "Web", "chat": "Chat", "whatsapp": "WhatsApp"}
STAGES = {
    "appointmentscheduled": ("Prospecting", 10.0),
    "qualifiedtobuy": ("Qualification", 20.0),
    "presentationscheduled": ("Needs Analysis", 40.0),
    "decisionmakerboughtin": ("Id. Decision Makers", 60.0),
    "contractsent": ("Negotiation/Review", 90.0),
    "closedwon": ("Closed Won", 100.0),
    "closedlost": ("Closed Lost", 0.0),
}


def _stamps(created: datetime, updated: datetime, deleted: datetime | None, creator: str) -> dict[str, Any]:
    last = deleted or updated
    return {
        "CreatedDate": sf_datetime(created),
        "CreatedById": creator,
        "LastModifiedDate": sf_datetime(last),
        "SystemModstamp": sf_datetime(last),
    }


def account(c: Company, deleted: datetime | None) -> dict[str, Any]:
    return {
        "Id": sf_id("001", c.id),
        "IsDeleted": deleted is not None,
        "Name": c.name,
        "Type": "Customer",
        "Website": f"https://{c.domain}",
        "BillingCountry": c.country,
        "NumberOfEmployees": 5 + (c.id * 7919) % 4995,
        "OwnerId": INTEGRATION_USER_ID,
        **_stamps(c.created_at, c.updated_at, deleted, INTEGRATION_USER_ID),
    }


def contact(p: Person, deleted: datetime | None) -> dict[str, Any]:
    first, _, last = p.name.partition(" ")
    return {
        "Id": sf_id("003", p.id),
        "IsDeleted": deleted is not None,
        "AccountId": sf_id("001", p.company_id) if p.company_id else None,
        "FirstName": first if last else None,
        "LastName": last or first,
        "Name": p.name,
        "Email": p.email,
        "Phone": p.phone,
        "OwnerId": INTEGRATION_USER_ID,
        **_stamps(p.created_at, p.updated_at, deleted, INTEGRATION_USER_ID),
    }


def case(c: Conversation) -> dict[str, Any]:
    closed = c.status in ("solved", "closed")
    kind = "Question" if "question" in c.tags else "Problem" if "complaint" in c.tags else None
    return {
        "Id": sf_id("500", c.id),
        "IsDeleted": c.deleted_at is not None,
        "CaseNumber": f"{c.id:08d}",
        "ContactId": sf_id("003", c.requester_id),
        "AccountId": sf_id("001", c.company_id) if c.company_id else None,
        "OwnerId": user_id(c.assignee_id) if c.assignee_id else UNASSIGNED_QUEUE_ID,
        "Subject": c.subject,
        "Description": c.messages[0].body if c.messages else None,
        "Status": CASE_STATUS.get(c.status, "New"),
        "Priority": CASE_PRIORITY.get(c.priority or ""),
        "Origin": CASE_ORIGIN.get(c.channel, "Web"),
        "Type": kind,
        "IsClosed": closed,
        "IsEscalated": c.priority == "urgent",
        "ClosedDate": sf_datetime(c.messages[-1].created_at) if closed and c.messages else None,
        **_stamps(c.created_at, c.updated_at, c.deleted_at, user_id(c.requester_id)),
    }


def case_comment(m: Message, c: Conversation) -> dict[str, Any]:
    """A message as a case comment; deleting a case deletes its comments with it."""
    return {
        "Id": sf_id("00a", m.id),
        "IsDeleted": c.deleted_at is not None,
        "ParentId": sf_id("500", c.id),
        "IsPublished": m.public,
        "CommentBody": m.body,
        **_stamps(m.created_at, m.created_at, c.deleted_at, user_id(m.author_id)),
    }


def opportunity(d: Deal) -> dict[str, Any]:
    stage, probability = STAGES.get(d.stage, ("Prospecting", 10.0))
    close = d.close_date or (d.created_at + timedelta(days=30))
    return {
        "Id": sf_id("006", d.id),
        "IsDeleted": d.deleted_at is not None,
        "AccountId": sf_id("001", d.company_id),
        "ContactId": sf_id("003", d.contact_id) if d.contact_id else None,
        "Name": d.name,
        "Amount": d.amount,
        "CurrencyIsoCode": d.currency,
        "StageName": stage,
        "Probability": probability,
        "CloseDate": close.strftime("%Y-%m-%d"),
        "IsClosed": stage.startswith("Closed"),
        "IsWon": stage == "Closed Won",
        "OwnerId": INTEGRATION_USER_ID,
        **_stamps(d.created_at, d.updated_at, d.deleted_at, INTEGRATION_USER_ID),
    }


@dataclass
class SObjectTable:
    """One object's rows sorted by (SystemModstamp, Id) plus its fields (custom ones added at run time)."""

    name: str
    standard: tuple[FieldDef, ...]
    rows: list[dict[str, Any]]
    keys: list[tuple[int, int]]
    custom: dict[str, tuple[FieldDef, Any]] = field(default_factory=dict)  # name → (definition, value)

    @classmethod
    def build(cls, name: str, items: Iterable[tuple[int, dict[str, Any]]]) -> SObjectTable:
        ordered = sorted(((_modstamp_ms(rec), n, rec) for n, rec in items), key=lambda r: (r[0], r[1]))
        return cls(name, STANDARD_FIELDS[name], [r for _, _, r in ordered], [(ts, n) for ts, n, _ in ordered])

    def upsert(self, number: int, record: dict[str, Any]) -> None:
        """Put ``record`` (world id ``number``) at its SystemModstamp, replacing its earlier row if any."""
        old = next((i for i, key in enumerate(self.keys) if key[1] == number), None)
        if old is not None:
            del self.keys[old], self.rows[old]
        key = (_modstamp_ms(record), number)
        at = bisect.bisect_right(self.keys, key)
        self.keys.insert(at, key)
        self.rows.insert(at, record)

    @property
    def fields(self) -> list[FieldDef]:
        return [*self.standard, *(f for f, _ in self.custom.values())]

    def field(self, name: str) -> FieldDef | None:
        """Case-insensitive lookup, as SOQL resolves names."""
        wanted = name.lower()
        return next((f for f in self.fields if f.name.lower() == wanted), None)

    def window(
        self, lower: tuple[int, bool] | None, upper: tuple[int, bool] | None, include_deleted: bool
    ) -> list[dict[str, Any]]:
        """Rows with lower <(=) SystemModstamp <(=) upper, in (SystemModstamp, Id) order."""
        lo = 0 if lower is None else bisect.bisect_left(self.keys, (lower[0], -1) if lower[1] else (lower[0] + 1, -1))
        hi = (
            len(self.keys)
            if upper is None
            else bisect.bisect_left(self.keys, (upper[0] + 1, -1) if upper[1] else (upper[0], -1))
        )
        rows = self.rows[lo : max(lo, hi)]
        return rows if include_deleted else [r for r in rows if not r["IsDeleted"]]

    def values(self, row: dict[str, Any], fields: Sequence[str]) -> list[Any]:
        return [row[f] if f in row else self.custom[f][1] for f in fields]

    def records(self, rows: Sequence[dict[str, Any]], fields: Sequence[str], version: str) -> list[dict[str, Any]]:
        """REST query records: ``attributes`` then the selected fields in SELECT order."""
        url = f"/services/data/{version}/sobjects/{self.name}/"
        return [
            {
                "attributes": {"type": self.name, "url": url + row["Id"]},
                **dict(zip(fields, self.values(row, fields), strict=True)),
            }
            for row in rows
        ]

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.name,
            "keyPrefix": KEY_PREFIXES[self.name],
            "custom": False,
            "queryable": True,
            "replicateable": True,
            "retrieveable": True,
            "fields": [f.describe() for f in self.fields],
        }


def _modstamp_ms(record: dict[str, Any]) -> int:
    return epoch_ms(datetime.strptime(record["SystemModstamp"], "%Y-%m-%dT%H:%M:%S.%f%z"))


def build_tables(world: World, crm: Crm) -> dict[str, SObjectTable]:
    cases = crm.conversations(world, "salesforce")
    customers = [p for p in world.people if p.role == "customer"]
    return {
        "Account": SObjectTable.build(
            "Account", ((c.id, account(c, crm.deleted_companies.get(c.id))) for c in world.companies)
        ),
        "Contact": SObjectTable.build("Contact", ((p.id, contact(p, crm.deleted_people.get(p.id))) for p in customers)),
        "Case": SObjectTable.build("Case", ((c.id, case(c)) for c in cases)),
        "CaseComment": SObjectTable.build(
            "CaseComment", ((m.id, case_comment(m, c)) for c in cases for m in c.messages if m.author_role != "system")
        ),
        "Opportunity": SObjectTable.build("Opportunity", ((d.id, opportunity(d)) for d in crm.deals)),
    }


def csv_value(value: Any, kind: str) -> str:
    """Bulk API 2.0 CSV: null is empty, booleans lower case, datetimes in Z form."""
    if value is None:
        return ""
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "datetime":
        return value.replace("+0000", "Z")
    return str(value)


def to_csv(fields: Sequence[FieldDef], rows: Iterable[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow([f.name for f in fields])
    writer.writerows([csv_value(v, f.type) for v, f in zip(row, fields, strict=True)] for row in rows)
    return out.getvalue()
