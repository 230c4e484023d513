"""Feedback queries: optional columns come out as nulls, a missing required one is a clear error."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest

from integration_pipelines.lib.text.feedback import FEEDBACK_COLUMNS, FeedbackSource, feedback_rows

START, END = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)
BASE = """SELECT '{source}' AS source, 'call' AS source_object, '1' AS message_id, 'c1' AS parent_id,
       'customer' AS author_role, 'voice' AS channel, TIMESTAMPTZ '2026-11-01 10:00:00+00' AS created_at,
       TIMESTAMPTZ '2026-11-01 10:00:00+00' AS updated_at, 'hello' AS text, false AS is_deleted{extra}
FROM t WHERE $start <= TIMESTAMPTZ '2026-11-01 10:00:00+00' AND $end > TIMESTAMPTZ '2026-11-01 10:00:00+00'"""


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT 1 AS x")
    return con


def test_a_source_with_its_own_sentiment_keeps_it_and_the_others_get_nulls(con) -> None:
    with_vendor = FeedbackSource(
        "retell", ("main.t",), BASE.format(source="retell", extra=", 'Negative' AS vendor_sentiment")
    )
    without = FeedbackSource("zendesk", ("main.t",), BASE.format(source="zendesk", extra=""))

    rows, read = feedback_rows(con, [without, with_vendor], START, END)

    assert read == ["zendesk", "retell"]
    assert rows.column_names == list(FEEDBACK_COLUMNS)
    assert rows.column("vendor_sentiment").to_pylist() == [None, "Negative"]
    assert rows.column("author_phone").to_pylist() == [None, None]


def test_a_query_missing_a_required_column_names_it(con) -> None:
    broken = FeedbackSource(
        "retell", ("main.t",), BASE.format(source="retell", extra="").replace(", 'hello' AS text", "")
    )
    with pytest.raises(ValueError, match="did not select text"):
        feedback_rows(con, [broken], START, END)
