"""The change feed in HubSpot: new tickets, pipeline-stage and lifecycle-stage changes, archiving.

HubSpot's CRM has no conversation messages in this sandbox's API, so a customer's new message is a
new ticket (``ticket.creation``); a status change moves a ticket's ``hs_pipeline_stage`` (or, with
``object`` "contacts", a contact's ``lifecyclestage``); a delete archives the record, which then
lists only with ``archived=true``. Each change moves the record's last-modified date to the change time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from vendor_sandbox import texts
from vendor_sandbox.changefeed.model import KINDS, Change, ChangeError, Delivery, FeedContext
from vendor_sandbox.changefeed.overlay import change_time
from vendor_sandbox.dialects.hubspot import render as hs
from vendor_sandbox.dialects.hubspot import webhooks

if TYPE_CHECKING:
    from vendor_sandbox.dialects.hubspot.dialect import HubSpotDialect

PIPELINE_STAGES = ("1", "2", "3", "4")  # the default support pipeline: new, waiting on contact, on us, closed
LIFECYCLE_STAGES = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
)
STATUS_PROPERTY = {"tickets": ("hs_pipeline_stage", PIPELINE_STAGES), "contacts": ("lifecyclestage", LIFECYCLE_STAGES)}


def _moment(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC)


class HubSpotFeed:
    kinds = KINDS
    objects = ("tickets", "contacts")

    def apply(self, dialect: HubSpotDialect, kind: str, at: datetime | None, options: Mapping[str, Any]) -> Change:
        kind_of_object = str(options.get("object", "tickets"))
        if kind_of_object not in STATUS_PROPERTY:
            raise ChangeError(f"HubSpot object must be tickets or contacts, not {kind_of_object!r}")
        if kind == "new_message":
            if kind_of_object != "tickets":
                raise ChangeError("a new message is a new HubSpot ticket (object tickets)")
            return self._new_ticket(dialect, at)
        overlay = dialect.overlay
        live = dialect._index(kind_of_object)["live"]
        if not live:
            raise ChangeError(f"no live {kind_of_object} left")
        rec = overlay.rng.choice(live)
        moment = change_time(at, _moment(max(rec.lastmod_ms, rec.created_ms)))
        singular = kind_of_object[:-1]
        if kind == "status_change":
            name, values = STATUS_PROPERTY[kind_of_object]
            previous = rec.props.get(name)
            rec.props[name] = overlay.choose(set(values) - {previous})
            rec.lastmod_ms = hs.ms(moment)
            topic, details = (
                f"{singular}.propertyChange",
                {"property": name, "previous": previous, "value": rec.props[name]},
            )
            item = {"propertyName": name, "propertyValue": rec.props[name]}
        else:
            rec.archived_ms = hs.ms(moment)
            topic, details, item = f"{singular}.deletion", {"archived": True}, {}
        overlay.dirty = True
        dialect._reindex(kind_of_object)
        return Change("hubspot", kind, singular, str(rec.id), moment, str(overlay.event_number()), topic, item, details)

    def _new_ticket(self, dialect: HubSpotDialect, at: datetime | None) -> Change:
        overlay = dialect.overlay
        moment = change_time(at)
        variety = overlay.choose(set(texts.SUBJECTS) & set(texts.FOLLOWUPS))
        rec = hs.Rec(
            hs.hubspot_id("tickets", overlay.new_conversation_id()),
            hs.ms(moment),
            hs.ms(moment),
            None,
            {
                "subject": overlay.rng.choice(texts.SUBJECTS[variety]),
                "content": overlay.rng.choice(texts.FOLLOWUPS[variety]),
                "hs_pipeline": "0",
                "hs_pipeline_stage": "1",
                "hs_ticket_priority": "MEDIUM",
                "source_type": "EMAIL",
                "hubspot_owner_id": None,
            },
        )
        dialect.records["tickets"][rec.id] = rec
        overlay.dirty = True
        dialect._reindex("tickets")
        return Change(
            "hubspot",
            "new_message",
            "ticket",
            str(rec.id),
            moment,
            str(overlay.event_number()),
            "ticket.creation",
            {},
            {"subject": rec.props["subject"], "content": rec.props["content"]},
        )

    def deliveries(self, changes: Sequence[Change], url: str, context: FeedContext) -> list[Delivery]:
        return [webhooks.delivery(changes, url, context)] if changes else []


HUBSPOT_FEED = HubSpotFeed()
