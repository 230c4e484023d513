"""The exporter contract, part 2: schema changes, text fidelity and rejected loads, the same on every
engine (``engine`` fixture: duckdb, snowflake, bigquery, redshift; see engines.py).

Schema changes follow ``schema.py``; column types are compared as each engine reports them
(``Engine.types`` maps the neutral names). A refused load must leave the table exactly as it was:
the same rows (``_loaded_at`` included), the same columns and types, nothing staged left behind.
"""

from __future__ import annotations

import json
import unicodedata

import pyarrow as pa
import pytest

from integration_pipelines.lib.records import TIMESTAMP
from integration_pipelines.lib.warehouses.base import LOADED_AT_COLUMN, LoadResult
from integration_pipelines.lib.warehouses.schema import FLOAT, INTEGER, STRING, SchemaChangeError
from integration_pipelines_tests.lib.warehouses.engines import BASE_TYPES, Engine
from integration_pipelines_tests.lib.warehouses.samples import ARABIC, BASE_FIELDS, TICKETS, at, row, table

pytestmark = pytest.mark.timeout(180)


def shape(engine: Engine) -> tuple:
    """Everything a refused load must leave as it was: the rows (``_loaded_at`` included), the columns
    with their types in table order, and the NOT NULL columns."""
    return engine.rows(TICKETS), list(engine.column_types(TICKETS).items()), engine.not_null_columns(TICKETS)


def test_new_columns_are_added_and_old_rows_get_null(engine: Engine) -> None:
    """The source starts sending priority (string) and satisfaction (int): the load (1 update, 1 insert)
    adds both columns after _loaded_at in the engine's STRING and INTEGER types; id 1, loaded before,
    has NULL in both, new values are stored; a later load without them leaves id 3's priority alone."""
    engine.exporter.upsert(TICKETS, table([row(1, 1, "one"), row(2, 1, "two")]))
    extra = (pa.field("priority", pa.string()), pa.field("satisfaction", pa.int64()))
    result = engine.exporter.upsert(
        TICKETS,
        table(
            [row(2, 2, "two", priority="high", satisfaction=5), row(3, 2, "three", priority="low", satisfaction=None)],
            *extra,
        ),
    )
    assert result == LoadResult(rows_in=2, keys_in=2, inserted=1, matched=1, table_rows=3, deleted_rows=0)
    assert list(engine.column_types(TICKETS).items()) == engine.native(
        {**BASE_TYPES, "priority": STRING, "satisfaction": INTEGER}
    )
    assert engine.rows(TICKETS, ["id", "priority", "satisfaction"]) == [
        (1, None, None),
        (2, "high", 5),
        (3, "low", None),
    ]
    engine.exporter.upsert(TICKETS, table([row(3, 3, "three again")]))
    assert engine.rows(TICKETS, ["id", "subject", "priority"]) == [
        (1, "one", None),
        (2, "two", "high"),
        (3, "three again", "low"),
    ]


def test_an_all_null_column_is_no_type_change(engine: Engine) -> None:
    """A load whose score column is all NULL (Arrow null type) into an INTEGER column: the column keeps
    its type, id 2 (matched) gets NULL and id 1 keeps 3; 2 rows."""
    engine.exporter.upsert(
        TICKETS, table([row(1, 1, "one", score=3), row(2, 1, "two", score=4)], pa.field("score", pa.int64()))
    )
    result = engine.exporter.upsert(TICKETS, table([row(2, 2, "two", score=None)], pa.field("score", pa.null())))
    assert result == LoadResult(rows_in=1, keys_in=1, inserted=0, matched=1, table_rows=2, deleted_rows=0)
    assert engine.column_types(TICKETS)["score"] == engine.types[INTEGER]
    assert engine.rows(TICKETS, ["id", "score"]) == [(1, 3), (2, None)]


def test_safe_type_changes_are_widened(engine: Engine) -> None:
    """schema.py's widenings: after 2 rows with score INTEGER, code INTEGER and flag BOOLEAN, a load
    (1 insert) sending score as a float and code and flag as strings widens them to FLOAT, STRING,
    STRING (in place, or moved to the end in that order where the engine must rebuild the column) and
    converts the 2 old rows exactly (3 → 3.0, NULL stays NULL, 42 → '42', -7 → '-7', true → 'true',
    false → 'false'). A third load (1 insert) sending score as INTEGER again into the FLOAT column
    changes no type. 4 rows, _loaded_at set on all."""
    ints = (pa.field("score", pa.int64()), pa.field("code", pa.int64()), pa.field("flag", pa.bool_()))
    engine.exporter.upsert(
        TICKETS,
        table(
            [row(1, 1, "one", score=3, code=42, flag=True), row(2, 1, "two", score=None, code=-7, flag=False)], *ints
        ),
    )
    before = list(engine.column_types(TICKETS))
    wide = (pa.field("score", pa.float64()), pa.field("code", pa.string()), pa.field("flag", pa.string()))
    result = engine.exporter.upsert(TICKETS, table([row(3, 1, "three", score=2.5, code="A-7", flag="maybe")], *wide))
    assert result == LoadResult(rows_in=1, keys_in=1, inserted=1, matched=0, table_rows=3, deleted_rows=0)
    widened = ["score", "code", "flag"]
    kept = before if engine.widening_keeps_position else [c for c in before if c not in widened] + widened
    assert list(engine.column_types(TICKETS)) == kept
    assert {c: engine.column_types(TICKETS)[c] for c in widened} == {
        "score": engine.types[FLOAT],
        "code": engine.types[STRING],
        "flag": engine.types[STRING],
    }
    result = engine.exporter.upsert(
        TICKETS, table([row(4, 1, "four", score=7, code="B", flag="no")], pa.field("score", pa.int64()), *wide[1:])
    )
    assert result == LoadResult(rows_in=1, keys_in=1, inserted=1, matched=0, table_rows=4, deleted_rows=0)
    assert engine.column_types(TICKETS)["score"] == engine.types[FLOAT]
    assert engine.rows(TICKETS, ["id", "score", "code", "flag"]) == [
        (1, 3.0, "42", "true"),
        (2, None, "-7", "false"),
        (3, 2.5, "A-7", "maybe"),
        (4, 7.0, "B", "no"),
    ]
    assert [v is not None for (v,) in engine.rows(TICKETS, [LOADED_AT_COLUMN])] == [True] * 4


def _with_column(rows: list[dict], column: str, arrow_type: pa.DataType, *before: pa.Field) -> pa.Table:
    """The sample rows with ``column`` typed ``arrow_type`` (replacing the base field or appended),
    after the ``before`` fields."""
    fields = [f for f in BASE_FIELDS if f.name != column and f.name not in {b.name for b in before}]
    return pa.Table.from_pylist(rows, schema=pa.schema([*fields, *before, pa.field(column, arrow_type)]))


# (column, type the table holds, its value, type the source now sends, its value, message fragment)
INCOMPATIBLE = [
    pytest.param("subject", pa.string(), "one", pa.int64(), 5, "is STRING .* INTEGER", id="string-gets-integer"),
    pytest.param("subject", pa.string(), "one", pa.bool_(), True, "is STRING .* BOOLEAN", id="string-gets-boolean"),
    pytest.param("score", pa.float64(), 2.5, pa.string(), "2.5", "is FLOAT .* STRING", id="float-to-string"),
    pytest.param("score", pa.float64(), 2.5, pa.bool_(), True, "is FLOAT .* BOOLEAN", id="float-to-boolean"),
    pytest.param("seen", TIMESTAMP, at(1), pa.string(), "x", "is TIMESTAMP_TZ .* STRING", id="timestamp-to-string"),
    pytest.param("note", pa.string(), "x", TIMESTAMP, at(1), "is STRING .* TIMESTAMP_TZ", id="string-to-timestamp"),
    pytest.param(
        "seen",
        TIMESTAMP,
        at(1),
        pa.timestamp("us"),
        at(1).replace(tzinfo=None),
        "is TIMESTAMP_TZ .* TIMESTAMP_NTZ",
        id="tz-to-naive",
    ),
    pytest.param("due", pa.date32(), at(1).date(), TIMESTAMP, at(1), "is DATE .* TIMESTAMP_TZ", id="date-to-timestamp"),
    pytest.param("is_deleted", pa.bool_(), False, pa.int64(), 0, "is BOOLEAN .* INTEGER", id="boolean-gets-integer"),
    pytest.param(
        "is_deleted", pa.bool_(), False, TIMESTAMP, at(2), "is BOOLEAN .* TIMESTAMP_TZ", id="boolean-to-timestamp"
    ),
]


@pytest.mark.parametrize(("column", "stored_type", "stored_value", "new_type", "new_value", "message"), INCOMPATIBLE)
def test_incompatible_type_change_is_rejected_by_name(
    engine: Engine,
    column: str,
    stored_type: pa.DataType,
    stored_value: object,
    new_type: pa.DataType,
    new_value: object,
    message: str,
) -> None:
    """A change schema.py refuses (a STRING column receiving numbers or booleans, FLOAT → STRING or
    BOOLEAN, timestamps ↔ strings, tz-aware → naive, DATE → timestamp, BOOLEAN receiving integers or
    timestamps), sent in a load that also brings a new column "priority", a safe widening (score
    INTEGER → FLOAT where score is not the column under test) and an update of id 1: SchemaChangeError
    naming zendesk.tickets and the column, and the table unchanged — the same 2 rows (_loaded_at
    included), the same columns with the same types (no "priority"), only id NOT NULL, nothing staged
    left behind."""
    widenable = column != "score"  # score INTEGER -> FLOAT, planned before the refused column is reached
    first = [{**row(i, 1, f"row {i}", score=i), column: stored_value} for i in (1, 2)]
    engine.exporter.upsert(
        TICKETS, _with_column(first, column, stored_type, *([pa.field("score", pa.int64())] if widenable else []))
    )
    before = shape(engine)
    assert len(before[0]) == 2

    bad = _with_column(
        [{**row(1, 2, "updated", score=1.5), column: new_value}],
        column,
        new_type,
        *([pa.field("score", pa.float64())] if widenable else []),
    )
    bad = bad.append_column("priority", pa.array(["high"]))
    assert not widenable or bad.column_names.index("score") < bad.column_names.index(column)
    with pytest.raises(SchemaChangeError, match=rf"zendesk\.tickets: column '{column}' {message}"):
        engine.exporter.upsert(TICKETS, bad)
    assert shape(engine) == before
    assert engine.leftovers() == []


@pytest.mark.parametrize(
    ("new_type", "new_id"), [(pa.float64(), 3.0), (pa.string(), "3")], ids=["to-float", "to-string"]
)
def test_key_columns_are_never_widened(engine: Engine, new_type: pa.DataType, new_id: object) -> None:
    """id INTEGER (the key) receiving a float or a string — widenings schema.py allows for other
    columns — is refused: SchemaChangeError naming the column and saying primary-key columns are never
    widened; the 2 rows (_loaded_at included), the columns, types and NOT NULL key unchanged, nothing
    staged left."""
    engine.exporter.upsert(TICKETS, table([row(1, 1, "one"), row(2, 1, "two")]))
    before = shape(engine)
    bad = _with_column([{**row(3, 2, "three"), "id": new_id}], "id", new_type)
    with pytest.raises(SchemaChangeError, match=r"zendesk\.tickets: column 'id' .*primary-key columns are never"):
        engine.exporter.upsert(TICKETS, bad)
    assert shape(engine) == before and len(before[0]) == 2
    assert engine.leftovers() == []


def test_arabic_text_round_trips_byte_for_byte(engine: Engine) -> None:
    """Arabic with tashkeel in non-canonical order, tatweel, Arabic-Indic digits, an RLM and ZWJ emoji
    comes back with exactly the same UTF-8 bytes, as the engine itself encodes the stored text, in the
    text column and inside the JSON in _raw (1 row)."""
    assert unicodedata.normalize("NFC", ARABIC) != ARABIC, "the sample must be one NFC would change"
    raw = json.dumps({"id": 1, "subject": ARABIC}, ensure_ascii=False)
    engine.exporter.upsert(TICKETS, table([row(1, 1, ARABIC, raw=raw)]))
    assert engine.text_bytes(TICKETS, "subject") == [ARABIC.encode("utf-8")]
    assert engine.text_bytes(TICKETS, "_raw") == [raw.encode("utf-8")]
    ((subject, stored_raw),) = engine.rows(TICKETS, ["subject", "_raw"])
    assert subject == ARABIC and stored_raw == raw and json.loads(stored_raw)["subject"] == ARABIC


def test_data_without_key_or_version_column_is_rejected(engine: Engine) -> None:
    """Incoming data lacking updated_at, or lacking id: ValueError naming the column; no schema (of any
    name), no table, nothing staged."""
    with pytest.raises(ValueError, match="updated_at"):
        engine.exporter.upsert(TICKETS, pa.table({"id": [1], "subject": ["x"]}))
    with pytest.raises(ValueError, match="'id'"):
        engine.exporter.upsert(TICKETS, pa.table({"updated_at": [at(1)], "subject": ["x"]}))
    assert engine.column_types(TICKETS) == {}
    assert engine.schemas() == []
    assert engine.leftovers() == []


def test_null_key_is_rejected_with_nothing_loaded(engine: Engine) -> None:
    """A load adding a column, updating id 1 and carrying a NULL id fails (refused up front, or by the
    key's NOT NULL inside the load's transaction): the same 2 rows (_loaded_at included), the same
    columns and types (no "priority"), only id NOT NULL, nothing staged left; a later good load of id 1
    then matches 1, inserts 0 and leaves 2 rows."""
    engine.exporter.upsert(TICKETS, table([row(1, 1, "one"), row(2, 1, "two")]))
    before = shape(engine)
    bad = table(
        [row(1, 2, "updated one", priority="high"), row(None, 2, "no id", priority="low")],
        pa.field("priority", pa.string()),
    )
    with pytest.raises(engine.null_key_error, match=engine.null_key_match):
        engine.exporter.upsert(TICKETS, bad)
    assert shape(engine) == before
    assert engine.leftovers() == []
    result = engine.exporter.upsert(TICKETS, table([row(1, 3, "fixed one")]))
    assert result == LoadResult(rows_in=1, keys_in=1, inserted=0, matched=1, table_rows=2, deleted_rows=0)
    assert engine.rows(TICKETS, ["id", "subject"]) == [(1, "fixed one"), (2, "two")]


def test_null_key_in_a_first_load_creates_no_table(engine: Engine) -> None:
    """A first load whose only row has a NULL id fails: no table, nothing staged, and no schema either
    (except on Snowflake, whose auto-committed DDL creates the schema for the staging table first: then
    exactly zendesk)."""
    with pytest.raises(engine.null_key_error, match=engine.null_key_match):
        engine.exporter.upsert(TICKETS, table([row(None, 1, "no id")]))
    assert engine.column_types(TICKETS) == {}
    assert engine.leftovers() == []
    assert engine.schemas() == (["zendesk"] if engine.refused_first_load_keeps_schema else [])
