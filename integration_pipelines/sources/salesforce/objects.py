"""Salesforce objects as data, and how describe's field types become typed columns.

Salesforce columns are discovered per run: every scalar field ``describe`` lists becomes a column, so
a custom field an admin adds (``Sentiment__c``) shows up in the next pull without a code change.
Each object therefore declares only a static core (system fields plus the fields the pipeline relies
on); ``SalesforceClient.columns(obj)`` gives the run's full list. Column names are the API names
(``Id``, ``SystemModstamp``, ``Sentiment__c``) plus ``is_deleted`` (from ``IsDeleted``).

Type map: id, reference, string, picklist, multipicklist, combobox, textarea, email, phone, url,
encryptedstring → string; boolean → bool; int, long → int; double, currency, percent → float;
datetime → timestamp (UTC); date and time → string (``2026-10-01``, ``13:45:00.000Z``: a calendar
date has no time zone, so it is kept as written rather than invented into a midnight UTC instant).
Compound and binary types (address, location, base64, anyType) are not selectable in Bulk API
queries and are skipped; their component fields (``BillingCity``...) are listed separately anyway.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from integration_pipelines.lib.records import Column

TYPE_KINDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "id",
            "reference",
            "string",
            "picklist",
            "multipicklist",
            "combobox",
            "textarea",
            "email",
            "phone",
            "url",
            "encryptedstring",
            "date",
            "time",
        ),
        "string",
    ),
    "boolean": "bool",
    "int": "int",
    "long": "int",
    "double": "float",
    "currency": "float",
    "percent": "float",
    "datetime": "timestamp",
}
IS_DELETED = Column("is_deleted", "bool", derive=lambda r: bool(r.get("IsDeleted")))
CORE_FIELDS = (
    ("Id", "string"),
    ("IsDeleted", "bool"),
    ("CreatedDate", "timestamp"),
    ("LastModifiedDate", "timestamp"),
    ("SystemModstamp", "timestamp"),
)


@dataclass(frozen=True)
class SalesforceObject:
    """One sObject: ``name`` in our asset keys, ``sobject`` in Salesforce; ``columns`` is the static core."""

    name: str
    sobject: str
    required: tuple[tuple[str, str], ...]  # (field, kind) the pipeline relies on beyond the core
    columns: tuple[Column, ...]
    primary_key: str = "Id"
    version_column: str = "SystemModstamp"  # changes on every edit and on delete: the window and the day
    fields: tuple[str, ...] | None = None  # an explicit SELECT list; None selects every scalar field


def salesforce_object(
    name: str, sobject: str, required: Sequence[tuple[str, str]] = (), fields: Sequence[str] | None = None
) -> SalesforceObject:
    core = (*CORE_FIELDS, *required)
    return SalesforceObject(
        name,
        sobject,
        tuple(required),
        (*(Column(f, k) for f, k in core), IS_DELETED),
        fields=tuple(fields) if fields is not None else None,
    )


@dataclass(frozen=True)
class FieldSpec:
    """A selected field: its API name, describe type and our column kind."""

    name: str
    sf_type: str
    kind: str


def select_fields(obj: SalesforceObject, describe: Mapping[str, Any]) -> tuple[list[FieldSpec], list[str]]:
    """The fields to query for ``obj`` and any problems (unknown or mistyped fields) to report."""
    listed = {f["name"]: f for f in describe.get("fields", []) if isinstance(f, Mapping) and "name" in f}
    problems = []
    scalar = [n for n, f in listed.items() if f.get("type") in TYPE_KINDS]
    wanted = list(obj.fields) if obj.fields is not None else scalar
    for name, kind in (*CORE_FIELDS, *obj.required):
        if name not in wanted:
            wanted.append(name)
        if name in listed and TYPE_KINDS.get(listed[name].get("type")) != kind:
            problems.append(f"{name} is {listed[name].get('type')!r}, expected a {kind} field")
    specs = []
    for name in wanted:
        described = listed.get(name)
        if described is None:
            problems.append(f"no field {name!r}")
        elif described.get("type") not in TYPE_KINDS:
            problems.append(f"{name} has type {described.get('type')!r}, which cannot be queried as a column")
        else:
            specs.append(FieldSpec(name, described["type"], TYPE_KINDS[described["type"]]))
    return specs, problems


def columns_of(specs: Sequence[FieldSpec]) -> tuple[Column, ...]:
    return (*(Column(s.name, s.kind) for s in specs), IS_DELETED)


def iso_z(value: str) -> str:
    """Any Salesforce datetime (REST ``...000+0000``, Bulk ``...000Z``) as ``YYYY-MM-DDTHH:MM:SS.fffZ``."""
    if len(value) == 28 and value.endswith("+0000"):
        return value[:23] + "Z"
    if len(value) == 24 and value.endswith("Z"):
        return value
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    parsed = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    return parsed.strftime("%Y-%m-%dT%H:%M:%S.") + f"{parsed.microsecond // 1000:03d}Z"


def _typed(value: Any, spec: FieldSpec, from_csv: bool) -> Any:
    if value is None or (from_csv and value == ""):
        return None
    if spec.kind == "bool":
        return value == "true" if from_csv else bool(value)
    if spec.kind == "int":
        return int(value)
    if spec.kind == "float":
        return float(value)
    if spec.sf_type == "datetime":
        return iso_z(str(value))
    return str(value)


def from_json(record: Mapping[str, Any], specs: Sequence[FieldSpec]) -> dict[str, Any]:
    """A REST query record as the plain values both paths agree on (``attributes`` dropped)."""
    return {s.name: _typed(record.get(s.name), s, False) for s in specs}


def from_csv(row: Sequence[str], specs: Sequence[FieldSpec]) -> dict[str, Any]:
    """A Bulk API 2.0 CSV row (empty = null) as the same plain values."""
    return {s.name: _typed(cell, s, True) for s, cell in zip(specs, row, strict=True)}


CASES = salesforce_object(
    "cases",
    "Case",
    (
        ("CaseNumber", "string"),
        ("Subject", "string"),
        ("Description", "string"),
        ("Status", "string"),
        ("Origin", "string"),
        ("ContactId", "string"),
        ("AccountId", "string"),
    ),
)
CASE_COMMENTS = salesforce_object(
    "case_comments",
    "CaseComment",
    (("ParentId", "string"), ("CommentBody", "string"), ("IsPublished", "bool"), ("CreatedById", "string")),
)
CONTACTS = salesforce_object("contacts", "Contact", (("AccountId", "string"), ("Name", "string"), ("Email", "string")))
ACCOUNTS = salesforce_object("accounts", "Account", (("Name", "string"),))
OPPORTUNITIES = salesforce_object(
    "opportunities",
    "Opportunity",
    (("AccountId", "string"), ("Name", "string"), ("StageName", "string"), ("Amount", "float")),
)

OBJECTS: dict[str, SalesforceObject] = {o.name: o for o in (CASES, CASE_COMMENTS, CONTACTS, ACCOUNTS, OPPORTUNITIES)}
