"""Reading the marts dbt builds in the local exported warehouse (``export.duckdb``): what the demo
shows, and the two questions a dashboard asks first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

# dim_customer's id column of each system, in order
ID_COLUMNS = {
    "zendesk": "zendesk_user_id",
    "salesforce": "salesforce_contact_id",
    "hubspot": "hubspot_contact_id",
    "intercom": "intercom_contact_id",
    "retell": "retell_customer_id",
    "twilio": "twilio_customer_id",
    "calendly": "calendly_customer_id",
    "stripe": "stripe_customer_id",
}
SYSTEMS = tuple(ID_COLUMNS)
MARTS_SCHEMA = "marts"  # dbt's marts schema, under EXPORT_SCHEMA_PREFIX like the exported ones


@dataclass(frozen=True)
class DailySentiment:
    day: date
    source: str
    messages: int
    negative: float | None
    neutral: float | None
    positive: float | None
    mean_score: float | None


@dataclass(frozen=True)
class Customer:
    label: str  # email, else name, else the first system id
    systems: tuple[str, ...]
    messages: int
    negative_messages: int
    last_seen_at: datetime | None


def _schema(prefix: str) -> str:
    return f'"{prefix}{MARTS_SCHEMA}"'


def last_days_of_sentiment(path: Path, days: int = 3, prefix: str = "") -> list[DailySentiment]:
    """``agg_sentiment_daily`` for the last ``days`` days that have messages, per day and source (its
    channels and languages summed, the shares weighted by scored messages)."""
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            f"""
            WITH recent AS (
                SELECT * FROM {_schema(prefix)}.agg_sentiment_daily
                WHERE message_date IN (SELECT DISTINCT message_date FROM {_schema(prefix)}.agg_sentiment_daily
                                       ORDER BY message_date DESC LIMIT ?))
            SELECT message_date, source, sum(messages),
                   sum(negative_share * scored_messages) / nullif(sum(scored_messages), 0),
                   sum(neutral_share * scored_messages) / nullif(sum(scored_messages), 0),
                   sum(positive_share * scored_messages) / nullif(sum(scored_messages), 0),
                   sum(mean_score * scored_messages) / nullif(sum(scored_messages), 0)
            FROM recent GROUP BY ALL ORDER BY message_date DESC, source""",
            [days],
        ).fetchall()
    return [DailySentiment(*row) for row in rows]


def most_negative_customers(path: Path, limit: int = 5, prefix: str = "") -> list[Customer]:
    """The ``limit`` people in ``dim_customer`` with the most negative messages (then most messages)."""
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            f"""
            SELECT email, name, {", ".join(ID_COLUMNS.values())}, messages, negative_messages, last_seen_at
            FROM {_schema(prefix)}.dim_customer
            WHERE negative_messages > 0
            ORDER BY negative_messages DESC, messages DESC, customer_key LIMIT ?""",
            [limit],
        ).fetchall()
    return [_customer(*row) for row in rows]


def _customer(email: str | None, name: str | None, *rest: object) -> Customer:
    ids = dict(zip(SYSTEMS, rest[: len(SYSTEMS)], strict=True))
    messages, negative, last_seen = rest[len(SYSTEMS) :]
    present = tuple(system for system, value in ids.items() if value is not None)
    label = email or name or (f"{ids[present[0]]} ({present[0]})" if present else "unknown")
    return Customer(label, present, int(messages), int(negative), last_seen)  # type: ignore[arg-type]
