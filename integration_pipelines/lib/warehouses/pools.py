"""Dagster pool names: one pool per thing that takes one writer at a time.

A DuckDB file admits one read-write process at a time; a second process gets an IO error (which
dagster-duckdb retries for about a minute and a half) instead of waiting in a queue. Every step that
opens the working DuckDB file (``INTEGRATION_PIPELINES_DUCKDB_PATH``: warehouse loads, their key
checks, the feedback tables) therefore runs in ``WAREHOUSE_POOL``; the instance limits each pool to
one step (``pools: default_limit: 1``), so concurrent runs queue instead of racing for the lock.
Exports, and dbt reading the exported tables, use ``export_pool(target)``: for DuckDB that is the
file ``export.duckdb``.
"""

WAREHOUSE_POOL = "duckdb_warehouse"


def export_pool(target: str) -> str:
    """The pool of every step writing ``target`` (``export_duckdb`` is the local ``export.duckdb`` file)."""
    return f"export_{target}"
