"""Stripe's exportable objects as data: the events that carry each one, its list endpoint, typed columns.

Stripe objects have ``created`` but no update time, so changes are read from the Events API: every
event's ``data.object`` is the object's state at that moment, and a row is that state plus the event's
``event_id``, ``event_type`` and ``event_created``; ``updated_at`` (the version and partition day) is
the event's ``created``. Rows read from a list endpoint (the first window's backfill) have no event:
their version is the object's own ``created``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from integration_pipelines.lib.records import Column


def _deleted_by(types: tuple[str, ...]) -> Callable[[Mapping[str, Any]], bool]:
    """A row is a deletion when its event is one of ``types`` (e.g. ``customer.deleted``) or it carries
    ``deleted: true`` (what ``GET /v1/customers/{id}`` answers for a deleted customer)."""

    def deleted(record: Mapping[str, Any]) -> bool:
        return record.get("deleted") is True or record.get("event_type") in types

    return deleted


def _event_columns() -> tuple[Column, ...]:
    return (
        Column("updated_at", "timestamp", source="event_created"),
        Column("event_id", "string"),
        Column("event_type", "string"),
    )


@dataclass(frozen=True)
class StripeObject:
    name: str
    list_path: str  # GET list endpoint, for the first window's backfill
    event_types: tuple[str, ...]  # what GET /v1/events?types[]= asks for (at most 20)
    columns: tuple[Column, ...]
    list_params: tuple[tuple[str, str], ...] = ()
    deleted_types: tuple[str, ...] = ()
    primary_key: str = "id"
    version_column: str = "updated_at"  # the carrying event's created: latest wins; also the partitioning day


CUSTOMER_DELETED = ("customer.deleted",)

CUSTOMERS = StripeObject(
    name="customers",
    list_path="/v1/customers",
    event_types=("customer.created", "customer.updated", "customer.deleted"),
    deleted_types=CUSTOMER_DELETED,
    columns=(
        Column("id", "string"),
        Column("created", "timestamp"),
        *_event_columns(),
        Column("email", "string"),
        Column("name", "string"),
        Column("phone", "string"),
        Column("description", "string"),
        Column("currency", "string"),
        Column("delinquent", "bool"),
        Column("preferred_locales", "json"),
        Column("metadata", "json"),
        Column("livemode", "bool"),
        Column("is_deleted", "bool", derive=_deleted_by(CUSTOMER_DELETED)),
    ),
)

SUBSCRIPTIONS = StripeObject(
    name="subscriptions",
    list_path="/v1/subscriptions",
    list_params=(("status", "all"),),  # without it, cancelled subscriptions are left out
    event_types=(
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "customer.subscription.paused",
        "customer.subscription.resumed",
        "customer.subscription.pending_update_applied",
        "customer.subscription.pending_update_expired",
        "customer.subscription.trial_will_end",
    ),
    columns=(
        Column("id", "string"),
        Column("customer", "string"),
        Column("created", "timestamp"),
        *_event_columns(),
        Column("status", "string"),
        Column("cancel_at_period_end", "bool"),
        Column("cancel_at", "timestamp"),
        Column("canceled_at", "timestamp"),
        Column("ended_at", "timestamp"),
        Column("cancellation_reason", "string", source="cancellation_details.reason"),
        Column("cancellation_feedback", "string", source="cancellation_details.feedback"),
        Column("cancellation_comment", "string", source="cancellation_details.comment"),
        Column("currency", "string"),
        Column("collection_method", "string"),
        Column("items", "json", source="items.data"),
        Column("metadata", "json"),
        Column("livemode", "bool"),
        # Stripe never deletes a subscription: customer.subscription.deleted means it ended (status canceled)
        Column("is_deleted", "bool", derive=_deleted_by(())),
    ),
)

DISPUTES = StripeObject(
    name="disputes",
    list_path="/v1/disputes",
    event_types=(
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.closed",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
    ),
    columns=(
        Column("id", "string"),
        Column("charge", "string"),
        Column("payment_intent", "string"),
        Column("created", "timestamp"),
        *_event_columns(),
        Column("amount", "int"),
        Column("currency", "string"),
        Column("reason", "string"),
        Column("status", "string"),
        Column("evidence_text", "string", source="evidence.uncategorized_text"),
        # a dispute names no customer, only its charge; the evidence's email and name tie it to one
        Column("customer_email", "string", source="evidence.customer_email_address"),
        Column("customer_name", "string", source="evidence.customer_name"),
        Column("evidence_due_by", "timestamp", source="evidence_details.due_by"),
        Column("is_charge_refundable", "bool"),
        Column("metadata", "json"),
        Column("livemode", "bool"),
        Column("is_deleted", "bool", derive=_deleted_by(())),
    ),
)

REFUNDS = StripeObject(
    name="refunds",
    list_path="/v1/refunds",
    event_types=("refund.created", "refund.updated", "refund.failed", "charge.refund.updated"),
    columns=(
        Column("id", "string"),
        Column("charge", "string"),
        Column("payment_intent", "string"),
        Column("created", "timestamp"),
        *_event_columns(),
        Column("amount", "int"),
        Column("currency", "string"),
        Column("reason", "string"),
        Column("status", "string"),
        Column("failure_reason", "string"),
        Column("metadata", "json"),
        Column("is_deleted", "bool", derive=_deleted_by(())),
    ),
)

OBJECTS: dict[str, StripeObject] = {o.name: o for o in (CUSTOMERS, SUBSCRIPTIONS, DISPUTES, REFUNDS)}
