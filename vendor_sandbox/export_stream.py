"""Incremental-export paging over pre-rendered records, shared by every dialect.

Records are kept sorted by (timestamp, id) and pre-serialised to JSON once, so a page is a bisect
and a byte join: the sandbox stays far faster than the client under test.
"""

from __future__ import annotations

import base64
import bisect
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    records: list[bytes]
    last_key: tuple[int, int] | None  # (timestamp, id) of the last record on the page
    end_of_stream: bool


class ExportStream:
    """An ordered view of one object type, paged by time or by cursor.

    ``upsert`` moves a record to its new timestamp, as an update does in a vendor's export: the
    record is served once, at its latest change, never at both its old and new positions.
    """

    def __init__(self, items: Iterable[tuple[int, int, dict]], lag_seconds: int = 60) -> None:
        self.lag_seconds = lag_seconds  # the vendor hides the last minute of changes
        self.load(items)

    def load(self, items: Iterable[tuple[int, int, dict]]) -> None:
        """Replace every record (in place, so routes holding this stream serve the new ones)."""
        rows = sorted(
            ((ts, rid, json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode()) for ts, rid, rec in items),
            key=lambda r: (r[0], r[1]),
        )
        self._keys = [(ts, rid) for ts, rid, _ in rows]
        self._bodies = [body for _, _, body in rows]

    def __len__(self) -> int:
        return len(self._keys)

    def upsert(self, ts: int, rid: int, record: dict) -> None:
        """Put ``record`` at (ts, rid), dropping the record's earlier position if it had one."""
        self.upsert_body(ts, rid, json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode())

    def upsert_body(self, ts: int, rid: int, body: bytes) -> None:
        """``upsert`` of an already serialised record: the bytes are served as they are, even when
        they are not valid JSON text (``poison.py`` serves broken records this way)."""
        self.remove(rid)
        at = bisect.bisect_right(self._keys, (ts, rid))
        self._keys.insert(at, (ts, rid))
        self._bodies.insert(at, body)

    def remove(self, rid: int) -> None:
        old = next((i for i, key in enumerate(self._keys) if key[1] == rid), None)
        if old is not None:
            del self._keys[old], self._bodies[old]

    def _horizon(self) -> int:
        """Index past the last record old enough to be exported now."""
        cutoff = int(time.time()) - self.lag_seconds
        return bisect.bisect_right(self._keys, (cutoff, float("inf")))

    def after(self, key: tuple[int, int], limit: int) -> Page:
        """Records strictly after ``key`` (cursor paging)."""
        start = bisect.bisect_right(self._keys, key)
        return self._page(start, limit)

    def since(self, start_time: int, limit: int, extend_same_second: bool = True) -> Page:
        """Records with timestamp >= ``start_time`` (time-based paging; a page never splits a second)."""
        start = bisect.bisect_left(self._keys, (start_time, -1))
        page = self._page(start, limit)
        if extend_same_second and page.records and not page.end_of_stream:
            end = start + len(page.records)
            horizon = self._horizon()
            last_ts = self._keys[end - 1][0]
            while end < horizon and self._keys[end][0] == last_ts:
                end += 1
            page = Page(self._bodies[start:end], self._keys[end - 1], end >= horizon)
        return page

    def _page(self, start: int, limit: int) -> Page:
        horizon = self._horizon()
        end = min(start + limit, horizon)
        if end <= start:
            return Page([], None, True)
        return Page(self._bodies[start:end], self._keys[end - 1], end >= horizon)


def encode_cursor(key: tuple[int, int]) -> str:
    return base64.urlsafe_b64encode(f"{key[0]}:{key[1]}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int]:
    """Parse an opaque cursor; raises ValueError on anything we did not issue."""
    padded = cursor + "=" * (-len(cursor) % 4)
    ts, rid = base64.urlsafe_b64decode(padded.encode()).decode().split(":")
    return int(ts), int(rid)
