"""Checks that can fail on the feedback tables, scoped to the run's days (the whole table otherwise).

* ``label_domain`` on feedback_sentiment: every row has a label in negative/neutral/positive, a score
  in [-1, 1], a confidence in [0, 1] and who scored it. A provider answering outside the contract
  (an LLM inventing "mixed", a NaN score) shows up here, before dashboards average it.
* ``no_pii_leak`` on feedback_preprocessed: no e-mail, phone, card or IBAN survived redaction in
  ``normalized_text`` or ``tokens``, per an independent detector (``leaks.py``). It blocks: the
  normalised text is what feedback_sentiment sends to an LLM and the exports ship to warehouses, so
  a leak stops the run before it leaves the machine.

Metadata gives counts and row ids (``source:message_id``), never the offending values.
"""

import json
from datetime import datetime

import dagster as dg
import duckdb

from integration_pipelines.defs.text.leaks import KINDS, pii_kinds
from integration_pipelines.defs.text.tables import SCHEMA, feedback_key
from integration_pipelines.lib.text.feedback import existing_tables
from integration_pipelines.lib.text.sentiment.base import LABELS
from integration_pipelines.lib.warehouses.pools import WAREHOUSE_POOL

MAX_IDS = 20  # row ids listed in metadata; the counts are always complete


def run_window(context: dg.AssetCheckExecutionContext) -> tuple[datetime, datetime] | None:
    """The days the check's run covered; None (the whole table) when the run was not partitioned."""
    if context.has_partition_key or context.has_partition_key_range:
        window = context.partition_time_window
        return window.start, window.end
    return None


def _scope(window: tuple[datetime, datetime] | None) -> tuple[str, dict[str, datetime]]:
    if window is None:
        return "true", {}
    return "updated_at >= $start AND updated_at < $end", {"start": window[0], "end": window[1]}


def _window_metadata(window: tuple[datetime, datetime] | None) -> dict[str, str]:
    if window is None:
        return {"scope": "whole table"}
    return {"scope": "run window", "window_start": window[0].isoformat(), "window_end": window[1].isoformat()}


def _missing(key: dg.AssetKey, name: str, table: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(asset_key=key, check_name=name, passed=False, description=f"{table} does not exist yet")


def label_domain_result(
    con: duckdb.DuckDBPyConnection, window: tuple[datetime, datetime] | None
) -> dg.AssetCheckResult:
    key, table = feedback_key("feedback_sentiment"), f"{SCHEMA}.feedback_sentiment"
    if table not in existing_tables(con):
        return _missing(key, "label_domain", table)
    where, params = _scope(window)
    labels = ", ".join(f"'{label}'" for label in LABELS)
    problems = {
        "bad_label": f"label IS NULL OR label NOT IN ({labels})",
        "bad_score": "score IS NULL OR isnan(score) OR score < -1 OR score > 1",
        "bad_confidence": "confidence IS NULL OR isnan(confidence) OR confidence < 0 OR confidence > 1",
        "no_provenance": "provider IS NULL OR model IS NULL",
    }
    counts = ", ".join(f"count(*) FILTER (WHERE {sql})" for sql in problems.values())
    rows, *bad = con.execute(f"SELECT count(*), {counts} FROM {table} WHERE {where}", params).fetchone()
    any_bad = " OR ".join(f"({sql})" for sql in problems.values())
    ids = con.execute(
        f"SELECT source || ':' || message_id FROM {table} WHERE ({where}) AND ({any_bad}) "
        f"ORDER BY source, message_id LIMIT {MAX_IDS}",
        params,
    ).fetchall()
    failing = dict(zip(problems, bad, strict=True))
    return dg.AssetCheckResult(
        asset_key=key,
        check_name="label_domain",
        passed=not any(failing.values()),
        metadata={"rows": rows, **failing, "row_ids": ", ".join(r[0] for r in ids), **_window_metadata(window)},
    )


def pii_leak_result(con: duckdb.DuckDBPyConnection, window: tuple[datetime, datetime] | None) -> dg.AssetCheckResult:
    key, table = feedback_key("feedback_preprocessed"), f"{SCHEMA}.feedback_preprocessed"
    if table not in existing_tables(con):
        return _missing(key, "no_pii_leak", table)
    where, params = _scope(window)
    cursor = con.execute(
        f"SELECT source || ':' || message_id, normalized_text, tokens FROM {table} WHERE {where} "
        "ORDER BY source, message_id",
        params,
    )
    rows, leaking, by_kind = 0, [], dict.fromkeys(KINDS, 0)
    while batch := cursor.fetchmany(10_000):
        for row_id, text, tokens in batch:
            rows += 1
            kinds = pii_kinds(text) | pii_kinds(" ".join(json.loads(tokens)) if tokens else None)
            for kind in kinds:
                by_kind[kind] += 1
            if kinds:
                leaking.append(row_id)
    found = [kind for kind in KINDS if by_kind[kind]]
    return dg.AssetCheckResult(
        asset_key=key,
        check_name="no_pii_leak",
        passed=not leaking,
        metadata={
            "rows": rows,
            "rows_with_pii": len(leaking),
            **{f"rows_with_{kind}": n for kind, n in by_kind.items()},
            "kinds": ", ".join(found) or "none",
            "row_ids": ", ".join(leaking[:MAX_IDS]),
            **_window_metadata(window),
        },
        description=None
        if not leaking
        else f"{len(leaking)} row(s) still carry {', '.join(found)} after redaction: "
        f"SELECT * FROM {table} WHERE source || ':' || message_id IN (<row_ids>)",
    )


@dg.asset_check(
    asset=feedback_key("feedback_sentiment"),
    name="label_domain",
    description="Every label is negative, neutral or positive, every score in [-1, 1], every confidence in "
    "[0, 1], and provider and model are set, for the rows of the run's days.",
    required_resource_keys={"duckdb"},
    pool=WAREHOUSE_POOL,  # opens the working DuckDB file read-write, like the asset
)
def feedback_sentiment_label_domain(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    with context.resources.duckdb.get_connection() as con:
        return label_domain_result(con, run_window(context))


@dg.asset_check(
    asset=feedback_key("feedback_preprocessed"),
    name="no_pii_leak",
    description="No e-mail address, phone number, Luhn-valid card number or mod-97-valid IBAN survives "
    "redaction in normalized_text or tokens (an independent detector). Blocks: this text is what leaves "
    "the machine.",
    blocking=True,
    required_resource_keys={"duckdb"},
    pool=WAREHOUSE_POOL,
)
def feedback_preprocessed_no_pii_leak(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    with context.resources.duckdb.get_connection() as con:
        return pii_leak_result(con, run_window(context))
