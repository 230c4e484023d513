"""The README's demo really works from the command line, and --help tells the truth."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from integration_pipelines.cli import build_parser
from integration_pipelines.sources import registry

CLI = [sys.executable, "-m", "integration_pipelines.cli"]


@pytest.mark.parametrize("command", [[], ["demo"], ["sandbox"]])
def test_help_lists_the_options(command: list[str]) -> None:
    out = subprocess.run([*CLI, *command, "--help"], capture_output=True, text=True, check=True).stdout
    assert "usage: integration-pipelines" in out
    expected = {
        (): ["demo", "sandbox"],
        ("demo",): ["--days", "--rate-limits", "--home"],
        ("sandbox",): ["--port", "--conversations", "--fault-429", "--fault-drop", "--rate-limits"],
    }[tuple(command)]
    for option in expected:
        assert option in out


def test_sandbox_rate_limit_option_is_validated() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["sandbox", "--rate-limits", "-1"])


@pytest.mark.slow
def test_demo_syncs_into_duckdb_and_prints_a_summary(tmp_path: Path) -> None:
    """The demo with a small world and no pacing: every table is filled and the summary says so."""
    env = {**os.environ, "DAGSTER_HOME": "", "INTEGRATION_PIPELINES_HOME": ""}
    proc = subprocess.run(
        [*CLI, "demo", "--conversations", "2000", "--days", "3", "--rate-limits", "off", "--home", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "main_job succeeded" in out
    tables = [
        "zendesk.tickets",
        "zendesk.ticket_comments",
        "salesforce.cases",
        "salesforce.case_comments",
        "hubspot.contacts",
        "hubspot.tickets",
        "intercom.conversations",
        "intercom.conversation_parts",
        "retell.calls",
        "twilio.messages",
        "calendly.scheduled_events",
        "calendly.invitees",
        "stripe.customers",
        "stripe.subscriptions",
    ]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        for table in tables:
            count = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            assert count > 0, table
            line = re.search(rf"warehouse/{table.replace('.', '/')}\s+(\d+) rows in DuckDB", out)
            assert line and int(line.group(1)) == count, table
    assert re.search(r"requests \d+, retries 0, 429s 0", out)
    assert "Sentiment of customer messages" in out
    assert re.search(r"feedback/sentiment_report\s+\d+ messages charted, 2 chart\(s\) for \d{4}-\d{2}-\d{2}", out)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        scored = con.execute("SELECT count(*) FROM feedback.feedback_sentiment WHERE NOT is_deleted").fetchone()[0]
    sources = "|".join(registry.names())
    printed = [int(m) for m in re.findall(rf"^  (?:{sources})\s+\S+\s+(\d+)\s", out, re.M)]
    assert scored > 0 and sum(printed) == scored
    # the sentiment table shows every channel, the newer ones included
    shown = set(re.findall(rf"^  (?:{sources})\s+(\S+)\s+\d+\s", out, re.M))
    assert {"voice", "sms", "whatsapp", "meeting", "payment"} <= shown
    exported = re.search(r"exported 27 tables, (\d+) rows to duckdb", out)
    with duckdb.connect(str(tmp_path / "export.duckdb"), read_only=True) as con:
        in_warehouse = sum(
            con.execute(f"SELECT count(*) FROM {schema}.{name}").fetchone()[0]
            for schema, name in con.execute(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_schema NOT IN ('staging', 'intermediate', 'marts')"
            ).fetchall()
        )
    assert exported and int(exported.group(1)) == in_warehouse > 0
    # the run ends with the dbt marts, whose tests all pass, and the demo reads two of them back
    assert re.search(
        r"dbt built 33 models \(staging, intermediate, marts\) and ran (\d+) tests as asset checks: "
        r"\1 passed, 0 failed",
        out,
    )
    assert "Last days of marts.agg_sentiment_daily" in out
    days = re.findall(rf"^  (\d{{4}}-\d{{2}}-\d{{2}}) (?:{sources})\s+(\d+)\s", out, re.M)
    with duckdb.connect(str(tmp_path / "export.duckdb"), read_only=True) as con:
        per_day = dict(
            con.execute(
                "SELECT CAST(message_date AS VARCHAR), sum(messages) FROM marts.agg_sentiment_daily GROUP BY 1"
            ).fetchall()
        )
        most_negative = con.execute("SELECT max(negative_messages) FROM marts.dim_customer").fetchone()[0]
    assert days and {day for day, _ in days} <= set(per_day)
    for day in {day for day, _ in days}:
        assert sum(int(n) for d, n in days if d == day) == per_day[day], day
    customers = out.split("The five customers with the most negative messages", 1)[1].splitlines()[2:7]
    assert len(customers) == 5 and int(customers[0].split()[-3]) == most_negative > 0
    assert "dagster dev" in out and str(tmp_path / "dagster_home") in out
    assert (tmp_path / "dagster_home" / "history" / "runs.db").exists()  # the run is in the local instance
