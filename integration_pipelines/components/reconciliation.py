"""The check that ties a vendor's warehouse tables to what was pulled: ``pulled_keys_loaded``.

For the run's partitions (every day when the run was not partitioned), every key in the raw lake
files must be in the warehouse table at a version at least as new as the newest one pulled. This is
what a lost or half-applied load, a wrong newest-wins rule, a table restored from an old copy or a row
deleted by hand looks like; the DuckDB primary key cannot see any of them. Keys the load set aside in
``quarantine.records`` are counted apart: they are the quarantine check's to report.
"""

from collections.abc import Iterator, Mapping
from datetime import date

import dagster as dg
import duckdb
import pyarrow as pa

from integration_pipelines.components.quarantine import window_days
from integration_pipelines.lib import quarantine
from integration_pipelines.lib.lake import Lake
from integration_pipelines.lib.warehouses.base import TableSpec, quote_ident
from integration_pipelines.lib.warehouses.pools import WAREHOUSE_POOL
from integration_pipelines.sources.base import SourceObject

CHECK_NAME = "pulled_keys_loaded"
SAMPLE_KEYS = 5


def build_reconciliation_checks(
    system: str, by_wh_key: Mapping[dg.AssetKey, SourceObject], raw_paths: Mapping[dg.AssetKey, tuple[str, ...]]
) -> dg.AssetChecksDefinition:
    """One ``pulled_keys_loaded`` check per warehouse asset of the vendor."""

    @dg.multi_asset_check(
        name=f"warehouse_{system}_reconciliation",
        specs=[
            dg.AssetCheckSpec(
                CHECK_NAME,
                asset=key,
                description=f"Every {obj.primary_key} pulled in the run's days is in the table at a "
                f"{obj.version_column} at least as new as the newest pulled (quarantined keys aside).",
            )
            for key, obj in by_wh_key.items()
        ],
        can_subset=True,
        required_resource_keys={"duckdb", "lake"},
        pool=WAREHOUSE_POOL,  # opens the working DuckDB file read-write, like a load
    )
    def reconciliation_checks(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
        lake = context.resources.lake.lake()
        days = window_days(context)
        with context.resources.duckdb.get_connection() as con:
            for key, obj in by_wh_key.items():
                if dg.AssetCheckKey(key, CHECK_NAME) in context.selected_asset_check_keys:
                    spec = TableSpec(system, obj.name, (obj.primary_key,), obj.version_column)
                    yield reconcile(con, lake, raw_paths[key], spec, key, days)

    return reconciliation_checks


def reconcile(
    con: duckdb.DuckDBPyConnection,
    lake: Lake,
    raw_path: tuple[str, ...],
    spec: TableSpec,
    key: dg.AssetKey,
    days: list[date] | None,
) -> dg.AssetCheckResult:
    """Compare the newest pulled version per key with the table's row, in one SQL statement."""
    pk, version = spec.primary_key[0], spec.version_column
    files = lake.files(raw_path, days if days is not None else lake.days(raw_path))
    pulled = lake.read(files, columns=[pk, version]) if files else pa.table({pk: pa.array([], pa.string())})
    metadata: dict[str, object] = {"files_read": len(files)}
    if days:
        metadata.update(first_day=days[0].isoformat(), last_day=days[-1].isoformat())
    if not files:
        return dg.AssetCheckResult(
            asset_key=key, check_name=CHECK_NAME, passed=True, metadata={**metadata, "keys_pulled": 0}
        )
    target = f"{quote_ident(spec.schema)}.{quote_ident(spec.name)}"
    k, v = quote_ident(pk), quote_ident(version)
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [spec.schema, spec.name],
    ).fetchall()[0][0]
    con.register("pulled", pulled)
    try:
        set_aside = quarantine.keys(con, spec.schema, spec.name, days)
        con.register("set_aside", pa.table({"key": pa.array(sorted(set_aside), pa.string())}))
        stored = (
            f"SELECT CAST({k} AS VARCHAR) AS stored_key, {v} AS stored_version FROM {target}"
            if exists
            else "SELECT NULL::VARCHAR AS stored_key, NULL::TIMESTAMPTZ AS stored_version WHERE false"
        )
        rows = con.execute(
            f"""
            WITH p AS (
                SELECT CAST({k} AS VARCHAR) AS key, max({v}) AS newest FROM pulled
                WHERE {k} IS NOT NULL AND {v} IS NOT NULL GROUP BY 1
            )
            SELECT p.key,
                   CASE WHEN t.stored_key IS NULL THEN 'missing' ELSE 'stale' END AS fault,
                   p.key IN (SELECT key FROM set_aside) AS quarantined
            FROM p LEFT JOIN ({stored}) t ON t.stored_key = p.key
            WHERE t.stored_key IS NULL OR t.stored_version < p.newest
            ORDER BY p.key
            """
        ).fetchall()
        keys_pulled = con.execute(
            f"SELECT count(DISTINCT {k}) FROM pulled WHERE {k} IS NOT NULL AND {v} IS NOT NULL"
        ).fetchall()[0][0]
    finally:
        con.unregister("pulled")
        con.unregister("set_aside")
    faults = [(key_, fault) for key_, fault, held in rows if not held]
    missing = [key_ for key_, fault in faults if fault == "missing"]
    stale = [key_ for key_, fault in faults if fault == "stale"]
    metadata.update(
        keys_pulled=keys_pulled,
        missing_keys=len(missing),
        stale_keys=len(stale),
        quarantined_keys=sum(1 for *_, held in rows if held),
    )
    if missing:
        metadata["missing_sample"] = ", ".join(missing[:SAMPLE_KEYS])
    if stale:
        metadata["stale_sample"] = ", ".join(stale[:SAMPLE_KEYS])
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=CHECK_NAME,
        passed=not faults,
        metadata=metadata,
        description=None
        if not faults
        else f"{len(missing)} pulled key(s) missing from {spec.qualified} and {len(stale)} at an older "
        f"{version}: re-run the warehouse step for these days (the lake still holds the rows)",
    )
