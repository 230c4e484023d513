"""Schema evolution rules shared by the warehouse exporters.

Types are compared as engine-neutral names (``INTEGER``, ``FLOAT``, ``BOOLEAN``, ``STRING``, ``DATE``,
``TIMESTAMP_TZ``, ``TIMESTAMP_NTZ``); each exporter maps them to and from its own SQL types.

The rule: when the source sends a column with a type different from the one the table holds, the
column is widened only when every stored value and every incoming value converts exactly and the
same way on every engine:

* stored ``INTEGER``, incoming ``FLOAT`` -> the column becomes ``FLOAT`` (integers beyond 2**53 lose
  precision; accepted, as in most warehouses' own numeric promotion); stored ``FLOAT``, incoming
  ``INTEGER`` -> stays ``FLOAT``;
* stored ``INTEGER`` or ``BOOLEAN``, incoming ``STRING`` -> the column becomes ``STRING`` (old values
  become ``'42'``, ``'true'``/``'false'``).

Anything else raises :class:`SchemaChangeError` naming the table and the column: a ``STRING`` column
that starts receiving numbers or booleans (the source's contract changed: someone should look),
floats -> strings (text form differs between engines), timestamps <-> strings, tz-aware <-> naive
timestamps, dates <-> timestamps. Primary-key columns are never widened.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import pyarrow as pa

INTEGER, FLOAT, BOOLEAN, STRING, DATE = "INTEGER", "FLOAT", "BOOLEAN", "STRING", "DATE"
TIMESTAMP_TZ, TIMESTAMP_NTZ = "TIMESTAMP_TZ", "TIMESTAMP_NTZ"

# (stored, incoming) -> the type the column must have afterwards
_WIDENINGS: dict[tuple[str, str], str] = {
    (INTEGER, FLOAT): FLOAT,
    (FLOAT, INTEGER): FLOAT,
    (INTEGER, STRING): STRING,
    (BOOLEAN, STRING): STRING,
}


class SchemaChangeError(TypeError):
    """The source changed a column's type in a way the table cannot absorb safely."""

    def __init__(self, table: str, column: str, stored: str, incoming: str, reason: str = "") -> None:
        self.table, self.column, self.stored, self.incoming = table, column, stored, incoming
        detail = f" ({reason})" if reason else ""
        super().__init__(
            f"{table}: column {column!r} is {stored} in the warehouse but the source now sends "
            f"{incoming}; this change cannot be applied automatically{detail}"
        )


def logical_type(arrow_type: pa.DataType) -> str:
    """The engine-neutral type name of an Arrow type."""
    if pa.types.is_timestamp(arrow_type):
        return TIMESTAMP_TZ if arrow_type.tz else TIMESTAMP_NTZ
    if pa.types.is_integer(arrow_type):
        return INTEGER
    if pa.types.is_floating(arrow_type):
        return FLOAT
    if pa.types.is_boolean(arrow_type):
        return BOOLEAN
    if pa.types.is_date(arrow_type):
        return DATE
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return STRING
    if pa.types.is_null(arrow_type):
        return STRING
    raise TypeError(f"no warehouse column type for Arrow {arrow_type}")


def widened_type(table: str, column: str, stored: str, incoming: str, *, is_key: bool = False) -> str:
    """The type ``column`` must have to hold both its ``stored`` values and the ``incoming`` ones.

    Returns ``stored`` when nothing has to change, the wider type when the column must be widened,
    and raises :class:`SchemaChangeError` when no safe widening exists.
    """
    if stored == incoming:
        return stored
    result = _WIDENINGS.get((stored, incoming))
    if result is None:
        raise SchemaChangeError(table, column, stored, incoming)
    if is_key and result != stored:
        raise SchemaChangeError(table, column, stored, incoming, "primary-key columns are never widened")
    return result


def incoming_types(schema: pa.Schema) -> dict[str, str | None]:
    """Each incoming column's engine-neutral type; None for an all-NULL (Arrow null type) column,
    which fits any stored type as it is."""
    return {f.name: None if pa.types.is_null(f.type) else logical_type(f.type) for f in schema}


def plan_changes(
    table: str, stored: Mapping[str, str], incoming: Mapping[str, str | None], keys: Collection[str]
) -> tuple[list[str], dict[str, str]]:
    """The columns to add and the columns to widen (name -> type) for ``incoming`` against a table
    holding ``stored``; raises :class:`SchemaChangeError` before anything is changed. An empty
    ``stored`` (no table yet) plans nothing: the caller creates the table. All-NULL columns (type
    None) are never widened; a new one is listed for the caller to type or refuse."""
    if not stored:
        return [], {}
    new_columns, widenings = [], {}
    for column, kind in incoming.items():
        if column not in stored:
            new_columns.append(column)
        elif kind is not None:
            wide = widened_type(table, column, stored[column], kind, is_key=column in keys)
            if wide != stored[column]:
                widenings[column] = wide
    return new_columns, widenings
