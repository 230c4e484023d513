"""The BigQuery exporter against bqemulator over its real REST endpoint (load jobs, MERGE, DDL as
BigQuery clients send them): the same cases as the other exporters, plus type widening, staging
clean-up and a MERGE that really fails half-way.

Every test works in a project of its own, so ``TICKETS`` (dataset ``zendesk``) never collides.
What the emulator cannot show is checked another way or left to real BigQuery: it ignores table
expirations (the request is checked instead), cannot parse backslash escapes in identifiers (checked on
the text; BigQuery forbids those characters in column names anyway), and rejects table names with
spaces that BigQuery allows.
"""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
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
    STAGING_EXPIRATION,
    STAGING_PREFIX,
    BigQueryExporter,
    quote_ident,
)
from integration_pipelines.lib.warehouses.schema import SchemaChangeError
from integration_pipelines_tests.lib.warehouses.samples import (
    ARABIC,
    BASE_FIELDS,
    EXTRACTED,
    TICKETS,
    at,
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


BASE_COLUMNS = {"id": "INTEGER", "updated_at": "TIMESTAMP", "is_deleted": "BOOLEAN", "subject": "STRING",
                "_extracted_at": "TIMESTAMP", "_raw": "STRING", "_loaded_at": "TIMESTAMP"}


def test_first_load_creates_the_table(exporter: BigQueryExporter, bigquery_client: Client) -> None:
    """A first load into a project without the dataset creates dataset and table (BigQuery types,
    key REQUIRED, ``_loaded_at`` set on every row) and leaves no staging table."""
    rows = [row(1, 1, "one"), row(2, 2, "two"), row(3, 3, "three")]
    result = exporter.upsert(TICKETS, table(rows))
    assert result == LoadResult(rows_in=3, keys_in=3, inserted=3, matched=0, table_rows=3, deleted_rows=0)
    assert columns(bigquery_client) == BASE_COLUMNS
    assert current(bigquery_client) == rows
    assert fetch(bigquery_client, f"SELECT count(*) FROM {name(bigquery_client)} WHERE `_loaded_at` IS NULL") == [(0,)]
    assert table_names(bigquery_client) == ["tickets"]


def test_key_columns_are_required(exporter: BigQueryExporter, bigquery_client: Client) -> None:
    """The key is created NOT NULL (REQUIRED): a NULL id written behind the exporter's back is refused."""
    exporter.upsert(TICKETS, table([row(1, 1, "one")]))
    with pytest.raises(BadRequest, match="NOT NULL"):
        fetch(bigquery_client, f"INSERT INTO {name(bigquery_client)} (`id`, `subject`) VALUES (NULL, 'x')")


def test_duplicates_in_one_load_keep_the_newest_version(exporter: BigQueryExporter, bigquery_client: Client) -> None:
    """Five versions of two keys in one load: two rows, each the highest updated_at."""
    rows = [row(1, 1, "old"), row(2, 5, "two newest"), row(1, 3, "newest"), row(2, 4, "two old"), row(1, 2, "mid")]
    result = exporter.upsert(TICKETS, table(rows))
    assert result == LoadResult(rows_in=5, keys_in=2, inserted=2, matched=0, table_rows=2, deleted_rows=0)
    assert [(r["id"], r["subject"], r["updated_at"]) for r in current(bigquery_client)] == [
        (1, "newest", at(3)), (2, "two newest", at(5))]


def test_older_versions_never_overwrite_newer_rows(exporter: BigQueryExporter, bigquery_client: Client) -> None:
    """A stale version of id 1 arrives after a newer one: id 1 keeps the newer row (though matched),
    id 2 is updated, id 3 inserted."""
    exporter.upsert(TICKETS, table([row(1, 10, "new one"), row(2, 10, "old two")]))
    result = exporter.upsert(TICKETS, table([row(1, 5, "stale one"), row(2, 11, "new two"), row(3, 1, "three")]))
    assert result == LoadResult(rows_in=3, keys_in=3, inserted=1, matched=2, table_rows=3, deleted_rows=0)
    assert [(r["id"], r["subject"], r["updated_at"]) for r in current(bigquery_client)] == [
        (1, "new one", at(10)), (2, "new two", at(11)), (3, "three", at(1))]


def test_ties_on_updated_at_are_broken_the_same_whatever_the_order(exporter: BigQueryExporter,
                                                                   bigquery_client: Client) -> None:
    """Three versions with the same updated_at (two extractions; the later one twice, differing only
    in _raw), in all 6 orders within one load and in all 6 orders as separate loads: always the later
    extraction with the greatest _raw."""
    later = EXTRACTED + timedelta(hours=1)
    versions = [row(7, 4, "first pull", raw='{"a":1}'), row(7, 4, "second pull b", extracted=later, raw='{"b":1}'),
                row(7, 4, "second pull c", extracted=later, raw='{"c":1}')]
    for n, order in enumerate(itertools.permutations(versions)):
        spec = TableSpec("zendesk", f"tickets_{n}", ("id",))
        exporter.upsert(spec, table(list(order)))
        assert current(bigquery_client, spec) == [versions[2]], order
    for n, order in enumerate(itertools.permutations(versions)):
        spec = TableSpec("zendesk", f"tickets_seq_{n}", ("id",))
        for version in order:
            exporter.upsert(spec, table([version]))
        assert current(bigquery_client, spec) == [versions[2]], order
    assert staging_tables(bigquery_client) == []


def test_ties_across_loads_are_broken_by_the_latest_extraction(exporter: BigQueryExporter,
                                                               bigquery_client: Client) -> None:
    """Same updated_at, the older extraction loaded second: the newer extraction stays."""
    newer = row(1, 4, "newer extraction", extracted=EXTRACTED + timedelta(hours=1))
    older = row(1, 4, "older extraction", extracted=EXTRACTED)
    exporter.upsert(TICKETS, table([newer]))
    result = exporter.upsert(TICKETS, table([older]))
    assert (result.matched, result.inserted, result.table_rows) == (1, 0, 1)
    assert current(bigquery_client) == [newer]


def test_incremental_upsert_updates_inserts_and_deletes_exactly(exporter: BigQueryExporter,
                                                                bigquery_client: Client) -> None:
    """Five rows, then one load with 2 updates, 1 stale version, 1 delete, 2 new keys and a duplicate:
    exact counts and exactly the expected table."""
    exporter.upsert(TICKETS, table([row(i, 1, f"v1 {i}") for i in range(1, 6)]))
    load = [row(1, 2, "v2 1"), row(2, 2, "v2 2"), row(3, 0.5, "stale 3"), row(4, 2, "v1 4", deleted=True),
            row(6, 2, "new 6"), row(7, 2, "new 7"), row(6, 1, "older new 6")]
    result = exporter.upsert(TICKETS, table(load))
    assert result == LoadResult(rows_in=7, keys_in=6, inserted=2, matched=4, table_rows=7, deleted_rows=1)
    assert current(bigquery_client) == [row(1, 2, "v2 1"), row(2, 2, "v2 2"), row(3, 1, "v1 3"),
                                        row(4, 2, "v1 4", deleted=True), row(5, 1, "v1 5"), row(6, 2, "new 6"),
                                        row(7, 2, "new 7")]


def test_rerunning_a_load_is_idempotent(exporter: BigQueryExporter, bigquery_client: Client) -> None:
    """The same load twice: the second matches every key, inserts nothing, and the table is the same
    apart from _loaded_at."""
    exporter.upsert(TICKETS, table([row(1, 1, "a1"), row(2, 1, "a2"), row(3, 1, "a3")]))
    load_b = table([row(1, 2, "b1"), row(3, 2, "b3", deleted=True), row(4, 2, "b4"), row(1, 1, "a1 again")])
    first = exporter.upsert(TICKETS, load_b)
    assert first == LoadResult(rows_in=4, keys_in=3, inserted=1, matched=2, table_rows=4, deleted_rows=1)
    after_b = current(bigquery_client)
    rerun = exporter.upsert(TICKETS, load_b)
    assert rerun == LoadResult(rows_in=4, keys_in=3, inserted=0, matched=3, table_rows=4, deleted_rows=1)
    assert current(bigquery_client) == after_b
    assert after_b == [row(1, 2, "b1"), row(2, 1, "a2"), row(3, 2, "b3", deleted=True), row(4, 2, "b4")]


def test_deletes_are_kept_as_flagged_rows(exporter: BigQueryExporter, bigquery_client: Client) -> None:
    """A deletion is a newer version with is_deleted = true: the row stays, flagged."""
    exporter.upsert(TICKETS, table([row(1, 1, "keep"), row(2, 1, "to delete")]))
    result = exporter.upsert(TICKETS, table([row(2, 2, "to delete", deleted=True)]))
    assert result == LoadResult(rows_in=1, keys_in=1, inserted=0, matched=1, table_rows=2, deleted_rows=1)
    assert [(r["id"], r["is_deleted"], r["updated_at"]) for r in current(bigquery_client)] == [
        (1, False, at(1)), (2, True, at(2))]


def test_new_columns_are_added_and_old_rows_get_null(exporter: BigQueryExporter, bigquery_client: Client) -> None:
    """Two columns appear in the second load: added at the end, NULL for the row not in that load."""
    exporter.upsert(TICKETS, table([row(1, 1, "one"), row(2, 1, "two")]))
    extra = (pa.field("priority", pa.string()), pa.field("satisfaction", pa.int64()))
    result = exporter.upsert(TICKETS, table([row(2, 2, "two", priority="high", satisfaction=5),
                                             row(3, 2, "three", priority="low", satisfaction=None)], *extra))
    assert result == LoadResult(rows_in=2, keys_in=2, inserted=1, matched=1, table_rows=3, deleted_rows=0)
    assert columns(bigquery_client) == {**BASE_COLUMNS, "priority": "STRING", "satisfaction": "INTEGER"}
    assert fetch(bigquery_client, f"SELECT `id`, `priority`, `satisfaction` FROM {name(bigquery_client)} "
                                  "ORDER BY `id`") == [(1, None, None), (2, "high", 5), (3, "low", None)]
    # and the next load without them leaves them alone
    exporter.upsert(TICKETS, table([row(3, 3, "three again")]))
    assert fetch(bigquery_client, f"SELECT `priority` FROM {name(bigquery_client)} WHERE `id` = 3") == [("low",)]


def test_an_all_null_column_is_no_type_change(exporter: BigQueryExporter, bigquery_client: Client) -> None:
    """A load whose score column is all NULL (Arrow null type) into an INT64 column: the column keeps
    its type, ticket 2 gets NULL and ticket 1 keeps 3 (2 rows)."""
    exporter.upsert(TICKETS, table([row(1, 1, "one", score=3), row(2, 1, "two", score=4)],
                                   pa.field("score", pa.int64())))
    result = exporter.upsert(TICKETS, table([row(2, 2, "two", score=None)], pa.field("score", pa.null())))
    assert result == LoadResult(rows_in=1, keys_in=1, inserted=0, matched=1, table_rows=2, deleted_rows=0)
    assert columns(bigquery_client)["score"] == "INTEGER"
    assert fetch(bigquery_client, f"SELECT `id`, `score` FROM {name(bigquery_client)} ORDER BY `id`") == [
        (1, 3), (2, None)]


def test_other_column_types_round_trip(exporter: BigQueryExporter, bigquery_client: Client) -> None:
    """DATE, naive timestamp (DATETIME), float, int32 and a column of only NULLs (STRING) load exactly."""
    extra = (pa.field("due", pa.date32()), pa.field("local_time", pa.timestamp("ns")),
             pa.field("score", pa.float64()), pa.field("small", pa.int32()), pa.field("nothing", pa.null()))
    values = dict(due=date(2026, 10, 9), local_time=datetime(2026, 10, 9, 13, 30, 0, 123456), score=0.1,
                  small=-7, nothing=None)
    exporter.upsert(TICKETS, table([row(1, 1, "one", **values)], *extra))
    assert {k: v for k, v in columns(bigquery_client).items() if k in values} == {
        "due": "DATE", "local_time": "DATETIME", "score": "FLOAT", "small": "INTEGER", "nothing": "STRING"}
    assert current(bigquery_client) == [row(1, 1, "one", **values)]


def test_safe_type_changes_are_widened(exporter: BigQueryExporter, bigquery_client: Client) -> None:
    """score INT64 → FLOAT64, code INT64 → STRING, flag BOOL → STRING: columns widened in place (same
    position), old values converted, new ones stored; an INT64 arriving into the now-FLOAT64 column
    needs no change and is stored as a float."""
    ints = (pa.field("score", pa.int64()), pa.field("code", pa.int64()), pa.field("flag", pa.bool_()))
    exporter.upsert(TICKETS, table([row(1, 1, "one", score=3, code=42, flag=True)], *ints))
    wide = (pa.field("score", pa.float64()), pa.field("code", pa.string()), pa.field("flag", pa.string()))
    result = exporter.upsert(TICKETS, table([row(2, 1, "two", score=2.5, code="A-7", flag="maybe")], *wide))
    assert result == LoadResult(rows_in=1, keys_in=1, inserted=1, matched=0, table_rows=2, deleted_rows=0)
    assert list(columns(bigquery_client).items())[-4:] == [
        ("score", "FLOAT"), ("code", "STRING"), ("flag", "STRING"), ("_loaded_at", "TIMESTAMP")]
    exporter.upsert(TICKETS, table([row(3, 1, "three", score=4, code="B", flag="no")],
                                   pa.field("score", pa.int64()), *wide[1:]))
    assert fetch(bigquery_client, f"SELECT `id`, `score`, `code`, `flag` FROM {name(bigquery_client)} "
                                  "ORDER BY `id`") == [(1, 3.0, "42", "true"), (2, 2.5, "A-7", "maybe"),
                                                       (3, 4.0, "B", "no")]
    assert fetch(bigquery_client, f"SELECT count(*) FROM {name(bigquery_client)} WHERE `_loaded_at` IS NULL") == [(0,)]


def test_incompatible_type_change_is_rejected_by_name(exporter: BigQueryExporter, bigquery_client: Client) -> None:
    """subject STRING → INT64 (with a new column in the same load) cannot be applied: SchemaChangeError
    naming table and column, and the table (rows, _loaded_at, columns) is untouched, no staging table."""
    exporter.upsert(TICKETS, table([row(1, 1, "one")]))
    snapshot = fetch(bigquery_client, f"SELECT * FROM {name(bigquery_client)} ORDER BY `id`")
    fields = [f if f.name != "subject" else pa.field("subject", pa.int64()) for f in BASE_FIELDS]
    bad = pa.Table.from_pylist([{**row(1, 2), "subject": 5, "priority": "p"}],
                               schema=pa.schema([*fields, pa.field("priority", pa.string())]))
    with pytest.raises(SchemaChangeError, match=r"zendesk\.tickets: column 'subject' is STRING .* INTEGER"):
        exporter.upsert(TICKETS, bad)
    assert fetch(bigquery_client, f"SELECT * FROM {name(bigquery_client)} ORDER BY `id`") == snapshot
    assert columns(bigquery_client) == BASE_COLUMNS
    assert table_names(bigquery_client) == ["tickets"]


def test_key_columns_are_never_widened(exporter: BigQueryExporter, bigquery_client: Client) -> None:
    """id INT64 → STRING would be a safe widening elsewhere, but not for a key."""
    exporter.upsert(TICKETS, table([row(1, 1, "one")]))
    fields = [f if f.name != "id" else pa.field("id", pa.string()) for f in BASE_FIELDS]
    with pytest.raises(SchemaChangeError, match=r"zendesk\.tickets: column 'id' .*primary-key"):
        exporter.upsert(TICKETS, pa.Table.from_pylist([{**row(1, 2), "id": "1"}], schema=pa.schema(fields)))
    assert columns(bigquery_client) == BASE_COLUMNS


def test_arabic_text_round_trips_byte_for_byte(exporter: BigQueryExporter, bigquery_client: Client) -> None:
    """Non-NFC Arabic with tashkeel, RLM, ZWJ emoji, in a column and inside JSON in _raw: same bytes."""
    assert unicodedata.normalize("NFC", ARABIC) != ARABIC, "the sample must be one NFC would change"
    raw = json.dumps({"id": 1, "subject": ARABIC}, ensure_ascii=False)
    exporter.upsert(TICKETS, table([row(1, 1, ARABIC, raw=raw)]))
    ((subject, stored_raw),) = fetch(bigquery_client, f"SELECT `subject`, `_raw` FROM {name(bigquery_client)}")
    assert subject.encode("utf-8") == ARABIC.encode("utf-8")
    assert stored_raw.encode("utf-8") == raw.encode("utf-8") and json.loads(stored_raw)["subject"] == ARABIC


def test_odd_identifiers_are_quoted(exporter: BigQueryExporter, bigquery_client: Client) -> None:
    """Column names BigQuery allows (flexible names) that need quoting: a reserved word, a space, a
    dash, an apostrophe, Arabic letters; a reserved-word table name; one of them added later."""
    spec = TableSpec("odd_schema", "select", ("id",))
    odd = (pa.field("select", pa.string()), pa.field("first name", pa.string()), pa.field("a-b", pa.int64()),
           pa.field("it's", pa.string()), pa.field("الاسم", pa.string()))
    exporter.upsert(spec, table([row(1, 1, "x", **{"select": "s1", "first name": "Ali", "a-b": 1, "it's": "i1",
                                                   "الاسم": "علي"})], *odd))
    result = exporter.upsert(spec, table(
        [row(1, 2, "y", **{"select": "s2", "first name": "علي", "a-b": 2, "it's": "i2", "الاسم": "ع", "group by": "g"}),
         row(2, 2, "z", **{"select": None, "first name": "Mona", "a-b": 3, "it's": None, "الاسم": "م",
                           "group by": "h"})],
        *odd, pa.field("group by", pa.string())))
    assert result == LoadResult(rows_in=2, keys_in=2, inserted=1, matched=1, table_rows=2, deleted_rows=0)
    assert [(r["id"], r["select"], r["first name"], r["a-b"], r["it's"], r["الاسم"], r["group by"])
            for r in current(bigquery_client, spec)] == [(1, "s2", "علي", 2, "i2", "ع", "g"),
                                                         (2, None, "Mona", 3, None, "م", "h")]
    assert staging_tables(bigquery_client, "odd_schema") == []


def test_quoting_escapes_backticks_and_backslashes() -> None:
    """GoogleSQL quoted identifiers take string-literal escapes (BigQuery rejects these characters in
    names anyway, and the emulator cannot parse the escapes, so this is checked on the text)."""
    assert quote_ident("plain") == "`plain`"
    assert quote_ident("a`b") == "`a\\`b`"
    assert quote_ident("a\\b") == "`a\\\\b`"
    assert quote_ident("a\\`; DROP") == "`a\\\\\\`; DROP`"
    assert quote_ident("two\nlines") == "`two\\nlines`"


def test_compound_keys(exporter: BigQueryExporter, bigquery_client: Client) -> None:
    """A two-column key: rows match only on both columns."""
    spec = TableSpec("zendesk", "memberships", ("org", "id"))
    org = pa.field("org", pa.string())
    exporter.upsert(spec, table([row(1, 1, "a", org="x"), row(1, 1, "b", org="y")], org))
    result = exporter.upsert(spec, table([row(1, 2, "a2", org="x"), row(2, 1, "c", org="x")], org))
    assert result == LoadResult(rows_in=2, keys_in=2, inserted=1, matched=1, table_rows=3, deleted_rows=0)
    assert fetch(bigquery_client, f"SELECT `org`, `id`, `subject` FROM {name(bigquery_client, spec)} "
                                  "ORDER BY `org`, `id`") == [("x", 1, "a2"), ("x", 2, "c"), ("y", 1, "b")]


def test_an_empty_first_load_creates_an_empty_table(exporter: BigQueryExporter, bigquery_client: Client) -> None:
    result = exporter.upsert(TICKETS, table([]))
    assert result == LoadResult(rows_in=0, keys_in=0, inserted=0, matched=0, table_rows=0, deleted_rows=0)
    assert columns(bigquery_client) == BASE_COLUMNS and table_names(bigquery_client) == ["tickets"]


def test_data_without_key_or_version_column_is_rejected(exporter: BigQueryExporter, bigquery_client: Client) -> None:
    """No updated_at, or no id: ValueError naming the column; no dataset or table is created."""
    with pytest.raises(ValueError, match="updated_at"):
        exporter.upsert(TICKETS, pa.table({"id": [1], "subject": ["x"]}))
    with pytest.raises(ValueError, match="'id'"):
        exporter.upsert(TICKETS, pa.table({"updated_at": [at(1)], "subject": ["x"]}))
    assert list(bigquery_client.list_datasets()) == []


class _Untouchable:
    """A client factory that fails the test if the exporter asks for a client at all."""

    def __call__(self) -> Any:
        raise AssertionError("the exporter reached for BigQuery before rejecting the load")


def test_bad_loads_are_rejected_before_any_request() -> None:
    """Missing key column, NULL keys and column names that repeat ignoring case are refused without a
    single BigQuery request."""
    exporter = BigQueryExporter(_Untouchable())
    with pytest.raises(ValueError, match="updated_at"):
        exporter.upsert(TICKETS, pa.table({"id": [1]}))
    with pytest.raises(ValueError, match=r"zendesk\.tickets: 2 incoming row\(s\) have a NULL primary key"):
        exporter.upsert(TICKETS, table([row(None, 1, "a"), row(1, 1, "b"), row(None, 2, "c")]))
    with pytest.raises(ValueError, match="ignores case"):
        exporter.upsert(TICKETS, table([row(1, 1, "a", Subject="b")], pa.field("Subject", pa.string())))


def test_null_key_is_rejected_before_the_table_is_touched(exporter: BigQueryExporter,
                                                          bigquery_client: Client) -> None:
    """A load adding a column, updating id 1 and carrying a NULL id is refused: same rows (_loaded_at
    included), same columns, no staging table; a later good load works."""
    exporter.upsert(TICKETS, table([row(1, 1, "one"), row(2, 1, "two")]))
    snapshot = fetch(bigquery_client, f"SELECT * FROM {name(bigquery_client)} ORDER BY `id`")
    bad = table([row(1, 2, "updated one", priority="high"), row(None, 2, "no id", priority="low")],
                pa.field("priority", pa.string()))
    with pytest.raises(ValueError, match=r"zendesk\.tickets: 1 incoming row\(s\) have a NULL primary key"):
        exporter.upsert(TICKETS, bad)
    assert fetch(bigquery_client, f"SELECT * FROM {name(bigquery_client)} ORDER BY `id`") == snapshot
    assert columns(bigquery_client) == BASE_COLUMNS
    assert table_names(bigquery_client) == ["tickets"]
    result = exporter.upsert(TICKETS, table([row(1, 3, "fixed one")]))
    assert (result.matched, result.inserted, result.table_rows) == (1, 0, 2)


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
    assert before + STAGING_EXPIRATION <= staging.expires <= datetime.now(UTC) + STAGING_EXPIRATION
    assert timedelta(days=1) == STAGING_EXPIRATION


def test_load_killed_after_staging_leaves_the_table_and_reruns_cleanly(bigquery_connect: Any,
                                                                        bigquery_client: Client) -> None:
    """The process dies (an exception) after the staging load, right before the MERGE: the table keeps
    its exact rows including _loaded_at, the staging table is gone, and rerunning the load gives the
    right table."""
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


def test_merge_failing_half_way_leaves_previous_table_untouched(bigquery_connect: Any,
                                                                bigquery_client: Client) -> None:
    """Just before the MERGE (update id 1, insert id 3) the staged key of id 3 is set to NULL, so the
    MERGE itself fails in the engine (REQUIRED key) after having matched id 1: the table keeps its
    exact rows including _loaded_at, no staging table remains, the rerun gives the right table."""
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
    """The first load fails at the MERGE: the staging table is dropped, the table just created stays
    empty, and the rerun fills it."""
    def die(client: Client, sql: str) -> None:
        raise RuntimeError("boom")

    factory, _ = _intercepting(bigquery_connect, die)
    with pytest.raises(RuntimeError, match="boom"):
        BigQueryExporter(factory).upsert(TICKETS, table([row(1, 1, "one")]))
    assert table_names(bigquery_client) == ["tickets"] and current(bigquery_client) == []
    result = BigQueryExporter(bigquery_connect).upsert(TICKETS, table([row(1, 1, "one")]))
    assert result == LoadResult(rows_in=1, keys_in=1, inserted=1, matched=0, table_rows=1, deleted_rows=0)
