"""The change feed in Salesforce: case comments and case status changes, announced by outbound message.

A new message is a new CaseComment and moves its Case's LastModifiedDate and SystemModstamp to the
change time; a status change sets the Case's Status (and IsClosed/ClosedDate). Both are visible to
SOQL at once. Deletes are not offered: outbound messages (workflow actions) never fire on delete.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from vendor_sandbox.changefeed.model import Change, Delivery, FeedContext
from vendor_sandbox.dialects.salesforce import render, webhooks
from vendor_sandbox.world import Conversation

if TYPE_CHECKING:
    from vendor_sandbox.dialects.salesforce.dialect import SalesforceDialect

OPEN_STATUSES = ("new", "open", "pending", "hold")


def _open(conv: Conversation) -> bool:
    return conv.deleted_at is None and conv.status in OPEN_STATUSES


class SalesforceFeed:
    kinds = ("new_message", "status_change")
    objects = ("Case",)

    def apply(self, dialect: SalesforceDialect, kind: str, at: datetime | None, options: Mapping[str, Any]) -> Change:
        overlay = dialect.overlay
        conv = overlay.pick(_open, "open case")
        notification_id = render.sf_id("04l", overlay.event_number())
        if kind == "new_message":
            conv, message = overlay.reply(conv, "customer", at)
            comment = render.case_comment(message, conv)
            dialect.tables["CaseComment"].upsert(message.id, comment)
            details: dict[str, Any] = {"comment_id": comment["Id"], "body": message.body}
        else:
            previous = render.CASE_STATUS[conv.status]
            status = overlay.choose({s for s in render.CASE_STATUS if render.CASE_STATUS[s] != previous} - {"new"})
            conv = overlay.set_status(conv, status, at)
            details = {"previous_status": previous, "status": render.CASE_STATUS[status]}
        row = render.case(conv)
        dialect.tables["Case"].upsert(conv.id, row)
        return Change(
            "salesforce",
            kind,
            "Case",
            row["Id"],
            conv.updated_at,
            notification_id,
            "Case",
            {name: row[name] for name in webhooks.CASE_FIELDS},
            details,
        )

    def deliveries(self, changes: Sequence[Change], url: str, context: FeedContext) -> list[Delivery]:
        return [webhooks.delivery(changes, url, context)] if changes else []


SALESFORCE_FEED = SalesforceFeed()
