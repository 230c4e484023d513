"""The feedback tables built by main_job from every source: exact rows, no PII past preprocessing,
sentiment per customer message offline and through an LLM endpoint (with cache and cost)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from integration_pipelines.lib.partitions import range_tags
from integration_pipelines.lib.text.sentiment.cache import SentimentCache
from integration_pipelines.lib.text.sentiment.resource import SentimentResource
from integration_pipelines.sources import registry
from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions
from integration_pipelines_tests.fixtures.sandbox import zendesk_tickets
from vendor_sandbox.dialects import llm as llm_sandbox
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

FIRST, LAST = "2026-10-30", "2026-10-31"
START = datetime(2026, 10, 30, tzinfo=UTC)
END = START + timedelta(days=2)


def run_main(
    sandbox: SandboxProcess, home: Path, sentiment: SentimentResource | None = None
) -> dg.ExecuteInProcessResult:
    defs = pipeline_definitions(sandbox, home, sentiment=sentiment)
    result = defs.resolve_job_def("main_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), tags=range_tags(FIRST, LAST)
    )
    assert result.success
    return result


def query(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def metadata_by_day(result: dg.ExecuteInProcessResult, name: str) -> dict[str, dict]:
    """Each materialized day's metadata, by partition key."""
    return {
        e.materialization.partition: {k: v.value for k, v in e.materialization.metadata.items()}
        for e in result.get_asset_materialization_events()
        if e.materialization.asset_key == dg.AssetKey(["feedback", name])
    }


def metadata(result: dg.ExecuteInProcessResult, name: str) -> dict:
    """The last day's metadata, which carries the run-wide ``window_*`` numbers like every day's."""
    return metadata_by_day(result, name)[LAST]


@pytest.fixture(scope="module")
def offline_run(
    sandbox_server: SandboxProcess, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dg.ExecuteInProcessResult]:
    home = tmp_path_factory.mktemp("offline")
    return home, run_main(sandbox_server, home)


@pytest.fixture(scope="module")
def offline_home(offline_run: tuple[Path, dg.ExecuteInProcessResult]) -> Path:
    return offline_run[0]


def test_customer_feedback_has_every_source_and_exact_zendesk_rows(offline_home: Path, world: World) -> None:
    per_source = dict(query(offline_home, "SELECT source, count(*) FROM feedback.customer_feedback GROUP BY 1"))
    assert set(per_source) == set(registry.names())
    expected = {
        str(m.id) for c in zendesk_tickets(world) for m in c.messages if m.public and START <= m.created_at < END
    }
    got = {
        r[0] for r in query(offline_home, "SELECT message_id FROM feedback.customer_feedback WHERE source = 'zendesk'")
    }
    assert got == expected
    dupes = query(
        offline_home, "SELECT count(*) - count(DISTINCT (source, message_id)) FROM feedback.customer_feedback"
    )
    assert dupes == [(0,)]
    roles = {r[0] for r in query(offline_home, "SELECT DISTINCT author_role FROM feedback.customer_feedback")}
    assert roles <= {"customer", "agent", "system"} and "customer" in roles
    languages = {r[0] for r in query(offline_home, "SELECT DISTINCT language FROM feedback.customer_feedback")}
    assert {"ar", "en"} <= languages


def test_no_email_or_phone_of_the_world_survives_preprocessing(offline_home: Path, world: World) -> None:
    texts = [r[0] for r in query(offline_home, "SELECT normalized_text FROM feedback.feedback_preprocessed")]
    raw = [r[0] for r in query(offline_home, "SELECT text FROM feedback.customer_feedback")]
    assert len(texts) == len(raw) > 0
    secrets = {p.email for p in world.people} | {p.phone for p in world.people if p.phone}
    leaked_in_raw = [s for s in secrets if any(s in t for t in raw)]
    assert leaked_in_raw, "the world's texts should contain some contact details to redact"
    assert not [s for s in leaked_in_raw if any(s in t for t in texts)]
    assert query(offline_home, "SELECT sum(pii_email) + sum(pii_phone) FROM feedback.feedback_preprocessed")[0][0] > 0


def test_offline_sentiment_scores_every_customer_message(offline_home: Path) -> None:
    customers = query(
        offline_home, "SELECT count(*) FROM feedback.feedback_preprocessed WHERE author_role = 'customer'"
    )[0][0]
    rows = query(offline_home, "SELECT label, score, confidence, provider FROM feedback.feedback_sentiment")
    assert len(rows) == customers > 0
    assert {r[0] for r in rows} == {"negative", "neutral", "positive"}
    assert all(-1 <= r[1] <= 1 and 0 <= r[2] <= 1 and r[3] == "offline" for r in rows)


@pytest.mark.parametrize("name", ["customer_feedback", "feedback_preprocessed", "feedback_sentiment"])
def test_feedback_tables_report_standard_metadata(
    offline_run: tuple[Path, dg.ExecuteInProcessResult], name: str
) -> None:
    home, result = offline_run
    got = metadata(result, name)
    written = query(home, f"SELECT count(*) FROM feedback.{name}")[0][0]  # one run: the window is the table
    assert got["window_rows"] == got["table_rows"] == written > 0
    assert got["dagster/table_name"] == got["table"] == f"feedback.{name}"
    columns = [
        r[0]
        for r in query(
            home,
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'feedback' "
            f"AND table_name = '{name}' AND column_name <> '_loaded_at' ORDER BY ordinal_position",
        )
    ]
    schema = got["dagster/column_schema"]
    assert isinstance(schema, dg.TableSchema) and [c.name for c in schema.columns] == columns
    assert all(c.type for c in schema.columns)
    assert got["window_seconds"] > 0
    assert got["window_rows_per_second"] == pytest.approx(written / got["window_seconds"], rel=0.01)


BREAKDOWNS = {  # the per-day numbers each table adds, and the SQL that counts them independently
    "customer_feedback": {f"rows_{s}": f"source = '{s}'" for s in registry.names()},
    "feedback_preprocessed": {
        **{f"language_{lang}": f"language = '{lang}'" for lang in ("ar", "en", "arabizi", "mixed", "unknown")},
        **{f"redacted_{kind}": f"pii_{kind}" for kind in ("email", "phone", "card", "iban")},
    },
    "feedback_sentiment": {f"label_{label}": f"label = '{label}'" for label in ("negative", "neutral", "positive")},
}


@pytest.mark.parametrize("name", list(BREAKDOWNS))
def test_each_day_of_a_two_day_run_reports_its_own_rows(
    offline_run: tuple[Path, dg.ExecuteInProcessResult], name: str
) -> None:
    """main_job ran FIRST and LAST as one run. Each day's materialization must count that day's rows
    (by updated_at) and that day's breakdown, not the window's totals; the window sums them."""
    home, result = offline_run
    by_day = metadata_by_day(result, name)
    assert sorted(by_day) == [FIRST, LAST]
    for day, got in by_day.items():
        start = f"TIMESTAMPTZ '{day} 00:00:00+00'"
        day_filter = f"updated_at >= {start} AND updated_at < {start} + INTERVAL 1 DAY"
        assert (
            got["dagster/row_count"]
            == got["rows"]
            == query(home, f"SELECT count(*) FROM feedback.{name} WHERE {day_filter}")[0][0]
        )
        for key, condition in BREAKDOWNS[name].items():
            aggregate = f"sum({condition})" if key.startswith("redacted_") else f"count(*) FILTER (WHERE {condition})"
            expected = query(home, f"SELECT coalesce({aggregate}, 0) FROM feedback.{name} WHERE {day_filter}")[0][0]
            assert got[key] == expected, (day, key)
            assert got[f"window_{key}"] == sum(d[key] for d in by_day.values())
        assert "seconds" not in got  # only the whole run's time is known
    assert by_day[FIRST]["rows"] > 0 and by_day[LAST]["rows"] > 0  # so a window total could not pass as a day's
    assert by_day[LAST]["window_rows"] == by_day[FIRST]["rows"] + by_day[LAST]["rows"]


def test_offline_sentiment_reports_no_llm_requests(offline_run: tuple[Path, dg.ExecuteInProcessResult]) -> None:
    got = metadata(offline_run[1], "feedback_sentiment")
    assert got["provider"] == "offline" and got["window_rows"] > 0
    assert got["window_llm_requests"] == 0 and got["window_cost_usd"] == 0
    assert got["window_input_tokens"] == got["window_output_tokens"] == 0


def test_rerun_gives_identical_feedback_tables(sandbox: SandboxProcess, offline_home: Path, tmp_path: Path) -> None:
    columns = "source, message_id, label, score, provider"
    before = query(offline_home, f"SELECT {columns} FROM feedback.feedback_sentiment ORDER BY 1, 2")
    run_main(sandbox, offline_home)
    assert query(offline_home, f"SELECT {columns} FROM feedback.feedback_sentiment ORDER BY 1, 2") == before


@pytest.mark.slow
def test_llm_sentiment_through_the_openai_endpoint_with_cache_and_cost(
    sandbox: SandboxProcess, tmp_path: Path, world: World
) -> None:
    sandbox.admin("openai", "reset")
    sentiment = SentimentResource(
        provider="openai",
        model="gpt-4o-mini",
        api_key=llm_sandbox.OPENAI_API_KEY,
        base_url=f"{sandbox.url}/openai/v1",
        batch_size=25,
        cache_path=str(tmp_path / "cache.sqlite"),
    )
    first = metadata(run_main(sandbox, tmp_path, sentiment), "feedback_sentiment")
    rows = query(tmp_path, "SELECT provider, model, count(*) FROM feedback.feedback_sentiment GROUP BY 1, 2")
    assert rows == [("openai", "gpt-4o-mini", first["window_rows"])]
    # one request per 25 distinct texts: a text said twice (a call replaying a ticket's words) is sent once
    texts = query(
        tmp_path,
        "SELECT p.normalized_text FROM feedback.feedback_sentiment s "
        "JOIN feedback.feedback_preprocessed p USING (source, message_id)",
    )
    distinct = len({SentimentCache.key(text or "", "openai", "gpt-4o-mini", "") for (text,) in texts})
    assert len(texts) == first["window_rows"] and distinct < len(texts)
    assert first["window_llm_requests"] == -(-distinct // 25) and first["window_cost_usd"] > 0
    assert first["window_input_tokens"] > 0 and first["window_fallback_rows"] == 0
    sent = sandbox.admin("openai", "last_requests", limit=50)
    emails = {p.email for p in world.people}
    assert sent and not [e for e in emails if any(e in str(body) for body in sent)]
    texts_seen = sandbox.admin("openai", "seen")
    second = metadata(run_main(sandbox, tmp_path, sentiment), "feedback_sentiment")
    assert second["window_cache_hits"] == second["window_rows"] == first["window_rows"]
    assert second["window_llm_requests"] == 0
    assert sandbox.admin("openai", "seen") == texts_seen  # nothing was sent twice
