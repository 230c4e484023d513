"""What a scenario left in the warehouse, compared with a clean run: expected, got, lost, duplicated."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from integration_pipelines.sources import registry


@dataclass(frozen=True)
class TableState:
    rows: int
    versions: frozenset[tuple[str, str]]  # (key, version) of every row

    @property
    def duplicated(self) -> int:
        return self.rows - len({key for key, _ in self.versions})


def vendor_tables() -> list[tuple[str, str, str, str]]:
    """(schema, table, key column, version column) of every vendor table the syncs write."""
    return [
        (source.name, obj.name, obj.primary_key, obj.version_column)
        for source in registry.sources().values()
        for obj in source.objects.values()
    ]


def snapshot(warehouse: Path) -> dict[str, TableState]:
    """Every vendor table read in full (a corrupt file fails here, loudly, as it would for a user)."""
    states: dict[str, TableState] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        present = {
            (s, t) for s, t in con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()
        }
        for schema, table, key, version in vendor_tables():
            if (schema, table) not in present:
                states[f"{schema}.{table}"] = TableState(0, frozenset())
                continue
            rows = con.execute(
                f'SELECT CAST("{key}" AS VARCHAR), CAST("{version}" AS VARCHAR) FROM "{schema}"."{table}"'
            ).fetchall()
            states[f"{schema}.{table}"] = TableState(len(rows), frozenset(rows))
    return states


def readable(path: Path) -> bool:
    """True when every table of the DuckDB file reads back in full (a checksum error raises)."""
    if not path.exists():
        return True
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            for schema, table in con.execute(
                "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
            ).fetchall():
                con.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall()
    except duckdb.Error:
        return False
    return True


def compare(expected: dict[str, TableState], got: dict[str, TableState]) -> dict[str, int]:
    """Rows a clean run has that this one lacks (lost; an older version counts as lost) and repeated keys."""
    lost = sum(len(state.versions - got[name].versions) for name, state in expected.items())
    return {
        "rows_expected": sum(state.rows for state in expected.values()),
        "rows_got": sum(state.rows for state in got.values()),
        "lost": lost,
        "duplicated": sum(state.duplicated for state in got.values()),
    }


def quarantined(warehouse: Path) -> int:
    """Rows set aside in ``quarantine.records`` (0 when nothing was ever quarantined)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'quarantine' AND table_name = 'records'"
        ).fetchone()[0]
        return con.execute("SELECT count(*) FROM quarantine.records").fetchone()[0] if exists else 0
