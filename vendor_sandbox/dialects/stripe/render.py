"""Stripe's objects and events as the sandbox serves them, drawn from the shared pool of customers.

Every exchange of ``voices.scripts(world, "payment")`` is one payment relationship of its customer:
two in three are a subscription (some cancelled, the cancellation's comment being the customer's first
words of the script), one in three a dispute on a charge (reason from Stripe's enum; half carry the
customer's words as ``evidence.uncategorized_text``). Immediate cancellations and some disputes have a
refund. Some customers are deleted after their last exchange (Stripe then cancels their subscriptions).
Each change is an Event whose ``data.object`` is the object's state at that moment, as Stripe's Events
API keeps them; the objects' current states are what the list endpoints return.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from vendor_sandbox import voices
from vendor_sandbox.world import Person, World

API_VERSION = "2026-10-28.endive"
DISPUTE_REASONS = (
    "credit_not_processed",
    "duplicate",
    "fraudulent",
    "general",
    "product_not_received",
    "product_unacceptable",
    "subscription_canceled",
    "unrecognized",
)
FEEDBACK = (
    "customer_service",
    "low_quality",
    "missing_features",
    "other",
    "switched_service",
    "too_complex",
    "too_expensive",
    "unused",
)
CURRENCIES = ("usd", "sar", "aed")
DELETED_SHARE = 0.2  # of the customers, deleted after their last exchange
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def stripe_id(prefix: str, *parts: object) -> str:
    """A stable Stripe-shaped id (``cus_`` + 14 base-62 characters) for the given parts."""
    number = int.from_bytes(hashlib.sha256(":".join(map(str, (prefix, *parts))).encode()).digest()[:12], "big")
    chars = []
    for _ in range(14):
        number, digit = divmod(number, 62)
        chars.append(_ALPHABET[digit])
    return f"{prefix}_{''.join(chars)}"


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def customer_id(person: Person) -> str:
    return stripe_id("cus", person.id)


@dataclass
class StripeState:
    """Current objects by id, and every event in creation order (the Events API lists them newest first)."""

    customers: dict[str, dict] = field(default_factory=dict)
    subscriptions: dict[str, dict] = field(default_factory=dict)
    disputes: dict[str, dict] = field(default_factory=dict)
    refunds: dict[str, dict] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)  # customer ids
    events: list[dict] = field(default_factory=list)
    sequence: int = 0

    def emit(self, kind: str, obj: dict, at: datetime | int, previous: dict | None = None) -> dict:
        """Record an event carrying a copy of ``obj`` as it is now; returns the event."""
        self.sequence += 1
        event: dict[str, Any] = {
            "id": stripe_id("evt", self.sequence, kind, obj["id"]),
            "object": "event",
            "api_version": API_VERSION,
            "created": at if isinstance(at, int) else epoch(at),
            "data": {"object": copy.deepcopy(obj)},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": kind,
        }
        if previous:
            event["data"]["previous_attributes"] = previous
        event["_seq"] = self.sequence  # the sandbox's own tie-breaker; stripped when served
        self.events.append(event)
        return event

    def sort(self) -> None:
        self.events.sort(key=lambda e: (e.get("_at", e["created"]), e["_seq"]))


def customer(person: Person, created: datetime) -> dict:
    return {
        "id": customer_id(person),
        "object": "customer",
        "address": None,
        "balance": 0,
        "created": epoch(created),
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": None,
        "email": person.email,
        "invoice_prefix": stripe_id("inv", person.id)[4:12].upper(),
        "livemode": False,
        "metadata": {"person_id": str(person.id)},
        "name": person.name,
        "phone": person.phone,
        "preferred_locales": [person.locale],
        "tax_exempt": "none",
    }


def subscription(script: voices.Script, currency: str, amount: int) -> dict:
    sid = stripe_id("sub", script.number)
    return {
        "id": sid,
        "object": "subscription",
        "customer": customer_id(script.customer),
        "status": "active",
        "created": epoch(script.at),
        "start_date": epoch(script.at),
        "billing_cycle_anchor": epoch(script.at),
        "cancel_at": None,
        "cancel_at_period_end": False,
        "canceled_at": None,
        "ended_at": None,
        "cancellation_details": {"comment": None, "feedback": None, "reason": None},
        "collection_method": "charge_automatically",
        "currency": currency,
        "items": {
            "object": "list",
            "data": [
                {
                    "id": stripe_id("si", script.number),
                    "object": "subscription_item",
                    "price": {
                        "id": stripe_id("price", currency, amount),
                        "object": "price",
                        "currency": currency,
                        "unit_amount": amount,
                        "recurring": {"interval": "month", "interval_count": 1},
                    },
                    "quantity": 1,
                    "current_period_start": epoch(script.at),
                    "current_period_end": epoch(script.at + timedelta(days=30)),
                }
            ],
            "has_more": False,
        },
        "livemode": False,
        "metadata": {"script": str(script.number)},
    }


def dispute(script: voices.Script, reason: str, currency: str, amount: int, text: str | None) -> dict:
    return {
        "id": stripe_id("dp", script.number),
        "object": "dispute",
        "amount": amount,
        "balance_transactions": [],
        "charge": stripe_id("ch", script.number),
        "created": epoch(script.at + timedelta(minutes=10)),
        "currency": currency,
        "evidence": {
            "customer_name": script.customer.name,
            "customer_email_address": script.customer.email,
            "product_description": None,
            "uncategorized_text": text,
        },
        "evidence_details": {"due_by": epoch(script.at + timedelta(days=7)), "has_evidence": False},
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {"script": str(script.number)},
        "payment_intent": stripe_id("pi", script.number),
        "reason": reason,
        "status": "needs_response",
    }


def refund(rid: str, charge: str, amount: int, currency: str, reason: str, created: datetime) -> dict:
    return {
        "id": rid,
        "object": "refund",
        "amount": amount,
        "balance_transaction": None,
        "charge": charge,
        "created": epoch(created),
        "currency": currency,
        "failure_reason": None,
        "metadata": {},
        "payment_intent": charge.replace("ch_", "pi_", 1),
        "reason": reason,
        "status": "pending",
    }


def first_words(script: voices.Script) -> str:
    return script.customer_turns[0].text if script.customer_turns else script.turns[0].text


def build(world: World) -> StripeState:
    """Every object and event of the sandbox's Stripe account, from the payment scripts (seeded)."""
    scripts = voices.scripts(world, "payment")
    rng = voices.channel_rng(world, "stripe-account")
    state = StripeState()
    by_customer: dict[int, list[voices.Script]] = {}
    for script in scripts:
        by_customer.setdefault(script.customer.id, []).append(script)
    for own in by_customer.values():
        cus = customer(own[0].customer, own[0].at - timedelta(minutes=5))
        state.customers[cus["id"]] = cus
        state.emit("customer.created", cus, cus["created"])
    for script in scripts:
        currency, amount = rng.choice(CURRENCIES), rng.randrange(10, 200) * 100
        if script.number % 3 == 0:
            _dispute(state, script, rng.choice(DISPUTE_REASONS), currency, amount, rng)
        else:
            _subscription(state, script, currency, amount, rng)
    for own in by_customer.values():
        if rng.random() < DELETED_SHARE:
            delete_customer(state, customer_id(own[0].customer), own[-1].at + timedelta(minutes=55))
    state.sort()
    return state


def _subscription(state: StripeState, script: voices.Script, currency: str, amount: int, rng) -> None:
    sub = subscription(script, currency, amount)
    state.subscriptions[sub["id"]] = sub
    state.emit("customer.subscription.created", sub, script.at)
    mode, when = script.number % 4, script.at + timedelta(minutes=30)
    if mode in (1, 2):  # cancelled by the customer, with their words and a feedback choice
        details = {"comment": first_words(script), "feedback": rng.choice(FEEDBACK), "reason": "cancellation_requested"}
        previous = {"cancellation_details": dict(sub["cancellation_details"])}
        sub.update(canceled_at=epoch(when), cancellation_details=details)
        if mode == 1:
            previous.update(status="active", ended_at=None, canceled_at=None)
            sub.update(status="canceled", ended_at=epoch(when))
            state.emit("customer.subscription.deleted", sub, when, previous)
            rid = stripe_id("re", script.number)
            ref = refund(rid, stripe_id("ch", script.number), amount // 2, currency, "requested_by_customer", when)
            state.refunds[rid] = ref
            state.emit("refund.created", ref, when + timedelta(minutes=1))
            ref["status"] = "succeeded"
            state.emit("refund.updated", ref, when + timedelta(minutes=5), {"status": "pending"})
        else:
            end = sub["items"]["data"][0]["current_period_end"]
            previous.update(cancel_at_period_end=False, cancel_at=None, canceled_at=None)
            sub.update(cancel_at_period_end=True, cancel_at=end)
            state.emit("customer.subscription.updated", sub, when, previous)
    elif mode == 3:  # a plain change: one more seat
        sub["items"]["data"][0]["quantity"] = 2
        state.emit("customer.subscription.updated", sub, when, {"items": {"data": [{"quantity": 1}]}})


def _dispute(state: StripeState, script: voices.Script, reason: str, currency: str, amount: int, rng) -> None:
    text = first_words(script) if script.number % 2 == 0 else None
    dp = dispute(script, reason, currency, amount, text)
    state.disputes[dp["id"]] = dp
    state.emit("charge.dispute.created", dp, dp["created"])
    if text is not None:  # evidence submitted: under review, and for some a decision
        dp.update(status="under_review")
        dp["evidence_details"]["has_evidence"] = True
        state.emit("charge.dispute.updated", dp, script.at + timedelta(minutes=40), {"status": "needs_response"})
        if script.number % 4 == 0:
            dp.update(status=rng.choice(("won", "lost")))
            state.emit("charge.dispute.closed", dp, script.at + timedelta(minutes=50), {"status": "under_review"})
    if script.number % 9 == 0:  # the merchant refunds the charge as well
        rid = stripe_id("re", script.number)
        ref = refund(rid, dp["charge"], amount, currency, rng.choice(("duplicate", "fraudulent")), script.at)
        state.refunds[rid] = ref
        state.emit("refund.created", ref, script.at + timedelta(minutes=20))


def delete_customer(state: StripeState, cus_id: str, at: datetime | int) -> dict:
    """Delete a customer as Stripe does: its live subscriptions are cancelled at once, then
    ``customer.deleted`` carries the customer as it was. Returns the ``customer.deleted`` event."""
    moment = at if isinstance(at, int) else epoch(at)
    for sub in state.subscriptions.values():
        if sub["customer"] == cus_id and sub["status"] != "canceled":
            previous = {"status": sub["status"], "ended_at": None}
            sub.update(status="canceled", ended_at=moment, canceled_at=sub["canceled_at"] or moment)
            if not sub["cancellation_details"]["reason"]:
                sub["cancellation_details"] = {**sub["cancellation_details"], "reason": "cancellation_requested"}
            state.emit("customer.subscription.deleted", sub, moment, previous)
    state.deleted.add(cus_id)
    return state.emit("customer.deleted", state.customers[cus_id], moment)
