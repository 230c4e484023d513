"""The dbt models as Dagster assets on data the pipeline itself exported: main_job pulls every source
for two days, exports to a DuckDB file and ends with dbt, whose tests pass as asset checks; a one-day
incremental run agrees with a full refresh; planted bad rows fail their checks.

The dbt assets are the ones the code location loads: read from the spec cache, with dagster-dbt's
runtime objects bound when the step starts (test_dbt_spec_cache.py pins them to dagster-dbt's own)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from integration_pipelines.defs.dbt.assets import cached_dbt_assets_def
from integration_pipelines.defs.dbt.runtime import DbtRunner
from integration_pipelines.lib.dbt.project import DBT_PROJECT_DIR, dbt_executable
from integration_pipelines.lib.partitions import range_tags
from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

FIRST, LAST = "2026-10-30", "2026-10-31"
MARTS = ("fct_customer_feedback", "dim_customer", "agg_sentiment_daily", "fct_conversation")

pytestmark = pytest.mark.slow


def dbt_models() -> dg.AssetsDefinition:
    return cached_dbt_assets_def("local", "duckdb")


def dbt_resources(export_file: Path) -> dict[str, object]:
    return {"dbt": DbtRunner(target="local"), "export_duckdb": DuckDBResource(database=str(export_file))}


@pytest.fixture(scope="module")
def pipeline(
    sandbox_server: SandboxProcess, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dg.ExecuteInProcessResult]:
    """main_job over two days with the DuckDB export and the dbt models, run once for the module."""
    home = tmp_path_factory.mktemp("dbt")
    exports = {"duckdb": {"export_duckdb": DuckDBResource(database=str(home / "export.duckdb"))}}
    defs = dg.Definitions.merge(
        pipeline_definitions(sandbox_server, home, exports=exports),
        dg.Definitions(assets=[dbt_models()], resources={"dbt": DbtRunner(target="local")}),
    )
    result = defs.resolve_job_def("main_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), tags=range_tags(FIRST, LAST)
    )
    assert result.success
    return home / "export.duckdb", result


@pytest.fixture
def exported_copy(pipeline: tuple[Path, dg.ExecuteInProcessResult], tmp_path: Path) -> Path:
    """The module's exported warehouse (marts included), copied so a test can change it."""
    copy = tmp_path / "export.duckdb"
    shutil.copyfile(pipeline[0], copy)
    return copy


def query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def execute(path: Path, *statements: str) -> None:
    with duckdb.connect(str(path)) as con:
        for sql in statements:
            con.execute(sql)


def materialize_dbt(export_file: Path, partition: str, *keys: str) -> dg.ExecuteInProcessResult:
    """The dbt assets (``keys`` only, if given) for one day, reading ``export_file``."""
    selection = [dg.AssetKey.from_user_string(k) for k in keys] or None
    return dg.materialize(
        [dbt_models()],
        resources=dbt_resources(export_file),
        partition_key=partition,
        selection=selection,
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def checks_by_name(result: dg.ExecuteInProcessResult) -> dict[str, bool]:
    return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}


# --- main_job ends with the marts --------------------------------------------------------------------


def test_main_job_ends_with_the_marts_and_every_dbt_test_passes_as_an_asset_check(pipeline) -> None:
    export_file, result = pipeline
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {f"marts/{name}" for name in MARTS} <= materialized
    assert {"staging/zendesk/tickets", "staging/feedback/feedback_sentiment"} <= materialized
    evaluations = [e for e in result.get_asset_check_evaluations() if e.asset_key.path[0] != "export"]
    assert evaluations and all(e.passed for e in evaluations), [e.check_name for e in evaluations if not e.passed]
    checked = {e.asset_key.to_user_string() for e in evaluations}
    assert {f"marts/{name}" for name in MARTS} <= checked  # every mart is tested
    names = {e.check_name for e in evaluations}
    assert {"negative_messages_have_a_customer", "sentiment_shares_add_up"} <= names  # the business rules
    assert any(n.startswith("relationships_fct_customer_feedback_customer_key") for n in names)
    marts = {
        name
        for (name,) in query(
            export_file, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
        )
    }
    assert marts == set(MARTS)


def test_marts_agree_with_the_exported_tables(pipeline) -> None:
    export_file, _ = pipeline
    one = lambda sql: query(export_file, sql)[0][0]  # noqa: E731
    customer_messages = one("SELECT count(*) FROM feedback.customer_feedback WHERE author_role = 'customer'")
    assert customer_messages > 100
    assert one("SELECT count(*) FROM marts.fct_customer_feedback") == customer_messages
    live = one("SELECT count(*) FROM marts.fct_customer_feedback WHERE NOT is_deleted")
    assert one("SELECT sum(messages) FROM marts.agg_sentiment_daily") == live
    scored = one(
        "SELECT count(*) FROM marts.fct_customer_feedback WHERE NOT is_deleted AND sentiment_label IS NOT NULL"
    )
    assert one("SELECT sum(scored_messages) FROM marts.agg_sentiment_daily") == scored > 0
    negative = one(
        "SELECT count(*) FROM marts.fct_customer_feedback WHERE NOT is_deleted "
        "AND sentiment_label = 'negative' AND customer_key IS NOT NULL"
    )
    assert one("SELECT sum(negative_messages) FROM marts.dim_customer") == negative > 0
    conversations = one(
        "SELECT (SELECT count(*) FROM zendesk.tickets) + (SELECT count(*) FROM salesforce.cases) "
        "+ (SELECT count(*) FROM hubspot.tickets) + (SELECT count(*) FROM intercom.conversations)"
        # every other source's conversations are the parents of its messages (a call, a thread, a booking...)
        "+ (SELECT count(*) FROM (SELECT DISTINCT source, parent_id FROM feedback.customer_feedback "
        "WHERE source NOT IN ('zendesk', 'salesforce', 'hubspot', 'intercom')))"
    )
    assert one("SELECT count(*) FROM marts.fct_conversation") == conversations
    # the same person in several systems is one customer carrying each system's id
    assert (
        one(
            "SELECT count(*) FROM marts.dim_customer WHERE matched_on = 'email' AND (zendesk_user_id IS NOT NULL)"
            "::int + (salesforce_contact_id IS NOT NULL)::int + (hubspot_contact_id IS NOT NULL)::int "
            "+ (intercom_contact_id IS NOT NULL)::int >= 2"
        )
        > 0
    )
    assert one("SELECT count(*) FROM marts.dim_customer") == one(
        "SELECT count(DISTINCT customer_key) FROM intermediate.int_customer_identities"
    )


def test_calls_messages_bookings_and_payments_reach_the_marts(pipeline, world: World) -> None:
    """The newer channels take no model of their own: their feedback rows become messages, conversations
    and people in the marts, Retell's reading sits beside ours, and a caller known only by a phone number
    is the person whose helpdesk record carries that phone (and an email)."""
    export_file, _ = pipeline
    channels = {row[0] for row in query(export_file, "SELECT DISTINCT channel FROM marts.fct_customer_feedback")}
    assert {"voice", "sms", "whatsapp", "meeting", "payment"} <= channels
    calls = query(
        export_file,
        "SELECT vendor_sentiment_label, overall_sentiment_label, agrees_with_vendor_sentiment "
        "FROM marts.fct_conversation WHERE source = 'retell' AND scored_messages > 0",
    )
    assert calls and any(vendor is not None for vendor, _, _ in calls)
    for vendor, ours, agrees in calls:
        assert agrees is (None if vendor is None else vendor == ours)
    others = query(
        export_file,
        "SELECT count(*) FROM marts.fct_conversation WHERE source <> 'retell' AND vendor_sentiment_label IS NOT NULL",
    )
    assert others == [(0,)]
    # callers and messagers are known by phone: each joins the person with that phone's email where one exists
    by_phone = query(
        export_file,
        "SELECT i.phone_e164, d.email FROM intermediate.int_customer_identities i "
        "JOIN marts.dim_customer d ON d.customer_key = i.customer_key "
        "WHERE i.source IN ('retell', 'twilio') AND i.matched_on = 'phone' AND d.email IS NOT NULL",
    )
    assert by_phone, "no caller or messager was matched to a known person"
    customers = {p.email.lower() for p in world.people if p.role == "customer"}
    phones = {p.phone: p.email.lower() for p in world.people if p.role == "customer" and p.phone}
    assert {email for _, email in by_phone} <= customers
    assert sum(email == phones.get(phone) for phone, email in by_phone) >= 0.9 * len(by_phone)
    across = query(
        export_file,
        "SELECT count(*) FROM marts.dim_customer "
        "WHERE (retell_customer_id IS NOT NULL OR twilio_customer_id IS NOT NULL) "
        "AND (zendesk_user_id IS NOT NULL OR salesforce_contact_id IS NOT NULL "
        "OR hubspot_contact_id IS NOT NULL OR intercom_contact_id IS NOT NULL)",
    )[0][0]
    assert across > 0
    # every customer message of the new channels that names its author has a customer
    unmatched = query(
        export_file,
        "SELECT count(*) FROM marts.fct_customer_feedback f JOIN feedback.customer_feedback c "
        "ON c.source = f.source AND c.message_id = f.message_id "
        "WHERE coalesce(c.author_id, c.author_email, c.author_phone) IS NOT NULL AND f.customer_key IS NULL",
    )
    assert unmatched == [(0,)]


# --- incremental by day ------------------------------------------------------------------------------


def one_message_per_day(path: Path) -> dict[str, tuple[str, str]]:
    """A live, scored customer message changed on each of the two days: day -> (source, message_id)."""
    rows = query(
        path,
        "SELECT CAST(CAST(updated_at AS DATE) AS VARCHAR), min(source || '|' || message_id) "
        "FROM feedback.feedback_sentiment WHERE NOT is_deleted AND author_role = 'customer' "
        f"AND CAST(updated_at AS DATE) IN ('{FIRST}', '{LAST}') GROUP BY 1",
    )
    return {day: tuple(key.split("|", 1)) for day, key in rows}


def deleted_in_mart(path: Path, source: str, message_id: str) -> bool:
    return query(
        path,
        f"SELECT is_deleted FROM marts.fct_customer_feedback WHERE source = '{source}' AND message_id = '{message_id}'",
    )[0][0]


def mart_rows(path: Path, table: str, order: str) -> list[tuple]:
    return query(path, f"SELECT * FROM marts.{table} ORDER BY {order}")


def test_a_days_partition_rebuilds_that_day_and_agrees_with_a_full_refresh(exported_copy: Path, tmp_path: Path) -> None:
    """A message deleted on each day: the first day's partition flags only that day's message (the
    window comes from the partition), the second day's the other, and then the incremental marts
    equal a full refresh of the same data."""
    changed = one_message_per_day(exported_copy)
    assert set(changed) == {FIRST, LAST}
    for source, message_id in changed.values():
        execute(
            exported_copy,
            f"UPDATE feedback.customer_feedback SET is_deleted = true "
            f"WHERE source = '{source}' AND message_id = '{message_id}'",
        )
    incremental = ("marts/fct_customer_feedback", "marts/agg_sentiment_daily")
    assert materialize_dbt(exported_copy, FIRST, *incremental).success
    assert deleted_in_mart(exported_copy, *changed[FIRST]) and not deleted_in_mart(exported_copy, *changed[LAST])
    assert materialize_dbt(exported_copy, LAST, *incremental).success
    assert deleted_in_mart(exported_copy, *changed[LAST])

    refreshed = tmp_path / "refreshed" / "export.duckdb"
    refreshed.parent.mkdir()
    shutil.copyfile(exported_copy, refreshed)
    env = {**os.environ, "EXPORT_DUCKDB_PATH": str(refreshed)}
    proc = subprocess.run(
        [
            dbt_executable(),
            "run",
            "--full-refresh",
            "--select",
            "fct_customer_feedback",
            "agg_sentiment_daily",
            "--target",
            "local",
            "--profiles-dir",
            ".",
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    for table, order in (
        ("fct_customer_feedback", "message_key"),
        ("agg_sentiment_daily", "message_date, source, channel, language"),
    ):
        assert mart_rows(exported_copy, table, order) == mart_rows(refreshed, table, order), table


# --- failing tests are failing checks ----------------------------------------------------------------


def test_planted_bad_rows_fail_their_asset_checks(exported_copy: Path) -> None:
    """A sentiment label outside negative/neutral/positive fails accepted_values on the fact table, and a
    negative Zendesk message whose author is lost fails the business rule that every negative message
    has a customer: both show as failed asset checks, and the run fails."""
    ((source, message_id),) = query(
        exported_copy,
        (
            "SELECT source, message_id FROM feedback.feedback_sentiment WHERE NOT is_deleted AND source = 'zendesk' "
            f"AND label = 'negative' AND CAST(updated_at AS DATE) = '{FIRST}' ORDER BY message_id LIMIT 1"
        ),
    )
    ((other,),) = query(
        exported_copy,
        (
            "SELECT message_id FROM feedback.feedback_sentiment WHERE NOT is_deleted AND label <> 'negative' "
            f"AND source = 'zendesk' AND CAST(updated_at AS DATE) = '{FIRST}' ORDER BY message_id LIMIT 1"
        ),
    )
    execute(
        exported_copy,
        f"UPDATE feedback.feedback_sentiment SET label = 'furious' WHERE source = 'zendesk' AND message_id = '{other}'",
        f"UPDATE zendesk.ticket_comments SET author_id = NULL WHERE id = {int(message_id)}",
    )
    result = materialize_dbt(
        exported_copy,
        FIRST,
        "intermediate/int_message_authors",
        "intermediate/int_customer_identities",
        "marts/fct_customer_feedback",
    )
    assert not result.success
    checks = checks_by_name(result)
    assert checks["negative_messages_have_a_customer"] is False
    label_checks = [
        passed
        for name, passed in checks.items()
        if name.startswith("accepted_values_fct_customer_feedback_sentiment_label")
    ]
    assert label_checks == [False]
    assert sum(1 for passed in checks.values() if not passed) == 2  # nothing else broke
