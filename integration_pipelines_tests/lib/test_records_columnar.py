"""The columnar ``convert_records`` / ``to_record_batch`` make exactly what the per-cell code made.

Every page every connector pulls from the sandbox world is converted twice, by the product and by
the pre-change reference (``records_reference``), and the two results must be equal: the Arrow
batch (schema, every value, ``_raw`` byte for byte, ``_extracted_at``), the rejects and the repaired
count. Edge cases the per-cell code handled (nulls, missing fields, "" properties, bad timestamps,
ints out of range, unicode, lone surrogates, oversized fields) are pinned the same way, and random
JSON records by Hypothesis.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integration_pipelines.lib import records
from integration_pipelines.lib.records import Column, ConvertedPage, convert_records, to_record_batch
from integration_pipelines.sources.hubspot import client as hubspot_client
from integration_pipelines.sources.hubspot.objects import OBJECTS as HUBSPOT_OBJECTS
from integration_pipelines.sources.intercom import client as intercom_client
from integration_pipelines.sources.intercom.objects import OBJECTS as INTERCOM_OBJECTS
from integration_pipelines.sources.salesforce import client as salesforce_client
from integration_pipelines.sources.salesforce.objects import OBJECTS as SALESFORCE_OBJECTS
from integration_pipelines.sources.zendesk import client as zendesk_client
from integration_pipelines.sources.zendesk.objects import OBJECTS as ZENDESK_OBJECTS
from integration_pipelines_tests.fixtures.sandbox import (
    hubspot_resource,
    intercom_resource,
    salesforce_resource,
    zendesk_resource,
)
from integration_pipelines_tests.lib import records_reference as reference
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

EXTRACTED_AT = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)


def assert_same(new: ConvertedPage, old: ConvertedPage) -> None:
    assert new.batch.schema == old.batch.schema
    for name in old.batch.schema.names:  # column by column, so a failure names the column
        assert new.batch.column(name).to_pylist() == old.batch.column(name).to_pylist(), name
    assert new.batch.equals(old.batch)
    assert new.rejects == old.rejects
    assert new.repaired == old.repaired


def both(records_: list[Any], columns: Sequence[Column], **kwargs: Any) -> tuple[ConvertedPage, ConvertedPage]:
    keys = {"primary_key": "id", "version_column": "updated_at", **kwargs}
    return (
        convert_records(records_, columns, EXTRACTED_AT, **keys),
        reference.convert_records(records_, columns, EXTRACTED_AT, **keys),
    )


# ---------------------------------------------------------------- every connector's pages from the sandbox

VENDORS: dict[str, tuple[Any, Callable[..., Any], dict[str, Any], dict[str, Any]]] = {
    "zendesk": (zendesk_client, zendesk_resource, ZENDESK_OBJECTS, {}),
    "hubspot": (hubspot_client, hubspot_resource, HUBSPOT_OBJECTS, {"full_load": True}),
    "salesforce": (salesforce_client, salesforce_resource, SALESFORCE_OBJECTS, {}),
    "intercom": (intercom_client, intercom_resource, INTERCOM_OBJECTS, {}),
}


@pytest.mark.parametrize("vendor", list(VENDORS))
def test_every_page_of_every_object_converts_as_before(
    vendor: str, sandbox: SandboxProcess, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tried: pull each object's whole history through the real client over HTTP; every page the
    client hands to ``convert_records`` is also converted by the reference. Must hold: equal results
    on every page, and every object really delivered rows."""
    module, make_resource, objects, overrides = VENDORS[vendor]
    compared: dict[str, int] = {}

    def twin(items: Any, columns: Sequence[Column], extracted_at: datetime, **kwargs: Any) -> ConvertedPage:
        items = list(items)
        new = convert_records(items, columns, extracted_at, **kwargs)
        assert_same(new, reference.convert_records(items, columns, extracted_at, **kwargs))
        compared[current] = compared.get(current, 0) + new.batch.num_rows
        return new

    monkeypatch.setattr(module, "convert_records", twin)
    anchor = world.config.anchor
    assert anchor is not None
    start, end = anchor - timedelta(days=world.config.days + 30), anchor + timedelta(days=1)
    with make_resource(sandbox, **overrides).open_client() as client:
        for current in objects:
            rows = sum(page.batch.num_rows for page in client.pages(current, start, end))
            assert rows == compared.get(current, 0) and rows > 0, current


# ---------------------------------------------------------------- edge cases of the per-cell code

COLUMNS = (
    Column("id", "int"),
    Column("updated_at", "timestamp"),
    Column("created_at", "timestamp", source="meta.created"),
    Column("name", "string"),
    Column("score", "float"),
    Column("flag", "bool"),
    Column("tags", "json"),
    Column("count", "int", source="properties.count", blank_is_null=True),
    Column("label", "string", source="properties.label", blank_is_null=True),
    Column("is_deleted", "bool", derive=lambda r: r.get("status") == "deleted"),
)


def row(i: int, **fields: Any) -> dict[str, Any]:
    return {"id": i, "updated_at": "2026-11-01T10:00:00Z", **fields}


EDGE_PAGES: dict[str, list[Any]] = {
    "nulls_and_missing": [row(1), row(2, name=None, score=None, flag=None, tags=None, meta=None, properties=None)],
    "blank_properties": [row(1, properties={"count": "", "label": ""}), row(2, properties={"count": "7"})],
    "strings_numbers_bools": [
        row(1, name=12, score="2.5", flag=0, count=True, properties={"count": 3.9, "label": 5}),
        row(2, name=True, score=3, flag="no", properties={"count": " 12 ", "label": ["x"]}),
    ],
    "timestamp_shapes": [
        row(1, meta={"created": "2026-10-01T10:00:00.123456Z"}),
        row(2, updated_at="2026-11-01T12:00:00+05:30", meta={"created": 1_700_000_000}),
        row(3, updated_at="2026-11-01 12:00:00", meta={"created": ""}),
        row(4, updated_at="2026-11-01", meta={"created": 1_700_000_000.5}),
    ],
    "bad_timestamps": [row(1), row(2, updated_at="yesterday"), row(3, meta={"created": "2026-02-30T00:00:00Z"})],
    "null_key_and_version": [row(1), {"updated_at": "2026-11-01T10:00:00Z"}, {"id": 3}, row(4, updated_at="")],
    "malformed_key": [row(1), {"id": "abc", "updated_at": "2026-11-01T10:00:00Z"}, row(2**63)],
    "malformed_field": [row(1, score="high"), row(2, properties={"count": "1e3"}), row(3, count=1)],
    "unicode": [
        row(1, name="سارة العتيبي 😀", tags=["دعم", "vip"], note='line\u2028sep\x00\x1f\x7f"\\/é'),
        row(2, name="漢字", tags={"b": 1, "a": [None, True, 1.5]}, properties={"label": "\ufffd"}),
    ],
    "lone_surrogates": [row(1, name="bad \ud800 text"), row(2, name="ok"), row(3, tags=["\udcff"])],
    "floats_json_writes_its_way": [
        row(1, score=1e-7, tags=[1e-05, 2.5e-5, 1e16, 1e22, -0.0, 5e-324, 0.1], extra={"x": 1.7976931348623157e308}),
        row(2, score=1e-10, tags=[123456789.125, 1e15], extra={"n": 10**30, "e": "note e-1 and 0.00001"}),
    ],
    "deleted": [row(1, status="deleted"), row(2, status="open")],
    "empty": [],
}


@pytest.mark.parametrize("name", list(EDGE_PAGES))
def test_edge_cases_convert_as_before(name: str) -> None:
    """Tried: each page of edge cases through both conversions. Must hold: the same batch, the same
    rejects (reason, detail, key, version) and the same repaired count."""
    new, old = both(EDGE_PAGES[name], COLUMNS)
    assert_same(new, old)


def test_rejects_keep_their_reasons() -> None:
    """The reasons the quarantine files records under are the per-cell code's, record by record."""
    page = EDGE_PAGES["null_key_and_version"] + EDGE_PAGES["bad_timestamps"][1:] + EDGE_PAGES["malformed_key"][1:]
    new, old = both(page, COLUMNS)
    assert_same(new, old)
    assert [r.reason for r in new.rejects] == [
        "null_key",
        "null_version",
        "null_version",
        "malformed_version",
        "malformed_field",
        "malformed_key",
        "malformed_key",
    ]
    assert new.batch.column("id").to_pylist() == [1]


def test_lone_surrogates_are_repaired_and_counted() -> None:
    new, old = both(EDGE_PAGES["lone_surrogates"], COLUMNS)
    assert_same(new, old)
    assert new.repaired == 2 and not new.rejects
    assert new.batch.column("name").to_pylist() == ["bad \ufffd text", "ok", None]
    assert json.loads(new.batch.column("_raw")[2].as_py())["tags"] == ["\ufffd"]


def test_oversized_field_is_rejected_as_before() -> None:
    page = [row(1, name="x" * 300), row(2, name="ok")]
    new, old = both(page, COLUMNS, max_field_bytes=200)
    assert_same(new, old)
    assert [(r.key, r.reason) for r in new.rejects] == [("1", "oversized_field")]


def test_raw_is_byte_identical_to_json_dumps() -> None:
    """``_raw`` must not change: the warehouses break ties on it and readers parse it back."""
    for page in EDGE_PAGES.values():
        good = [r for r in page if not records._SURROGATE.search(reference.dumps(r))]
        raws = to_record_batch(good, (), EXTRACTED_AT).column("_raw").to_pylist()
        assert raws == [reference.dumps(r) for r in good]


def test_nan_in_raw_is_written_null_and_still_parses() -> None:
    """The one documented difference: a NaN/Infinity float (only from a non-standard literal that
    ``json.loads`` accepts) is ``null`` in ``_raw``, which every JSON reader (not only Python's) parses."""
    raw = to_record_batch([row(1, extra=[math.nan, math.inf])], COLUMNS, EXTRACTED_AT).column("_raw")[0].as_py()
    assert json.loads(raw)["extra"] == [None, None]


def test_strict_batch_is_identical_and_fails_the_same_way() -> None:
    page = EDGE_PAGES["unicode"] + EDGE_PAGES["timestamp_shapes"] + EDGE_PAGES["floats_json_writes_its_way"]
    assert to_record_batch(page, COLUMNS, EXTRACTED_AT).equals(reference.to_record_batch(page, COLUMNS, EXTRACTED_AT))
    for bad in (EDGE_PAGES["malformed_field"], EDGE_PAGES["bad_timestamps"], EDGE_PAGES["malformed_key"]):
        with pytest.raises(ValueError) as new_error:
            to_record_batch(bad, COLUMNS, EXTRACTED_AT)
        with pytest.raises(ValueError) as old_error:
            reference.to_record_batch(bad, COLUMNS, EXTRACTED_AT)
        assert str(new_error.value) == str(old_error.value)


# ---------------------------------------------------------------- random records

TEXT = st.lists(
    st.characters(codec="utf-8") | st.sampled_from(["\ud800", "\udfff", "\u2028", "\x00", "e-5", "0.00001"]),
    max_size=8,
).map("".join)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3))
STAMPS = st.none() | st.sampled_from(["", "2026-11-01T10:00:00Z", "2026-11-01T10:00:00.5+02:00", "bad", "2026-13-01"])
RECORDS = st.lists(
    st.fixed_dictionaries(
        {"id": st.none() | st.integers(min_value=-(2**64), max_value=2**64) | TEXT, "updated_at": STAMPS},
        optional={
            "name": SCALARS,
            "score": SCALARS,
            "flag": JSON,
            "tags": JSON,
            "meta": st.fixed_dictionaries({}, optional={"created": STAMPS | st.integers(0, 2**33)}) | JSON,
            "properties": st.dictionaries(st.sampled_from(["count", "label"]), SCALARS, max_size=2) | JSON,
            "status": st.sampled_from(["deleted", "open"]),
        },
    ),
    max_size=6,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RECORDS)
def test_random_records_convert_as_before(page: list[dict[str, Any]]) -> None:
    new, old = both(page, COLUMNS)
    assert_same(new, old)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_random_json_dumps_as_before(value: Any) -> None:
    """``_raw`` text and a json column's text equal ``json.dumps``'s for any JSON value (NaN aside)."""
    assert records._dumps({"v": value}) == reference.dumps({"v": value})
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    assert records._dumps_sorted(value) == expected


def _floats() -> Iterator[float]:
    for exponent in range(-330, 310):  # past both ends: 0.0 and inf (skipped) included
        for mantissa in (1.0, 1.5, 2.5, 9.999999999999999, 1.2345678901234567):
            yield float(f"{mantissa}e{exponent}")


def test_every_float_magnitude_dumps_as_before() -> None:
    """orjson and repr write some floats differently; every magnitude must still come out as repr's."""
    values = [v for v in _floats() if math.isfinite(v)]
    for value in values + [-v for v in values]:
        assert records._dumps({"v": value}) == reference.dumps({"v": value}), value


def old_parse_timestamp(value: Any) -> datetime | None:
    """``parse_timestamp`` before its fast path for strings (the reference shares the product's)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "2026-11-01T10:00:00Z",
        "2026-11-01T10:00:00.123Z",
        "2026-11-01T10:00:00+05:30",
        "2026-11-01 10:00:00",
        "2026-11-01",
        "20261101T100000Z",
        "2026-02-30T00:00:00Z",
        "yesterday",
        "0000-01-01T00:00:00Z",
        1_700_000_000,
        1.5,
        datetime(2026, 1, 1),
        datetime(2026, 1, 1, tzinfo=UTC),
        ["2026-11-01"],
    ],
)
def test_parse_timestamp_is_unchanged(value: Any) -> None:
    """Connectors call it once per record to place records in windows; what it returns or raises stays."""
    try:
        expected: Any = old_parse_timestamp(value)
    except (TypeError, ValueError) as exc:
        expected = type(exc)
    try:
        got: Any = records.parse_timestamp(value)
    except (TypeError, ValueError) as exc:
        got = type(exc)
    assert got == expected
