"""The change feed in Stripe: cancellations with the customer's words, dispute decisions, deleted customers.

- ``new_message`` (subscriptions): a live subscription is cancelled by its customer, with a comment
  (``customer.subscription.deleted``): new words from the customer;
- ``status_change`` (disputes): a dispute moves on: needs_response → under_review (``charge.dispute.updated``),
  under_review → won or lost (``charge.dispute.closed``);
- ``delete`` (customers): a customer is deleted (its live subscriptions cancelled first, as Stripe does),
  ``customer.deleted``.

Each change is an Event appended to the account, so ``GET /v1/events`` lists it at once.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from vendor_sandbox import texts
from vendor_sandbox.changefeed.model import KINDS, Change, ChangeError, Delivery, FeedContext
from vendor_sandbox.changefeed.overlay import change_time
from vendor_sandbox.dialects.stripe import render, webhooks

if TYPE_CHECKING:
    from vendor_sandbox.dialects.stripe.dialect import StripeDialect

OBJECT_OF = {"new_message": "subscriptions", "status_change": "disputes", "delete": "customers"}


class StripeFeed:
    kinds = KINDS
    objects = ("subscriptions", "disputes", "customers")

    def apply(self, dialect: StripeDialect, kind: str, at: datetime | None, options: Mapping[str, Any]) -> Change:
        target = options.get("object", OBJECT_OF[kind])
        if target != OBJECT_OF[kind]:
            raise ChangeError(f"Stripe's feed makes {kind} changes on {OBJECT_OF[kind]}, not {target!r}")
        state = dialect.state
        rng = random.Random(f"change-feed:{dialect.world.config.seed}:stripe:{state.sequence}")
        if kind == "new_message":
            event, details = self._cancel(state, rng, at)
        elif kind == "status_change":
            event, details = self._dispute_moves(state, rng, at)
        else:
            event, details = self._delete(state, rng, at)
        state.sort()
        obj = event["data"]["object"]
        moment = datetime.fromtimestamp(event["created"], UTC)
        served = {k: v for k, v in event.items() if not k.startswith("_")}
        return Change("stripe", kind, obj["object"], obj["id"], moment, event["id"], event["type"], served, details)

    def _cancel(self, state: render.StripeState, rng: random.Random, at: datetime | None) -> tuple[dict, dict]:
        live = [s for _, s in sorted(state.subscriptions.items()) if s["status"] != "canceled"]
        if not live:
            raise ChangeError("no live subscription left to cancel")
        sub = rng.choice(live)
        when = _when(state, sub["id"], at)
        variety = rng.choice(sorted(texts.FOLLOWUPS))
        comment = rng.choice(texts.FOLLOWUPS[variety])
        previous = {
            "status": sub["status"],
            "ended_at": None,
            "cancellation_details": dict(sub["cancellation_details"]),
        }
        details = {"comment": comment, "feedback": rng.choice(render.FEEDBACK), "reason": "cancellation_requested"}
        sub.update(status="canceled", ended_at=when, canceled_at=when, cancellation_details=details)
        event = state.emit("customer.subscription.deleted", sub, when, previous)
        return event, {"comment": comment, "status": "canceled"}

    def _dispute_moves(self, state: render.StripeState, rng: random.Random, at: datetime | None) -> tuple[dict, dict]:
        open_ = [d for _, d in sorted(state.disputes.items()) if d["status"] in ("needs_response", "under_review")]
        if not open_:
            raise ChangeError("no open dispute left to move on")
        dp = rng.choice(open_)
        when, before = _when(state, dp["id"], at), dp["status"]
        if before == "needs_response":
            dp["status"], kind = "under_review", "charge.dispute.updated"
        else:
            dp["status"], kind = rng.choice(("won", "lost")), "charge.dispute.closed"
        event = state.emit(kind, dp, when, {"status": before})
        return event, {"previous_status": before, "status": dp["status"]}

    def _delete(self, state: render.StripeState, rng: random.Random, at: datetime | None) -> tuple[dict, dict]:
        alive = sorted(set(state.customers) - state.deleted)
        if not alive:
            raise ChangeError("no customer left to delete")
        cus_id = rng.choice(alive)
        event = render.delete_customer(state, cus_id, _when(state, cus_id, at))
        return event, {"email": state.customers[cus_id]["email"]}

    def deliveries(self, changes: Sequence[Change], url: str, context: FeedContext) -> list[Delivery]:
        return [webhooks.delivery(change, url, context) for change in changes]


def _when(state: render.StripeState, object_id: str, at: datetime | None) -> int:
    """Whole seconds, after the object's last event (a change never goes back in time)."""
    last = max((e["created"] for e in state.events if e["data"]["object"].get("id") == object_id), default=None)
    after = None if not isinstance(last, int) else datetime.fromtimestamp(last, UTC)
    return render.epoch(change_time(at, after))


STRIPE_FEED = StripeFeed()
