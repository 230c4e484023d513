"""The change feed in Retell: new calls and their post-call analysis.

- ``new_message``: a pool customer's new call ends at the change time (a new call is Retell's new
  conversation); it is listed at once without ``call_analysis``, and ``call_ended`` is sent.
- ``status_change``: a call's analysis is published (``call_analysis`` appears, ``call_analyzed`` is
  sent); with no call waiting for one, an existing call's analysis is announced again.

No ``delete`` kind: Retell's ``DELETE /v2/delete-call/{id}`` (served by the dialect) sends no webhook,
so the feed cannot announce one. Retell sends no event id either; ``event_id`` here is the topic and
call id, which is what the receiver keys on too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from vendor_sandbox.changefeed.model import Change, ChangeError, Delivery, FeedContext
from vendor_sandbox.changefeed.overlay import change_time
from vendor_sandbox.dialects.retell import render, webhooks

if TYPE_CHECKING:
    from vendor_sandbox.dialects.retell.dialect import RetellDialect


class RetellFeed:
    kinds = ("new_message", "status_change")
    objects = ("calls",)

    def apply(self, dialect: RetellDialect, kind: str, at: datetime | None, options: Mapping[str, Any]) -> Change:
        if not dialect.scripts:
            raise ChangeError("the world has no voice scripts")
        if kind == "new_message":
            script = dialect.rng.choice(dialect.scripts)
            number = dialect.next_number
            dialect.next_number += 1
            ended = change_time(at)
            record = render.call(dialect.world, script, number=number, at=ended)
            shift = record["end_timestamp"] - render.epoch_ms(ended)  # the call ends at the change time
            record["start_timestamp"] -= shift
            record["end_timestamp"] -= shift
            dialect.pending[record["call_id"]] = record.pop("call_analysis")
            dialect.add(record)
            topic = "call_ended"
        elif kind == "status_change":
            if dialect.pending:
                call_id = dialect.rng.choice(sorted(dialect.pending))
                dialect.calls[call_id]["call_analysis"] = dialect.pending.pop(call_id)
            else:
                call_id = dialect.rng.choice(sorted(k for k, c in dialect.calls.items() if c.get("call_id")))
            record = dialect.calls[call_id]
            topic = "call_analyzed"
        else:
            raise ChangeError(f"Retell announces no {kind} by webhook")
        moment = render.from_ms(record["end_timestamp"])
        details = {"call_status": record["call_status"], "start_timestamp": record["start_timestamp"]}
        return Change(
            "retell",
            kind,
            "call",
            record["call_id"],
            moment,
            f"{topic}:{record['call_id']}",
            topic,
            dict(record),
            details,
        )

    def deliveries(self, changes: Sequence[Change], url: str, context: FeedContext) -> list[Delivery]:
        return [webhooks.delivery(change, url, context) for change in changes]


RETELL_FEED = RetellFeed()
