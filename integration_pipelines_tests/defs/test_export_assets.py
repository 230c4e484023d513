"""Export assets: main_job pulls every source for two days, builds the feedback tables and exports
every table to four warehouses at once (a DuckDB file, Snowflake on fakesnow, BigQuery on the
bqemulator server, Redshift's flow on PostgreSQL + a moto S3 server); then re-exports, chunked
exports and an export with nothing upstream."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import fakesnow
import psycopg2
import pytest
import snowflake.connector
from dagster_aws.s3 import S3Resource
from dagster_duckdb import DuckDBResource
from dagster_snowflake import SnowflakeResource

from integration_pipelines.defs.exports.tables import ExportTable, export_tables
from integration_pipelines.lib.partitions import range_tags
from integration_pipelines.lib.warehouses import bigquery as bq
from integration_pipelines.lib.warehouses.base import quote_ident
from integration_pipelines.lib.warehouses.targets import BigQueryTarget, RedshiftTarget
from integration_pipelines_tests.fixtures.bigquery import BigQueryEmulator
from integration_pipelines_tests.fixtures.moto_s3 import CREDENTIALS, MotoS3Server
from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions
from integration_pipelines_tests.fixtures.postgres import PostgresInfo, temporary_database
from vendor_sandbox.process import SandboxProcess

FIRST, LAST = "2026-10-30", "2026-10-31"
START, END = datetime(2026, 10, 30, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
TABLES = export_tables()
TARGETS = ("duckdb", "snowflake", "bigquery", "redshift")


# --- the pipeline, run once for the module -----------------------------------------------------------


@pytest.fixture(scope="module")
def redshift_db(postgres_server: PostgresInfo) -> Iterator[PostgresInfo]:
    with temporary_database(postgres_server) as database:
        yield database


@pytest.fixture(scope="module")
def staging_bucket(moto_s3_server: MotoS3Server) -> str:
    name = f"export-{uuid.uuid4().hex[:12]}"
    moto_s3_server.client().create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="module")
def snowflake_patch() -> Iterator[None]:
    """fakesnow replaces snowflake.connector.connect for the module; SnowflakeResource goes through it."""
    with fakesnow.patch():
        yield


@pytest.fixture(scope="module")
def bigquery_project(bigquery_emulator: BigQueryEmulator) -> str:
    bigquery_emulator.client().close()  # the test-side client setup (resumable uploads) for the module
    return f"exports-{uuid.uuid4().hex[:12]}"


def export_resources(
    home: Path, redshift_db: PostgresInfo, moto: MotoS3Server, bucket: str, bigquery: BigQueryEmulator, project: str
) -> dict[str, dict[str, object]]:
    return {
        "duckdb": {"export_duckdb": DuckDBResource(database=str(home / "export.duckdb"))},
        "snowflake": {
            "snowflake": SnowflakeResource(account="test", user="test", password="test", database="ANALYTICS")
        },
        "bigquery": {"bigquery": BigQueryTarget(project=project, api_endpoint=bigquery.endpoint, anonymous=True)},
        "redshift": {
            "redshift": RedshiftTarget(
                host=redshift_db.host,
                port=redshift_db.port,
                user=redshift_db.user,
                password=redshift_db.password,
                database=redshift_db.dbname,
                sslmode="disable",
                s3_bucket=bucket,
                load_statement="insert",
            ),
            "s3": S3Resource(
                endpoint_url=moto.endpoint_url,
                region_name=CREDENTIALS["region_name"],
                aws_access_key_id=CREDENTIALS["aws_access_key_id"],
                aws_secret_access_key=CREDENTIALS["aws_secret_access_key"],
            ),
        },
    }


@pytest.fixture(scope="module")
def pipeline(
    sandbox_server: SandboxProcess,
    tmp_path_factory: pytest.TempPathFactory,
    redshift_db: PostgresInfo,
    moto_s3_server: MotoS3Server,
    staging_bucket: str,
    snowflake_patch: None,
    bigquery_emulator: BigQueryEmulator,
    bigquery_project: str,
) -> tuple[dg.Definitions, Path, dg.DagsterInstance, dg.ExecuteInProcessResult]:
    home = tmp_path_factory.mktemp("exports")
    defs = pipeline_definitions(
        sandbox_server,
        home,
        exports=export_resources(
            home, redshift_db, moto_s3_server, staging_bucket, bigquery_emulator, bigquery_project
        ),
    )
    instance = dg.DagsterInstance.ephemeral()
    result = defs.resolve_job_def("main_job").execute_in_process(instance=instance, tags=range_tags(FIRST, LAST))
    assert result.success
    return defs, home, instance, result


# --- reading each engine back ------------------------------------------------------------------------


def working_rows(home: Path, table: ExportTable, columns: list[str]) -> list[tuple]:
    """What the export should hold: the working table's rows changed in the window."""
    spec = table.source
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return sorted(
            con.execute(
                f"SELECT {', '.join(quote_ident(c) for c in columns)} FROM {quote_ident(spec.schema)}."
                f"{quote_ident(spec.name)} WHERE {quote_ident(spec.version_column)} >= ? "
                f"AND {quote_ident(spec.version_column)} < ?",
                [START, END],
            ).fetchall(),
            key=repr,
        )


def key_columns(table: ExportTable) -> list[str]:
    return [*table.source.primary_key, "is_deleted"]


@pytest.fixture(scope="module")
def read_back(redshift_db: PostgresInfo, bigquery_emulator: BigQueryEmulator, bigquery_project: str):
    """``read_back(target, home, table, columns)``: the target table's rows, sorted."""

    def read(target: str, home: Path, table: ExportTable, columns: list[str]) -> list[tuple]:
        return target_rows(target, home, redshift_db, table, columns, bigquery_emulator, bigquery_project)

    return read


def target_rows(
    target: str,
    home: Path,
    redshift_db: PostgresInfo | None,
    table: ExportTable,
    columns: list[str],
    bigquery: BigQueryEmulator | None = None,
    project: str = "",
) -> list[tuple]:
    spec = table.target()
    if target == "bigquery":
        sql = (
            f"SELECT {', '.join(bq.quote_ident(c) for c in columns)} FROM {bq.quote_ident(spec.schema)}."
            f"{bq.quote_ident(spec.name)}"
        )
        client = bigquery.client(project)
        try:
            return sorted((tuple(r.values()) for r in client.query(sql).result()), key=repr)
        finally:
            client.close()
    sql = (
        f"SELECT {', '.join(quote_ident(c) for c in columns)} FROM {quote_ident(spec.schema)}.{quote_ident(spec.name)}"
    )
    if target == "duckdb":
        with duckdb.connect(str(home / "export.duckdb"), read_only=True) as con:
            rows = con.execute(sql).fetchall()
    elif target == "snowflake":
        with snowflake.connector.connect(database="ANALYTICS") as con:
            rows = con.cursor().execute(sql).fetchall()
    else:
        with psycopg2.connect(redshift_db.dsn) as con, con.cursor() as cur:
            cur.execute(sql)
            rows = cur.fetchall()
    return sorted((tuple(r) for r in rows), key=repr)


def materialized(result: dg.ExecuteInProcessResult, key: dg.AssetKey) -> dict[str, Any]:
    events = [
        e.materialization for e in result.get_asset_materialization_events() if e.materialization.asset_key == key
    ]
    assert events, f"{key.to_user_string()} was not materialized"
    return {k: v.value for k, v in events[-1].metadata.items()}


# --- tests -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
def test_every_table_reaches_every_target_with_exact_keys(pipeline, read_back, target: str) -> None:
    """main_job over two days exports all 27 tables to each configured target: each target table holds
    exactly the working table's keys (and delete flags) changed in those days, none twice, and the key
    check run in the target itself passes on all 27 with the same row count."""
    _, home, _, result = pipeline
    assert len(TABLES) == 27
    for table in TABLES:
        expected = working_rows(home, table, key_columns(table))
        got = read_back(target, home, table, key_columns(table))
        assert got == expected, f"{target} {table.source.qualified}"
        meta = materialized(result, table.key(target))
        assert meta["window_rows_exported"] == len(expected) and meta["table_rows"] == len(expected)
        assert meta["table_deleted_rows"] == sum(1 for row in expected if row[-1])
    assert sum(len(working_rows(home, t, key_columns(t))) for t in TABLES) > 5000  # the check has data
    checks = {e.asset_key: e for e in result.get_asset_check_evaluations() if e.asset_key.path[1] == target}
    assert len(checks) == 27 and all(c.passed for c in checks.values())
    first = TABLES[0]
    assert checks[first.key(target)].metadata["rows"].value == len(
        working_rows(home, first, list(first.source.primary_key))
    )


def comparable(value: object) -> object:
    """One value as every engine should give it back: instants in UTC, exact decimals as numbers."""
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def working_columns(home: Path, table: ExportTable) -> list[str]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                "AND column_name <> '_loaded_at' ORDER BY ordinal_position",
                [table.source.schema, table.source.name],
            ).fetchall()
        ]


@pytest.mark.parametrize("target", TARGETS)
def test_every_column_of_every_table_arrives_unchanged(pipeline, read_back, target: str) -> None:
    """Not just keys: every column of all 27 tables (timestamps, dates, numbers, booleans, JSON `_raw`,
    Arabic text) reads back from each engine equal to the working table's window, row for row."""
    _, home, _, _ = pipeline
    for table in TABLES:
        columns = working_columns(home, table)
        expected = [tuple(map(comparable, r)) for r in working_rows(home, table, columns)]
        got = sorted((tuple(map(comparable, r)) for r in read_back(target, home, table, columns)), key=repr)
        assert got == sorted(expected, key=repr), f"{target} {table.source.qualified}"


@pytest.mark.parametrize("target", TARGETS)
def test_feedback_text_round_trips_byte_for_byte(pipeline, read_back, target: str) -> None:
    """Arabic and English message text, sentiment labels and timestamps arrive unchanged in every engine."""
    _, home, _, _ = pipeline
    table = next(t for t in TABLES if t.source.name == "customer_feedback")
    columns = ["source", "message_id", "text", "language"]
    expected = working_rows(home, table, columns)
    assert any(row[3] == "ar" for row in expected) and any(row[3] == "en" for row in expected)
    assert read_back(target, home, table, columns) == expected


def test_duckdb_export_is_a_full_copy_of_the_window(pipeline) -> None:
    """Same engine, so every column compares equal: the export is the window of the working table."""
    _, home, _, _ = pipeline
    table = next(t for t in TABLES if t.source.qualified == "zendesk.tickets")
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        columns = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE "
                "table_schema = 'zendesk' AND table_name = 'tickets' "
                "AND column_name <> '_loaded_at'"
            ).fetchall()
        ]
    assert working_rows(home, table, columns) == target_rows("duckdb", home, None, table, columns)


def test_rerunning_the_export_changes_nothing(pipeline, read_back) -> None:
    """Running export_job again for the same two days upserts every row as matched and inserts none:
    each target keeps exactly the same rows."""
    defs, home, instance, _ = pipeline
    before = {
        (target, t.source.qualified): read_back(target, home, t, key_columns(t)) for target in TARGETS for t in TABLES
    }
    again = defs.resolve_job_def("export_job").execute_in_process(instance=instance, tags=range_tags(FIRST, LAST))
    assert again.success
    for (target, name), rows in before.items():
        table = next(t for t in TABLES if t.source.qualified == name)
        assert read_back(target, home, table, key_columns(table)) == rows
        meta = materialized(again, table.key(target))
        assert meta["window_inserted"] == 0 and meta["window_matched"] == meta["window_rows_exported"] == len(rows)


def test_exports_run_in_bounded_chunks(pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    """With EXPORT_CHUNK_ROWS=50 a day is read and loaded 50 keys at a time (keyset pages): the DuckDB
    target ends with the same rows and the metadata counts one load per chunk."""
    defs, home, instance, _ = pipeline
    monkeypatch.setenv("EXPORT_CHUNK_ROWS", "50")
    table = next(t for t in TABLES if t.source.qualified == "zendesk.ticket_comments")
    key = table.key("duckdb")
    before = target_rows("duckdb", home, None, table, key_columns(table))
    run = defs.resolve_job_def("export_job").execute_in_process(
        instance=instance, asset_selection=[key], tags=range_tags(FIRST, LAST)
    )
    assert run.success
    meta = materialized(run, key)
    per_day = [
        len(
            [
                r
                for r in working_rows(home, table, [table.source.version_column, "id"])
                if r[0].astimezone(UTC).date().isoformat() == day
            ]
        )
        for day in (FIRST, LAST)
    ]
    assert meta["window_loads"] == sum(-(-n // 50) for n in per_day) and meta["window_loads"] > 2
    assert meta["window_rows_exported"] == len(before) and meta["window_inserted"] == 0
    days = {  # each day's materialization counts that day's own rows and loads
        e.materialization.partition: {k: v.value for k, v in e.materialization.metadata.items()}
        for e in run.get_asset_materialization_events()
        if e.materialization.asset_key == key
    }
    for day, n in zip((FIRST, LAST), per_day, strict=True):
        assert days[day]["dagster/row_count"] == days[day]["rows_exported"] == n
        assert days[day]["loads"] == -(-n // 50)
    assert target_rows("duckdb", home, None, table, key_columns(table)) == before


def test_missing_source_table_skips_that_export_only(sandbox_server: SandboxProcess, tmp_path: Path) -> None:
    """Exporting before anything was pulled: no export asset is materialized, the run still succeeds,
    and nothing is created in the target."""
    defs = pipeline_definitions(
        sandbox_server,
        tmp_path,
        exports={"duckdb": {"export_duckdb": DuckDBResource(database=str(tmp_path / "export.duckdb"))}},
    )
    run = defs.resolve_job_def("export_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), partition_key=FIRST
    )
    assert run.success
    assert run.get_asset_materialization_events() == []
    assert not (tmp_path / "export.duckdb").exists()  # the target was never even opened


def test_key_check_finds_duplicate_and_null_keys_in_the_target(
    pipeline, bigquery_emulator: BigQueryEmulator, bigquery_project: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BigQuery enforces no keys: a table holding organization 7 twice and one NULL id (under a schema
    prefix, so the real exports stay as they are) fails the export key check with 1 duplicate key and
    1 NULL key out of 4 rows."""
    defs, _, instance, _ = pipeline
    monkeypatch.setenv("EXPORT_SCHEMA_PREFIX", "broken_")
    client = bigquery_emulator.client(bigquery_project)
    try:
        client.create_dataset("broken_zendesk")
        client.query(
            "CREATE TABLE broken_zendesk.organizations AS SELECT 7 AS id UNION ALL SELECT 7 "
            "UNION ALL SELECT 8 UNION ALL SELECT CAST(NULL AS INT64)"
        ).result()
    finally:
        client.close()
    key = next(t for t in TABLES if t.source.qualified == "zendesk.organizations").key("bigquery")
    check = dg.AssetCheckKey(key, "primary_key_unique_not_null")
    job = dg.define_asset_job("organizations_key_check", selection=dg.AssetSelection.checks(check))
    result = (
        dg.Definitions.merge(defs, dg.Definitions(jobs=[job]))
        .resolve_job_def("organizations_key_check")
        .execute_in_process(instance=instance)
    )
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed
    assert {k: v.value for k, v in evaluation.metadata.items()} == {
        "rows": 4,
        "null_keys": 1,
        "duplicate_keys": 1,
        "table": "broken_zendesk.organizations",
    }
