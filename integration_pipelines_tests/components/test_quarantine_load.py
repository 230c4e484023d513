"""A lake file already holding a row the warehouse table refuses must not fail every later load of its
day (issue #13, point 5): the load diverts the row to ``quarantine.records``, loads the rest, and a
rerun changes nothing. The file is written by hand, as an older pull (or a person) would have left it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from dagster_duckdb import DuckDBResource

from integration_pipelines.components.ingest_assets import build_ingest_assets
from integration_pipelines.lib.lake import Lake, LakeResource
from integration_pipelines.lib.records import arrow_schema, to_record_batch
from integration_pipelines.sources.zendesk import SOURCE
from integration_pipelines.sources.zendesk.objects import TICKETS

DAY = "2026-10-29"
WAREHOUSE = dg.AssetKey(["warehouse", "zendesk", "tickets"])
EMAIL, PHONE, TOKEN = "layla.haddad@example.com", "+966 50 123 4567", "sk-live-0123456789abcdef"


def ticket(ticket_id: int | None, subject: str) -> dict:
    return {
        "id": ticket_id,
        "created_at": f"{DAY}T08:00:00Z",
        "updated_at": f"{DAY}T09:00:00Z",
        "subject": subject,
        "status": "open",
        "via": {"channel": "email"},
        "api_token": TOKEN,
    }


def write_poisoned_file(lake_root: Path) -> None:
    """Two good tickets and one with a null id, in one Parquet file of the day (what the old pull wrote)."""
    records = [ticket(1, "fine"), ticket(None, f"write to {EMAIL} or call {PHONE}"), ticket(2, "also fine")]
    batch = to_record_batch(records, TICKETS.columns, datetime(2026, 10, 29, 10, tzinfo=UTC))
    lake = Lake(str(lake_root))
    directory = lake.day_dir(["raw", "zendesk", "tickets"], datetime.fromisoformat(DAY).date())
    Path(directory).mkdir(parents=True)
    pq.write_table(
        pa.Table.from_batches([batch], schema=arrow_schema(TICKETS.columns)), f"{directory}/part-old.parquet"
    )


def load(home: Path) -> dg.ExecuteInProcessResult:
    definitions = [d for d in build_ingest_assets(SOURCE, [TICKETS]) if WAREHOUSE in getattr(d, "keys", ())]
    definitions += [d for d in build_ingest_assets(SOURCE, [TICKETS]) if isinstance(d, dg.AssetChecksDefinition)]
    return dg.materialize(
        definitions,
        selection=[WAREHOUSE],
        partition_key=DAY,
        resources={
            "lake": LakeResource(url=str(home / "lake")),
            "duckdb": DuckDBResource(database=str(home / "warehouse.duckdb")),
        },
        raise_on_error=False,
    )


def rows(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_poisoned_lake_file_is_quarantined_not_fatal_and_reruns_are_idempotent(tmp_path: Path) -> None:
    write_poisoned_file(tmp_path / "lake")
    first = load(tmp_path)
    assert first.success
    meta = {k: v.value for k, v in first.get_asset_materialization_events()[0].materialization.metadata.items()}
    assert meta["quarantined"] == meta["window_quarantined"] == 1
    assert meta["rows_in"] == meta["window_rows_in"] == 2 and meta["table_rows"] == 2
    assert rows(tmp_path, "SELECT id FROM zendesk.tickets ORDER BY id") == [(1,), (2,)]

    quarantined = "SELECT source, object, CAST(day AS VARCHAR), key, reason, stage, payload FROM quarantine.records"
    ((source, obj, day, key, reason, stage, payload),) = rows(tmp_path, quarantined)
    assert (source, obj, day, key, reason, stage) == ("zendesk", "tickets", DAY, None, "null_key", "load")
    stored = json.loads(payload)
    assert stored["subject"] == "write to [EMAIL] or call [PHONE]" and stored["api_token"] == "***"
    for secret in (EMAIL, PHONE, TOKEN):
        assert secret not in payload

    checks = {c.check_name: c for c in first.get_asset_check_evaluations()}
    assert not checks["quarantine_empty"].passed and checks["quarantine_empty"].metadata["quarantined"].value == 1
    assert checks["pulled_keys_loaded"].passed  # the null-key row is the quarantine's, the two good ones landed

    again = load(tmp_path)
    assert again.success
    assert len(rows(tmp_path, quarantined)) == 1  # the same row, not a second copy
    assert rows(tmp_path, "SELECT id FROM zendesk.tickets ORDER BY id") == [(1,), (2,)]
