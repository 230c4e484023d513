"""HubSpot's CRM objects as data: path segment, last-modified property and the typed columns we keep.

Every object gets the same envelope columns (id, created_at, updated_at, is_deleted, archived_at) and
a few typed key properties; every property the portal has (discovered from the properties API at
run time, custom ones included) still arrives in ``_raw``. ``updated_at`` is the last-modified
property, or ``archivedAt`` for archived records, because an archive is the record's latest change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from integration_pipelines.lib.records import Column


@dataclass(frozen=True)
class HubSpotObject:
    name: str
    object_type: str  # the path segment in /crm/v3/objects/{object_type}
    lastmod_property: str  # what the search API filters and sorts on
    columns: tuple[Column, ...]
    primary_key: str = "id"
    version_column: str = "updated_at"  # latest wins; also the partitioning day

    @property
    def core_properties(self) -> tuple[str, ...]:
        """Properties the typed columns read; always requested, whatever discovery says."""
        names = {"createdate", self.lastmod_property, "hs_object_id"}
        names |= {c.source.split(".", 1)[1] for c in self.columns if c.source and c.source.startswith("properties.")}
        return tuple(sorted(names))


def _prop(record: Mapping[str, Any], name: str) -> Any:
    properties = record.get("properties")
    return properties.get(name) if isinstance(properties, Mapping) else None


def _updated_at(lastmod: str) -> Callable[[Mapping[str, Any]], Any]:
    def derive(record: Mapping[str, Any]) -> Any:
        if record.get("archived"):
            return record.get("archivedAt") or record.get("updatedAt")
        return _prop(record, lastmod) or record.get("updatedAt")

    return derive


def _envelope(lastmod: str) -> tuple[Column, ...]:
    return (
        Column("id", "int"),
        Column("created_at", "timestamp", derive=lambda r: _prop(r, "createdate") or r.get("createdAt")),
        Column("updated_at", "timestamp", derive=_updated_at(lastmod)),
        Column("is_deleted", "bool", derive=lambda r: bool(r.get("archived"))),
        Column("archived_at", "timestamp", source="archivedAt"),
    )


def _props(*specs: tuple[str, str] | tuple[str, str, str]) -> tuple[Column, ...]:
    """(column, kind) or (column, kind, property) → columns reading ``properties.{property}``.
    HubSpot sends unset properties as null or as ""; both are NULL here (so "" never breaks an int)."""
    columns = []
    for spec in specs:
        prop = spec[2] if len(spec) == 3 else spec[0]
        columns.append(Column(spec[0], spec[1], source=f"properties.{prop}", blank_is_null=True))
    return tuple(columns)


CONTACTS = HubSpotObject(
    name="contacts",
    object_type="contacts",
    lastmod_property="lastmodifieddate",
    columns=_envelope("lastmodifieddate")
    + _props(
        ("email", "string"),
        ("firstname", "string"),
        ("lastname", "string"),
        ("company", "string"),
        ("phone", "string"),
        ("lifecyclestage", "string"),
        ("company_id", "int", "associatedcompanyid"),
        ("language", "string", "hs_language"),
    ),
)

COMPANIES = HubSpotObject(
    name="companies",
    object_type="companies",
    lastmod_property="hs_lastmodifieddate",
    columns=_envelope("hs_lastmodifieddate") + _props(("name", "string"), ("domain", "string"), ("country", "string")),
)

TICKETS = HubSpotObject(
    name="tickets",
    object_type="tickets",
    lastmod_property="hs_lastmodifieddate",
    columns=_envelope("hs_lastmodifieddate")
    + _props(
        ("subject", "string"),
        ("content", "string"),
        ("hs_pipeline", "string"),
        ("hs_pipeline_stage", "string"),
        ("hs_ticket_priority", "string"),
        ("source_type", "string"),
        ("owner_id", "int", "hubspot_owner_id"),
    ),
)

DEALS = HubSpotObject(
    name="deals",
    object_type="deals",
    lastmod_property="hs_lastmodifieddate",
    columns=_envelope("hs_lastmodifieddate")
    + _props(
        ("dealname", "string"),
        ("amount", "float"),
        ("currency", "string", "deal_currency_code"),
        ("dealstage", "string"),
        ("pipeline", "string"),
        ("closedate", "timestamp"),
    ),
)

OBJECTS: dict[str, HubSpotObject] = {o.name: o for o in (CONTACTS, COMPANIES, TICKETS, DEALS)}
