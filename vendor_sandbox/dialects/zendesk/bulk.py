"""A bulk ticket export: millions of Zendesk tickets rendered page by page, never held.

Why: the seeded world builds every conversation (with its messages) in Python and pre-serialises
each export record, which is right for tests but takes gigabytes and minutes at a million tickets.
Memory benchmarks need that many tickets served over HTTP, and the sandbox must stay small and quick.

How (``--bulk-tickets N``): ticket ``i`` (1..N) is a copy of one of the world's own Zendesk tickets
(template ``(i - 1) % len(templates)``, so subjects, descriptions, tags and deletes are the world's
multilingual ones) with id ``i`` and ``updated_at`` at slot ``i`` of N evenly spread over the world's
history. ``updated_at`` never decreases with the id, so the export's (timestamp, id) order is the id
order: a cursor is found by bisecting the ids, and a page is rendered when it is asked for. The same
world and N always serve the same bytes. The tickets never change: the change feed has nothing to
move here, and ``upsert`` says so.
"""

from __future__ import annotations

import bisect
import json
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from vendor_sandbox.dialects.zendesk import render
from vendor_sandbox.export_stream import Page
from vendor_sandbox.world import Conversation


class BulkTickets:
    """``ExportStream``'s cursor paging (``after``, ``len``) over ``count`` tickets made on demand."""

    def __init__(
        self,
        templates: Sequence[Conversation],
        count: int,
        start: datetime,
        end: datetime,
        base: str,
        lag_seconds: int = 60,
    ) -> None:
        if not templates:
            raise ValueError("bulk tickets need at least one Zendesk ticket in the world to copy")
        if count < 1 or end <= start:
            raise ValueError("bulk tickets need a positive count and a non-empty history")
        self.templates, self.count, self.base = list(templates), count, base
        self.lag_seconds = lag_seconds
        self._start = int(start.timestamp())
        self._span = int(end.timestamp()) - self._start
        self._ids = range(1, count + 1)

    def __len__(self) -> int:
        return self.count

    def timestamp(self, ticket_id: int) -> int:
        """``updated_at`` of ticket ``ticket_id`` (Unix seconds): slot ``ticket_id`` of ``count``."""
        return self._start + (ticket_id - 1) * self._span // self.count

    def ticket(self, ticket_id: int) -> dict:
        """The rendered ticket: its template with this id and times (deleted on its update, if the
        template was deleted)."""
        template = self.templates[(ticket_id - 1) % len(self.templates)]
        updated = datetime.fromtimestamp(self.timestamp(ticket_id), UTC)
        age = min(template.updated_at - template.created_at, updated - datetime.fromtimestamp(self._start, UTC))
        conversation = replace(
            template,
            id=ticket_id,
            created_at=updated - max(age, timedelta(0)),
            updated_at=updated,
            deleted_at=updated if template.deleted_at else None,
        )
        return render.ticket(conversation, self.base)

    def after(self, key: tuple[int, int], limit: int) -> Page:
        """Tickets strictly after ``key`` = (timestamp, id), at most ``limit``, none in the last
        ``lag_seconds`` (as ``ExportStream.after``)."""
        first = bisect.bisect_right(self._ids, key, key=lambda i: (self.timestamp(i), i))
        cutoff = int(time.time()) - self.lag_seconds
        horizon = bisect.bisect_right(self._ids, cutoff, key=self.timestamp)
        end = min(first + limit, horizon)
        if end <= first:
            return Page([], None, True)
        ids = self._ids[first:end]
        records = [json.dumps(self.ticket(i), ensure_ascii=False, separators=(",", ":")).encode() for i in ids]
        return Page(records, (self.timestamp(ids[-1]), ids[-1]), end >= horizon)

    def upsert(self, ts: int, rid: int, record: dict) -> None:
        raise NotImplementedError("bulk tickets never change: start the sandbox without --bulk-tickets for changes")
