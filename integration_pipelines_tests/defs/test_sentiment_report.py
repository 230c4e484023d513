"""feedback/sentiment_report: charts in the lake and in the UI's markdown, numbers that agree with
feedback_sentiment computed independently, and an explicit note when a window has no feedback."""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource
from PIL import Image

from integration_pipelines.defs.text.report import NO_FEEDBACK, sentiment_report
from integration_pipelines.defs.text.report_terms import stop_words, top_phrases
from integration_pipelines.lib.lake import LakeResource
from integration_pipelines.lib.partitions import range_tags
from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions
from vendor_sandbox.process import SandboxProcess

FIRST, LAST = "2026-10-30", "2026-10-31"
WINDOW_START = "2026-10-18"  # LAST and the 13 days before it
CHARTS = ("negative_share", "top_negative_phrases")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def report_metadata(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    """Each materialized day's metadata, by partition key."""
    by_day = {
        e.materialization.partition: {k: v.value for k, v in e.materialization.metadata.items()}
        for e in result.get_asset_materialization_events()
        if e.materialization.asset_key == sentiment_report.key
    }
    assert by_day, "the report did not materialize"
    return by_day


def query(home: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def report_run_by_day(
    sandbox_server: SandboxProcess, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, dict]]:
    home = tmp_path_factory.mktemp("report")
    defs = dg.Definitions.merge(pipeline_definitions(sandbox_server, home), dg.Definitions(assets=[sentiment_report]))
    result = defs.resolve_job_def("main_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), tags=range_tags(FIRST, LAST)
    )
    assert result.success
    return home, report_metadata(result)


@pytest.fixture(scope="module")
def report_run(report_run_by_day: tuple[Path, dict[str, dict]]) -> tuple[Path, dict]:
    """The run's last day: its report covers LAST and the 13 days before it."""
    return report_run_by_day[0], report_run_by_day[1][LAST]


def materialize_report(home: Path, day: str) -> dict:
    result = dg.materialize(
        [sentiment_report],
        partition_key=day,
        instance=dg.DagsterInstance.ephemeral(),
        resources={
            "duckdb": DuckDBResource(database=str(home / "warehouse.duckdb")),
            "lake": LakeResource(url=str(home / "lake")),
        },
    )
    assert result.success
    return report_metadata(result)[day]


def test_charts_are_pngs_in_the_lake_and_embedded_in_the_markdown(report_run: tuple[Path, dict]) -> None:
    home, metadata = report_run
    assert metadata["day"] == LAST and metadata["report_start"] == WINDOW_START and metadata["window_days"] == 2
    for day in (FIRST, LAST):  # a run over two days renders both
        directory = home / "lake" / "reports" / "sentiment" / f"day={day}"
        assert sorted(p.name for p in directory.iterdir()) == sorted(f"{c}.png" for c in CHARTS)  # no .tmp left
    markdown = metadata["report"]
    for chart in CHARTS:
        path = Path(str(metadata[f"chart_{chart}"]))
        assert path == home / "lake" / "reports" / "sentiment" / f"day={LAST}" / f"{chart}.png"
        png = path.read_bytes()
        assert png.startswith(PNG_MAGIC) and len(png) > 10_000
        with Image.open(io.BytesIO(png)) as image:
            image.verify()
            assert image.format == "PNG" and min(image.size) > 300
        assert f"(data:image/png;base64,{base64.b64encode(png).decode('ascii')})" in markdown


def test_each_day_of_a_run_gets_its_own_report(report_run_by_day: tuple[Path, dict[str, dict]]) -> None:
    """A two-day run: each day's partition describes its own 14 days and links its own charts, not the
    last day's (the counts differ because only LAST's window holds the rows updated on LAST)."""
    home, by_day = report_run_by_day
    assert sorted(by_day) == [FIRST, LAST]
    considered = {}
    for day, report_start in ((FIRST, "2026-10-17"), (LAST, WINDOW_START)):
        metadata = by_day[day]
        assert (metadata["day"], metadata["report_start"]) == (day, report_start)
        assert f"## Sentiment {day}" in metadata["report"]
        for chart in CHARTS:
            assert Path(str(metadata[f"chart_{chart}"])).parent.name == f"day={day}"
        considered[day] = query(
            home,
            "SELECT count(*) FROM feedback.feedback_sentiment WHERE NOT is_deleted "
            f"AND updated_at >= TIMESTAMPTZ '{report_start} 00:00:00+00' "
            f"AND updated_at < TIMESTAMPTZ '{day} 00:00:00+00' + INTERVAL 1 DAY",
        )[0][0]
        assert metadata["rows_considered"] == considered[day] > 0
        assert metadata["window_start"] == f"{FIRST}T00:00:00+00:00" and metadata["window_days"] == 2
        assert "seconds" not in metadata and metadata["window_seconds"] > 0  # a two-day run has no per-day time
    assert considered[FIRST] < considered[LAST]


def test_negative_share_per_source_matches_the_table(report_run: tuple[Path, dict]) -> None:
    home, metadata = report_run
    current = (
        f"updated_at >= TIMESTAMPTZ '{WINDOW_START} 00:00:00+00' AND updated_at < TIMESTAMPTZ '2026-11-01 00:00:00+00' "
        "AND NOT is_deleted"
    )
    expected = dict(
        query(
            home,
            f"SELECT source, count(*) FILTER (WHERE label = 'negative') / count(*) FROM feedback.feedback_sentiment "
            f"WHERE {current} GROUP BY source",
        )
    )
    assert len(expected) >= 3
    got = {k.removeprefix("negative_share_"): v for k, v in metadata.items() if k.startswith("negative_share_")}
    assert got == pytest.approx(expected, abs=1e-4)
    total, negative = query(
        home,
        f"SELECT count(*), count(*) FILTER (WHERE label = 'negative') FROM feedback.feedback_sentiment WHERE {current}",
    )[0]
    assert (metadata["rows_considered"], metadata["negative_rows"]) == (total, negative) and total > 0
    assert metadata["negative_share"] == pytest.approx(negative / total, abs=1e-4)


def test_top_phrases_are_counted_in_negative_messages_without_stop_words_or_placeholders(
    report_run: tuple[Path, dict],
) -> None:
    home, metadata = report_run
    phrases = metadata["top_phrases"]
    assert len(phrases) == 15
    for item in phrases:
        words = item["phrase"].split()
        assert not any(w in stop_words() or not w.isalpha() for w in words), item
        if len(words) == 1:  # a word's count is the number of negative messages holding it
            count = query(
                home,
                "SELECT count(*) FROM feedback.feedback_sentiment s JOIN feedback.feedback_preprocessed p "
                "USING (source, message_id) WHERE s.label = 'negative' AND NOT s.is_deleted "
                f"AND s.updated_at >= TIMESTAMPTZ '{WINDOW_START} 00:00:00+00' "
                "AND list_contains(json_extract_string(p.tokens, '$[*]'), ?)",
                [item["phrase"]],
            )[0][0]
            assert item["messages"] == count


def test_a_window_without_feedback_still_materializes_with_a_note(
    report_run: tuple[Path, dict], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(report_run[0], home)
    for day, where in (("2026-10-10", home), ("2026-10-31", tmp_path / "empty")):  # no rows / no tables yet
        where.mkdir(exist_ok=True)
        metadata = materialize_report(where, day)
        assert metadata["note"] == NO_FEEDBACK and metadata["rows_considered"] == 0
        assert NO_FEEDBACK in metadata["report"] and "data:image" not in metadata["report"]
        assert not (where / "lake" / "reports" / "sentiment" / f"day={day}").exists()


def test_top_phrases_skip_placeholders_numbers_stop_words_and_rare_pairs() -> None:
    messages = [
        ["the", "delivery", "is", "late", "[PHONE]", "5260887"],
        ["delivery", "late", "refund", "من", "الطلب", "متأخر"],
        ["الطلب", "متأخر", "[EMAIL]", "😡"],
    ]
    # "delivery is late": the stop word between them means no pair; "الطلب متأخر" twice makes a pair
    assert top_phrases(messages, limit=10) == [
        ("delivery", 2),
        ("late", 2),
        ("الطلب", 2),
        ("الطلب متأخر", 2),
        ("متأخر", 2),
        ("refund", 1),
    ]
    assert top_phrases(messages[1:2], limit=3, min_bigram=1) == [("delivery", 1), ("delivery late", 1), ("late", 1)]


def test_importing_the_report_does_not_load_matplotlib() -> None:
    code = "import sys, integration_pipelines.defs.text.report; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path.cwd())
    assert out.stdout.strip() == "False"


def test_stop_words_match_preprocessed_spellings() -> None:
    assert {"the", "من", "وش", "مش"} <= stop_words()
    assert not any(w.startswith("[") for w in stop_words())
