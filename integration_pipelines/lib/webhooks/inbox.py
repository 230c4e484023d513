"""The durable inbox: every accepted webhook event, stored once, before the vendor gets its 2xx.

One schema on SQLite (WAL, locally) and PostgreSQL (production), chosen by URL. Unique on (vendor,
key), so a vendor's redelivery of an event we already hold stores nothing. Rows are marked processed
by the sensors, never deleted by them; ``prune`` removes processed rows older than a retention.
SQLite runs in WAL mode with ``synchronous=NORMAL``: a commit survives the receiver being killed
(the case that matters here); a power cut may lose the last commits, so production uses PostgreSQL.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from integration_pipelines.lib.webhooks.events import WebhookEvent

metadata = sa.MetaData()
EVENTS = sa.Table(
    "webhook_events",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("vendor", sa.String(64), nullable=False),
    sa.Column("event_key", sa.String(255), nullable=False),
    sa.Column("topic", sa.String(255), nullable=False),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("payload", sa.Text(), nullable=False),
    sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
    sa.UniqueConstraint("vendor", "event_key", name="webhook_events_vendor_key"),
    sa.Index("webhook_events_vendor_id", "vendor", "id"),
    sa.Index("webhook_events_vendor_occurred", "vendor", "occurred_at"),
)


@dataclass(frozen=True)
class StoredEvent:
    id: int
    vendor: str
    event: WebhookEvent
    received_at: datetime


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Inbox:
    """The inbox behind one URL (``sqlite:///path`` or ``postgresql+psycopg2://...``)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._sqlite = url.startswith("sqlite")
        if self._sqlite:
            path = sa.engine.make_url(url).database
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.engine = sa.create_engine(url, pool_pre_ping=not self._sqlite)
        if self._sqlite:
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        # one compiled statement for every add: compiling per call costs more than the commit
        self._insert = (
            (sqlite.insert if self._sqlite else postgresql.insert)(EVENTS)
            .on_conflict_do_nothing(index_elements=["vendor", "event_key"])
            .returning(EVENTS.c.vendor, EVENTS.c.event_key)
        )
        self._write_lock = threading.Lock()  # SQLite has one writer; queue here rather than on its busy timeout
        metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def add(self, vendor: str, events: Sequence[WebhookEvent], now: datetime | None = None) -> int:
        """Store the events in one transaction; returns how many were new (the rest were already here)."""
        return self.add_batches([(vendor, events)], now)[0]

    def add_batches(
        self, batches: Sequence[tuple[str, Sequence[WebhookEvent]]], now: datetime | None = None
    ) -> list[int]:
        """Several deliveries in one transaction (one commit, however many requests wait on it); returns
        the new events per delivery. All or nothing: a failure stores none of them."""
        received = now or datetime.now(UTC)
        rows, owners = [], []
        for index, (vendor, events) in enumerate(batches):
            for e in events:
                payload = json.dumps(e.payload, ensure_ascii=False, sort_keys=True)
                rows.append(
                    {
                        "vendor": vendor,
                        "event_key": e.key,
                        "topic": e.topic,
                        "occurred_at": e.occurred_at,
                        "received_at": received,
                        "payload": payload,
                    }
                )
                owners.append(index)
        counts = [0] * len(batches)
        if not rows:
            return counts
        with self._write_lock, self.engine.begin() as con:
            # one multi-row statement; RETURNING names the rows that were new (a redelivery returns nothing)
            new = {(r.vendor, r.event_key) for r in con.execute(self._insert, rows)}
        first_owner: dict[tuple[str, str], int] = {}
        for row, owner in zip(rows, owners, strict=True):
            first_owner.setdefault((row["vendor"], row["event_key"]), owner)
        for key in new:
            counts[first_owner[key]] += 1
        return counts

    def after(self, vendor: str, after_id: int, limit: int = 10_000) -> list[StoredEvent]:
        """The vendor's events stored after ``after_id``, oldest first (a sensor's cursor reads here)."""
        query = (
            sa.select(EVENTS)
            .where(EVENTS.c.vendor == vendor, EVENTS.c.id > after_id)
            .order_by(EVENTS.c.id)
            .limit(limit)
        )
        with self.engine.connect() as con:
            return [_stored(row) for row in con.execute(query).mappings()]

    def between(self, vendor: str, start: datetime, end: datetime) -> list[StoredEvent]:
        """The vendor's events that happened in [start, end) (a sync's window reads its deletions here)."""
        query = (
            sa.select(EVENTS)
            .where(EVENTS.c.vendor == vendor, EVENTS.c.occurred_at >= start, EVENTS.c.occurred_at < end)
            .order_by(EVENTS.c.id)
        )
        with self.engine.connect() as con:
            return [_stored(row) for row in con.execute(query).mappings()]

    def mark_processed(self, ids: Iterable[int], now: datetime | None = None) -> None:
        ids = list(ids)
        if not ids:
            return
        with self._write_lock, self.engine.begin() as con:
            con.execute(
                EVENTS.update()
                .where(EVENTS.c.id.in_(ids), EVENTS.c.processed_at.is_(None))
                .values(processed_at=now or datetime.now(UTC))
            )

    def count(self, vendor: str | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(EVENTS)
        if vendor:
            query = query.where(EVENTS.c.vendor == vendor)
        with self.engine.connect() as con:
            return int(con.execute(query).scalar_one())

    def depth(self) -> dict[str, tuple[int, float]]:
        """Per vendor: unprocessed events and the age in seconds of the oldest one."""
        query = (
            sa.select(EVENTS.c.vendor, sa.func.count(), sa.func.min(EVENTS.c.received_at))
            .where(EVENTS.c.processed_at.is_(None))
            .group_by(EVENTS.c.vendor)
        )
        now = datetime.now(UTC)
        with self.engine.connect() as con:
            return {
                vendor: (int(n), (now - _aware(oldest)).total_seconds()) for vendor, n, oldest in con.execute(query)
            }

    def prune(self, older_than: timedelta, now: datetime | None = None) -> int:
        """Delete processed events received before ``now - older_than``; unprocessed ones always stay."""
        cutoff = (now or datetime.now(UTC)) - older_than
        with self._write_lock, self.engine.begin() as con:
            return con.execute(
                EVENTS.delete().where(EVENTS.c.processed_at.is_not(None), EVENTS.c.received_at < cutoff)
            ).rowcount


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _stored(row: Any) -> StoredEvent:
    event = WebhookEvent(
        key=row["event_key"],
        topic=row["topic"],
        occurred_at=_aware(row["occurred_at"]),
        payload=json.loads(row["payload"]),
    )
    return StoredEvent(id=row["id"], vendor=row["vendor"], event=event, received_at=_aware(row["received_at"]))
