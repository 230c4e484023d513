"""The neutral sandbox world as HubSpot CRM records, and the search semantics the sandbox applies.

Contacts are the world's customers plus the marketing import's leads, companies are the world's
companies, tickets are the conversations living in HubSpot and deals are the CRM's deals. Ids are
numeric strings derived from world ids (``hubspot_id``; leads keep their CRM ids from 10,000,000) so
tests can compute them. Property values are strings, dates ISO-8601 with milliseconds, as HubSpot's
v3 API returns them; filters on dates and numbers compare numerically (dates as epoch milliseconds).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from vendor_sandbox.crm import Crm
from vendor_sandbox.world import World

OBJECT_TYPES = ("contacts", "companies", "tickets", "deals")
LASTMOD = {
    "contacts": "lastmodifieddate",
    "companies": "hs_lastmodifieddate",
    "tickets": "hs_lastmodifieddate",
    "deals": "hs_lastmodifieddate",
}
ID_BASE = {"contacts": 100, "companies": 5_000_000_000, "tickets": 7_000_000_000, "deals": 9_000_000_000}
OWNER_BASE = 80_000_000
STAGE_OF_STATUS = {"new": "1", "pending": "2", "open": "3", "hold": "3", "solved": "4", "closed": "4"}
PRIORITY = {"low": "LOW", "normal": "MEDIUM", "high": "HIGH", "urgent": "URGENT"}
SOURCE_TYPE = {"email": "EMAIL", "web": "FORM", "chat": "CHAT", "whatsapp": "CHAT", "phone": "PHONE", "api": "FORM"}
# name → (type, fieldType); every object also has createdate, hs_object_id and its last-modified date
_SPECIFIC = {
    "contacts": {
        "email": ("string", "text"),
        "firstname": ("string", "text"),
        "lastname": ("string", "text"),
        "phone": ("string", "phonenumber"),
        "company": ("string", "text"),
        "associatedcompanyid": ("number", "number"),
        "hs_language": ("enumeration", "select"),
        "lifecyclestage": ("enumeration", "radio"),
        "hs_lead_status": ("enumeration", "select"),
    },
    "companies": {"name": ("string", "text"), "domain": ("string", "text"), "country": ("string", "text")},
    "tickets": {
        "subject": ("string", "text"),
        "content": ("string", "textarea"),
        "hs_pipeline": ("enumeration", "select"),
        "hs_pipeline_stage": ("enumeration", "select"),
        "hs_ticket_priority": ("enumeration", "select"),
        "source_type": ("enumeration", "select"),
        "hubspot_owner_id": ("enumeration", "select"),
    },
    "deals": {
        "dealname": ("string", "text"),
        "amount": ("number", "number"),
        "deal_currency_code": ("enumeration", "select"),
        "dealstage": ("enumeration", "radio"),
        "pipeline": ("enumeration", "select"),
        "closedate": ("datetime", "date"),
    },
}
PROPERTIES = {
    kind: {
        "createdate": ("datetime", "date"),
        LASTMOD[kind]: ("datetime", "date"),
        "hs_object_id": ("number", "number"),
        **specific,
    }
    for kind, specific in _SPECIFIC.items()
}
DEFAULT_PROPERTIES = {
    "contacts": ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"),
    "companies": ("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
    "tickets": (
        "content",
        "createdate",
        "hs_lastmodifieddate",
        "hs_object_id",
        "hs_pipeline",
        "hs_pipeline_stage",
        "hs_ticket_priority",
        "subject",
    ),
    "deals": (
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    ),
}


def hubspot_id(kind: str, world_id: int) -> int:
    return ID_BASE[kind] + world_id


def ms(moment: datetime) -> int:
    return int(moment.timestamp()) * 1000 + moment.microsecond // 1000


def iso(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


@dataclass(slots=True)
class Rec:
    id: int
    created_ms: int
    lastmod_ms: int
    archived_ms: int | None
    props: dict[str, str | None]


def build_records(world: World, crm: Crm) -> dict[str, list[Rec]]:
    """Every HubSpot record of the world, archived ones included (``archived_ms`` set)."""

    def when(moment: datetime | None) -> int | None:
        return ms(moment) if moment is not None else None

    contacts = []
    for p in world.people:
        if p.role != "customer":
            continue
        first, _, last = p.name.partition(" ")
        company = world.company(p.company_id) if p.company_id is not None else None
        contacts.append(
            Rec(
                hubspot_id("contacts", p.id),
                ms(p.created_at),
                ms(p.updated_at),
                when(crm.deleted_people.get(p.id)),
                {
                    "email": p.email,
                    "firstname": first,
                    "lastname": last or None,
                    "phone": p.phone,
                    "company": company.name if company else None,
                    "associatedcompanyid": str(hubspot_id("companies", company.id)) if company else None,
                    "hs_language": p.locale,
                    "lifecyclestage": "customer",
                    "hs_lead_status": None,
                },
            )
        )
    contacts += [
        Rec(
            lead.id,
            ms(lead.created_at),
            ms(lead.updated_at),
            None,
            {
                "email": lead.email,
                "firstname": lead.first_name,
                "lastname": lead.last_name,
                "phone": None,
                "company": None,
                "associatedcompanyid": None,
                "hs_language": None,
                "lifecyclestage": "lead",
                "hs_lead_status": "NEW",
            },
        )
        for lead in crm.leads
    ]
    companies = [
        Rec(
            hubspot_id("companies", c.id),
            ms(c.created_at),
            ms(c.updated_at),
            when(crm.deleted_companies.get(c.id)),
            {"name": c.name, "domain": c.domain, "country": c.country},
        )
        for c in world.companies
    ]
    tickets = []
    for c in crm.conversations(world, "hubspot"):
        lastmod = c.messages[-1].created_at if c.deleted_at and c.messages else c.updated_at
        tickets.append(
            Rec(
                hubspot_id("tickets", c.id),
                ms(c.created_at),
                ms(lastmod),
                when(c.deleted_at),
                {
                    "subject": c.subject,
                    "content": c.messages[0].body if c.messages else "",
                    "hs_pipeline": "0",
                    "hs_pipeline_stage": STAGE_OF_STATUS.get(c.status, "1"),
                    "hs_ticket_priority": PRIORITY.get(c.priority or ""),
                    "source_type": SOURCE_TYPE.get(c.channel, "EMAIL"),
                    "hubspot_owner_id": str(OWNER_BASE + c.assignee_id) if c.assignee_id else None,
                },
            )
        )
    deals = [
        Rec(
            hubspot_id("deals", d.id),
            ms(d.created_at),
            ms(d.updated_at),
            when(d.deleted_at),
            {
                "dealname": d.name,
                "amount": str(d.amount),
                "deal_currency_code": d.currency,
                "dealstage": d.stage,
                "pipeline": "default",
                "closedate": iso(ms(d.close_date)) if d.close_date else None,
            },
        )
        for d in crm.deals
    ]
    return {"contacts": contacts, "companies": companies, "tickets": tickets, "deals": deals}


def value(kind: str, rec: Rec, name: str) -> str | None:
    if name == "hs_object_id":
        return str(rec.id)
    if name == "createdate":
        return iso(rec.created_ms)
    if name == LASTMOD[kind]:
        return iso(rec.lastmod_ms)
    return rec.props.get(name)


def render(kind: str, rec: Rec, names: Iterable[str]) -> dict:
    """A record as HubSpot returns it: requested properties (null when unset) plus the envelope."""
    out = {
        "id": str(rec.id),
        "properties": {n: value(kind, rec, n) for n in names},
        "createdAt": iso(rec.created_ms),
        "updatedAt": iso(rec.archived_ms or rec.lastmod_ms),
        "archived": rec.archived_ms is not None,
    }
    if rec.archived_ms is not None:
        out["archivedAt"] = iso(rec.archived_ms)
    return out


def property_definitions(kind: str) -> list[dict]:
    return [
        {
            "name": name,
            "label": name.replace("_", " ").title(),
            "type": type_,
            "fieldType": field_type,
            "groupName": f"{kind[:-1]}information",
            "description": "",
            "options": [],
            "displayOrder": -1,
            "calculated": name in ("hs_object_id", LASTMOD[kind]),
            "externalOptions": False,
            "hasUniqueValue": name == "hs_object_id",
            "hidden": False,
            "formField": type_ == "string",
            "archived": False,
            "createdAt": "2019-08-06T02:41:52.000Z",
            "updatedAt": "2019-08-06T02:41:52.000Z",
        }
        for name, (type_, field_type) in sorted(PROPERTIES[kind].items())
    ]


# ---------------------------------------------------------------- search semantics
OPERATORS = ("EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY")


class SearchError(ValueError):
    """A request HubSpot answers with 400 VALIDATION_ERROR."""


def _numeric(kind: str, name: str, raw: object) -> float:
    """A filter value for a number or date property: epoch milliseconds or ISO-8601 for dates."""
    text = str(raw).strip()
    try:
        return float(text)
    except ValueError:
        if PROPERTIES[kind][name][0] != "datetime":
            raise SearchError(f"{text!r} is not a valid number for property {name}") from None
    try:
        return float(ms(datetime.fromisoformat(text.replace("Z", "+00:00"))))
    except ValueError:
        raise SearchError(f"{text!r} is not a valid date for property {name}: use epoch milliseconds") from None


def sort_key(kind: str, name: str) -> Callable[[Rec], object]:
    if name not in PROPERTIES[kind]:
        raise SearchError(f"cannot sort by unknown property {name!r}")
    if name == "hs_object_id":
        return lambda r: r.id
    if name == "createdate":
        return lambda r: (r.created_ms, r.id)
    if name == LASTMOD[kind]:
        return lambda r: (r.lastmod_ms, r.id)
    return lambda r: (r.props.get(name) or "", r.id)


def compile_filter(kind: str, spec: object) -> tuple[Callable[[Rec], bool], tuple[float, float] | None]:
    """One filter → (predicate, last-modified range it implies, for narrowing by bisect)."""
    if not isinstance(spec, dict):
        raise SearchError("each filter must be an object")
    name, op = spec.get("propertyName"), spec.get("operator", "EQ")
    if name not in PROPERTIES.get(kind, {}):
        raise SearchError(f"Property {name!r} does not exist on {kind}")
    if op not in OPERATORS:
        raise SearchError(f"Unknown operator {op!r}; expected one of {', '.join(OPERATORS)}")
    get = {
        "hs_object_id": lambda r: r.id,
        "createdate": lambda r: r.created_ms,
        LASTMOD[kind]: lambda r: r.lastmod_ms,
    }.get(name, lambda r: r.props.get(name))
    if op in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        return (lambda r: (get(r) is not None) == (op == "HAS_PROPERTY")), None
    numeric = PROPERTIES[kind][name][0] in ("number", "datetime")
    convert = (lambda v: _numeric(kind, name, v)) if numeric else str
    if numeric and name not in ("hs_object_id", "createdate", LASTMOD[kind]):
        get = (lambda raw: lambda r: None if raw(r) is None else _numeric(kind, name, raw(r)))(get)
    if op in ("IN", "NOT_IN"):
        values = {convert(v) for v in spec.get("values") or ()}
        return (lambda r: (get(r) in values) == (op == "IN")), None
    if "value" not in spec:
        raise SearchError(f"filter on {name} with operator {op} needs a value")
    low = convert(spec["value"])
    high = convert(spec.get("highValue")) if op == "BETWEEN" else low
    tests = {
        "EQ": lambda x: x == low,
        "NEQ": lambda x: x != low,
        "LT": lambda x: x < low,
        "LTE": lambda x: x <= low,
        "GT": lambda x: x > low,
        "GTE": lambda x: x >= low,
        "BETWEEN": lambda x: low <= x <= high,
    }
    test = tests[op]
    inf = float("inf")
    window = None
    if name == LASTMOD[kind] and op != "NEQ":
        window = {
            "EQ": (low, low),
            "LT": (-inf, low),
            "LTE": (-inf, low),
            "GT": (low, inf),
            "GTE": (low, inf),
            "BETWEEN": (low, high),
        }[op]
    return (lambda r: (x := get(r)) is not None and test(x)), window


def candidates(by_mod: list[Rec], keys: list[tuple[int, int]], window: tuple[float, float]) -> list[Rec]:
    """Records whose last-modified date may fall in ``window`` (inclusive), found by bisect."""
    low, high = window
    start = 0 if low == float("-inf") else bisect.bisect_left(keys, (int(low) - 1, 2**63))
    end = len(keys) if high == float("inf") else bisect.bisect_right(keys, (int(high) + 1, -1))
    return by_mod[start:end]
