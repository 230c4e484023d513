"""The exporter protocol every warehouse implements, and the semantics they all share.

Semantics: one current row per primary key (the highest ``version_column`` wins, ties broken by
the latest extraction, then by the raw record), deleted rows kept with ``is_deleted = true``, a
``_loaded_at`` column, and re-running any load gives the same table.

NULL ranks below every value in each ordering column, within a load (``ORDER BY ... DESC NULLS
LAST``) and across loads (:func:`newer_or_equal`); when every ordering column is equal (two NULLs
count as equal) the later load wins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import pyarrow as pa

LOADED_AT_COLUMN = "_loaded_at"


@dataclass(frozen=True)
class TableSpec:
    """Where a table lives and how its rows are keyed."""

    schema: str
    name: str
    primary_key: tuple[str, ...]
    version_column: str = "updated_at"
    tie_breakers: tuple[str, ...] = ("_extracted_at", "_raw")

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class LoadResult:
    """What one load did: rows offered, distinct keys in them, new keys, keys already present
    (updated unless the table already held a newer version), and the table's size afterwards."""

    rows_in: int
    keys_in: int
    inserted: int
    matched: int
    table_rows: int
    deleted_rows: int


class Exporter(Protocol):
    """Upsert Arrow data into one warehouse engine."""

    name: str

    def upsert(self, table: TableSpec, data: pa.Table) -> LoadResult:
        """Merge ``data`` into ``table`` by key; creates or widens the table as needed."""
        ...


def quote_ident(name: str) -> str:
    """Double-quote an identifier (SQL standard; DuckDB, PostgreSQL, Snowflake)."""
    return '"' + name.replace('"', '""') + '"'


def require_columns(table: TableSpec, data: pa.Table) -> None:
    missing = [c for c in (*table.primary_key, table.version_column) if c not in data.column_names]
    if missing:
        raise ValueError(f"{table.qualified}: incoming data lacks key column(s) {missing}")


def ordered_unique(names: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(names))


def newer_or_equal(ordering: Sequence[str], source: str, target: str, quote: Callable[[str], str] = quote_ident) -> str:
    """SQL that is TRUE when the ``source`` row ranks at or above the ``target`` row, else FALSE (never
    NULL): ``(s.a, s.b, ...) >= (t.a, t.b, ...)`` compared lexicographically over the ``ordering``
    columns, with NULL below every value and two NULLs equal, the order of the within-load dedupe
    (``DESC NULLS LAST``). ``source``/``target`` are SQL aliases or quoted table names; ``quote``
    quotes the column names (backticks on BigQuery). Written as an OR/AND chain with portable
    equality, since Snowflake and BigQuery cannot compare row values and Redshift has no
    ``IS [NOT] DISTINCT FROM``."""
    if not ordering:
        raise ValueError("newer_or_equal needs at least one ordering column")

    def greater(column: str) -> str:
        s, t = f"{source}.{quote(column)}", f"{target}.{quote(column)}"
        return f"({s} IS NOT NULL AND ({t} IS NULL OR {s} > {t}))"

    def equal(column: str) -> str:
        s, t = f"{source}.{quote(column)}", f"{target}.{quote(column)}"
        return f"COALESCE({s} = {t}, {s} IS NULL AND {t} IS NULL)"

    *rest, last = ordering
    condition = f"({greater(last)} OR {equal(last)})"
    for column in reversed(rest):
        condition = f"({greater(column)} OR ({equal(column)} AND {condition}))"
    return condition
