"""The BigQuery exporter against bqemulator over its real REST endpoint (load jobs, MERGE, DDL as
BigQuery clients send them): what only BigQuery does.

The semantics every engine shares are in test_exporter_contract*.py, which runs them on the emulator
too. Here: REQUIRED keys, the types only BigQuery maps (DATE, DATETIME, int32, an all-NULL new column),
flexible column names and GoogleSQL quoting, loads refused before any request, staging expiration and
clean-up, and loads failing at or right before the MERGE.

Every test works in a project of its own, so ``TICKETS`` (dataset ``zendesk``) never collides.
What the emulator cannot show is checked another way or left to real BigQuery: it ignores table
expirations (the request is checked instead), cannot parse backslash escapes in identifiers (checked on
the text; BigQuery forbids those characters in column names anyway), and rejects table names with
spaces that BigQuery allows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest
from google.api_core.exceptions import BadRequest, GoogleAPICallError, NotFound
from google.cloud import bigquery

from integration_pipelines.lib.warehouses.base import LoadResult, TableSpec
from integration_pipelines.lib.warehouses.bigquery import (
    STAGING_PREFIX,
    BigQueryExporter,
    quote_ident,
)
from integration_pipelines_tests.lib.warehouses.samples import (
    TICKETS,
    row,
    table,
)

Client = bigquery.Client
# A 5xx from the emulator makes google-api-core retry for 10 minutes; fail sooner than that.
pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def exporter(bigquery_connect: Any) -> BigQueryExporter:
    return BigQueryExporter(bigquery_connect)


def name(client: Client, spec: TableSpec = TICKETS) -> str:
    return ".".join(quote_ident(p) for p in (client.project, spec.schema, spec.name))


def fetch(client: Client, sql: str) -> list[tuple]:
    return [tuple(r.values()) for r in client.query(sql).result()]


def current(client: Client, spec: TableSpec = TICKETS) -> list[dict]:
    """The table without ``_loaded_at``, ordered by id."""
    rows = client.query(f"SELECT * FROM {name(client, spec)} ORDER BY `id`").result()
    return [{k: v for k, v in r.items() if k != "_loaded_at"} for r in rows]


def columns(client: Client, spec: TableSpec = TICKETS) -> dict[str, str]:
    return {f.name: f.field_type for f in client.get_table(f"{client.project}.{spec.schema}.{spec.name}").schema}


def table_names(client: Client, dataset: str = "zendesk") -> list[str]:
    try:
        return sorted(t.table_id for t in client.list_tables(f"{client.project}.{dataset}"))
    except NotFound:
        return []


def staging_tables(client: Client, dataset: str = "zendesk") -> list[str]:
    return [t for t in table_names(client, dataset) if t.startswith(STAGING_PREFIX)]


def test_key_columns_are_required(exporter: BigQueryExporter, bigquery_client: Client) -> None:
    """The key is created NOT NULL (REQUIRED): a NULL id written behind the exporter's back is refused."""
    exporter.upsert(TICKETS, table([row(1, 1, "one")]))
    with pytest.raises(BadRequest, match="NOT NULL"):
        fetch(bigquery_client, f"INSERT INTO {name(bigquery_client)} (`id`, `subject`) VALUES (NULL, 'x')")


def test_other_column_types_round_trip(exporter: BigQueryExporter, bigquery_client: Client) -> None:
    """DATE, naive timestamp (DATETIME), float, int32 and a new column of only NULLs (created STRING;
    the other engines refuse a new all-NULL column) load exactly: 1 row, those 5 column types."""
    extra = (
        pa.field("due", pa.date32()),
        pa.field("local_time", pa.timestamp("ns")),
        pa.field("score", pa.float64()),
        pa.field("small", pa.int32()),
        pa.field("nothing", pa.null()),
    )
    values = dict(
        due=date(2026, 10, 9), local_time=datetime(2026, 10, 9, 13, 30, 0, 123456), score=0.1, small=-7, nothing=None
    )
    exporter.upsert(TICKETS, table([row(1, 1, "one", **values)], *extra))
    assert {k: v for k, v in columns(bigquery_client).items() if k in values} == {
        "due": "DATE",
        "local_time": "DATETIME",
        "score": "FLOAT",
        "small": "INTEGER",
        "nothing": "STRING",
    }
    assert current(bigquery_client) == [row(1, 1, "one", **values)]


def test_odd_identifiers_are_quoted(exporter: BigQueryExporter, bigquery_client: Client) -> None:
    """Column names BigQuery allows (flexible names) that need quoting: a reserved word, a space, a
    dash, an apostrophe, Arabic letters; a reserved-word table name; "group by" added by the second
    load, which matches 1 and inserts 1 (2 rows), leaving no staging table."""
    spec = TableSpec("odd_schema", "select", ("id",))
    odd = (
        pa.field("select", pa.string()),
        pa.field("first name", pa.string()),
        pa.field("a-b", pa.int64()),
        pa.field("it's", pa.string()),
        pa.field("الاسم", pa.string()),
    )
    exporter.upsert(
        spec,
        table([row(1, 1, "x", **{"select": "s1", "first name": "Ali", "a-b": 1, "it's": "i1", "الاسم": "علي"})], *odd),
    )
    result = exporter.upsert(
        spec,
        table(
            [
                row(
                    1,
                    2,
                    "y",
                    **{"select": "s2", "first name": "علي", "a-b": 2, "it's": "i2", "الاسم": "ع", "group by": "g"},
                ),
                row(
                    2,
                    2,
                    "z",
                    **{"select": None, "first name": "Mona", "a-b": 3, "it's": None, "الاسم": "م", "group by": "h"},
                ),
            ],
            *odd,
            pa.field("group by", pa.string()),
        ),
    )
    assert result == LoadResult(rows_in=2, keys_in=2, inserted=1, matched=1, table_rows=2, deleted_rows=0)
    assert [
        (r["id"], r["select"], r["first name"], r["a-b"], r["it's"], r["الاسم"], r["group by"])
        for r in current(bigquery_client, spec)
    ] == [(1, "s2", "علي", 2, "i2", "ع", "g"), (2, None, "Mona", 3, None, "م", "h")]
    assert staging_tables(bigquery_client, "odd_schema") == []


def test_quoting_escapes_backticks_and_backslashes() -> None:
    """GoogleSQL quoted identifiers take string-literal escapes (BigQuery rejects these characters in
    names anyway, and the emulator cannot parse the escapes, so this is checked on the text)."""
    assert quote_ident("plain") == "`plain`"
    assert quote_ident("a`b") == "`a\\`b`"
    assert quote_ident("a\\b") == "`a\\\\b`"
    assert quote_ident("a\\`; DROP") == "`a\\\\\\`; DROP`"
    assert quote_ident("two\nlines") == "`two\\nlines`"


class _Untouchable:
    """A client factory that fails the test if the exporter asks for a client at all."""

    def __call__(self) -> Any:
        raise AssertionError("the exporter reached for BigQuery before rejecting the load")


def test_bad_loads_are_rejected_before_any_request() -> None:
    """Missing key column, NULL keys (2 of 3 rows, counted in the message) and column names that repeat
    ignoring case are refused without a single BigQuery request."""
    exporter = BigQueryExporter(_Untouchable())
    with pytest.raises(ValueError, match="updated_at"):
        exporter.upsert(TICKETS, pa.table({"id": [1]}))
    with pytest.raises(ValueError, match=r"zendesk\.tickets: 2 incoming row\(s\) have a NULL primary key"):
        exporter.upsert(TICKETS, table([row(None, 1, "a"), row(1, 1, "b"), row(None, 2, "c")]))
    with pytest.raises(ValueError, match="ignores case"):
        exporter.upsert(TICKETS, table([row(1, 1, "a", Subject="b")], pa.field("Subject", pa.string())))


class _Intercepted:
    """Delegates to a real client, but runs ``before_merge(client, sql)`` just before the MERGE is sent,
    and records every table the exporter creates through the API."""

    def __init__(self, client: Client, before_merge: Any = None) -> None:
        self._client, self._before_merge = client, before_merge
        self.created: list[bigquery.Table] = []

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._client, attr)

    def create_table(self, table: bigquery.Table, *args: Any, **kwargs: Any) -> Any:
        self.created.append(table)
        return self._client.create_table(table, *args, **kwargs)

    def query(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        if sql.startswith("MERGE") and self._before_merge:
            self._before_merge(self._client, sql)
        return self._client.query(sql, *args, **kwargs)


def _intercepting(connect: Any, before_merge: Any = None) -> tuple[Any, list[_Intercepted]]:
    seen: list[_Intercepted] = []

    @contextmanager
    def factory() -> Iterator[Any]:
        with connect() as client:
            seen.append(_Intercepted(client, before_merge))
            yield seen[-1]

    return factory, seen


def test_staging_tables_expire_on_their_own(bigquery_connect: Any) -> None:
    """The staging table is created with an expiration about a day ahead, so a process killed outright
    (no ``finally``) leaves nothing for good. (The emulator ignores expirations: this checks the
    request.)"""
    factory, seen = _intercepting(bigquery_connect)
    before = datetime.now(UTC)
    BigQueryExporter(factory).upsert(TICKETS, table([row(1, 1, "one")]))
    (staging,) = [t for t in seen[0].created if t.table_id.startswith(STAGING_PREFIX)]
    day = timedelta(days=1)  # what the README promises
    assert before + day <= staging.expires <= datetime.now(UTC) + day


def test_load_killed_after_staging_leaves_the_table_and_reruns_cleanly(
    bigquery_connect: Any, bigquery_client: Client
) -> None:
    """The process dies (an exception) after the staging load (1 staging table), right before the
    MERGE: the table keeps its exact 2 rows including _loaded_at, the staging table is gone, and
    rerunning the load matches 1, inserts 1 and gives the right 3 rows."""
    BigQueryExporter(bigquery_connect).upsert(TICKETS, table([row(1, 1, "one"), row(2, 1, "two")]))
    snapshot = fetch(bigquery_client, f"SELECT * FROM {name(bigquery_client)} ORDER BY `id`")

    def die(client: Client, sql: str) -> None:
        assert len(staging_tables(client)) == 1  # staged and loaded, then killed
        raise KeyboardInterrupt("killed before the MERGE")

    factory, _ = _intercepting(bigquery_connect, die)
    load = table([row(1, 2, "updated one"), row(3, 2, "three")])
    with pytest.raises(KeyboardInterrupt):
        BigQueryExporter(factory).upsert(TICKETS, load)
    assert fetch(bigquery_client, f"SELECT * FROM {name(bigquery_client)} ORDER BY `id`") == snapshot
    assert staging_tables(bigquery_client) == []
    result = BigQueryExporter(bigquery_connect).upsert(TICKETS, load)
    assert result == LoadResult(rows_in=2, keys_in=2, inserted=1, matched=1, table_rows=3, deleted_rows=0)
    assert current(bigquery_client) == [row(1, 2, "updated one"), row(2, 1, "two"), row(3, 2, "three")]
    assert staging_tables(bigquery_client) == []


def test_merge_failing_half_way_leaves_previous_table_untouched(bigquery_connect: Any, bigquery_client: Client) -> None:
    """Just before the MERGE (update id 1, insert id 3) the staged key of id 3 is set to NULL, so the
    MERGE itself fails in the engine (REQUIRED key) after having matched id 1: the table keeps its
    exact 2 rows including _loaded_at, no staging table remains, the rerun matches 1, inserts 1 and
    gives the right 3 rows."""
    BigQueryExporter(bigquery_connect).upsert(TICKETS, table([row(1, 1, "one"), row(2, 1, "two")]))
    snapshot = fetch(bigquery_client, f"SELECT * FROM {name(bigquery_client)} ORDER BY `id`")

    def sabotage(client: Client, sql: str) -> None:
        staging = re.search(r"FROM (`[^`]+`\.`zendesk`\.`ip_stg_[0-9a-f]+`)", sql).group(1)
        client.query(f"UPDATE {staging} SET `c0` = NULL WHERE `c0` = 3").result()

    factory, _ = _intercepting(bigquery_connect, sabotage)
    load = table([row(1, 2, "updated one"), row(3, 2, "three")])
    with pytest.raises(GoogleAPICallError, match="NOT NULL"):
        BigQueryExporter(factory).upsert(TICKETS, load)
    assert fetch(bigquery_client, f"SELECT * FROM {name(bigquery_client)} ORDER BY `id`") == snapshot
    assert staging_tables(bigquery_client) == []
    result = BigQueryExporter(bigquery_connect).upsert(TICKETS, load)
    assert result == LoadResult(rows_in=2, keys_in=2, inserted=1, matched=1, table_rows=3, deleted_rows=0)
    assert current(bigquery_client) == [row(1, 2, "updated one"), row(2, 1, "two"), row(3, 2, "three")]


def test_first_load_failing_at_the_merge_reruns_cleanly(bigquery_connect: Any, bigquery_client: Client) -> None:
    """The first load (1 row) fails at the MERGE: the staging table is dropped, the table just created
    stays empty (the dataset holds only "tickets"), and the rerun inserts the 1 row."""

    def die(client: Client, sql: str) -> None:
        raise RuntimeError("boom")

    factory, _ = _intercepting(bigquery_connect, die)
    with pytest.raises(RuntimeError, match="boom"):
        BigQueryExporter(factory).upsert(TICKETS, table([row(1, 1, "one")]))
    assert table_names(bigquery_client) == ["tickets"] and current(bigquery_client) == []
    result = BigQueryExporter(bigquery_connect).upsert(TICKETS, table([row(1, 1, "one")]))
    assert result == LoadResult(rows_in=1, keys_in=1, inserted=1, matched=0, table_rows=1, deleted_rows=0)
