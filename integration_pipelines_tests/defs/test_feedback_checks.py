"""The feedback checks pass on the pipeline's own tables and fail, with counts and row ids only, when a
row breaks the sentiment contract or carries PII past redaction; a leak stops sentiment in its run."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource
from hypothesis import given, settings
from hypothesis import strategies as st

from integration_pipelines.defs.text.checks import feedback_preprocessed_no_pii_leak, feedback_sentiment_label_domain
from integration_pipelines.defs.text.leaks import luhn, mod97, pii_kinds
from integration_pipelines.defs.text.preprocessing import feedback_preprocessed
from integration_pipelines.defs.text.sentiment import feedback_sentiment
from integration_pipelines.lib.partitions import range_tags
from integration_pipelines.lib.text.preprocess import preprocess
from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions
from vendor_sandbox.process import SandboxProcess

FIRST, LAST = "2026-10-30", "2026-10-31"
CHECKS = [feedback_sentiment_label_domain, feedback_preprocessed_no_pii_leak]
LEAKS = {
    "email": "layla.haddad@example.com",
    "phone": "+966 50 123 4567",
    "card": "4111 1111 1111 1111",
    "iban": "SA03 8000 0000 6080 1016 7519",
}


# ---------------------------------------------------------------- the detector, on its own


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("اكتب لي على layla.haddad@example.com لو سمحت", {"email"}),
        ("call me on +966 50 123 4567 tomorrow", {"phone"}),
        ("رقمي 0501234567", {"phone"}),
        ("رقمي ٠٥٠١٢٣٤٥٦٧", {"phone"}),
        ("00971 50 123 4567", {"phone"}),
        ("966501234567", {"phone"}),
        ("my card 4111-1111-1111-1111 was charged twice", {"card"}),
        ("5500005555555559", {"card"}),
        ("IBAN SA03 8000 0000 6080 1016 7519 please refund", {"iban"}),
        ("gb82west12345698765432", {"iban"}),
        ("[EMAIL] [PHONE] [CARD] [IBAN]", set()),
        ("order #45678 and ORD-0501234567", set()),
        ("4111 1111 1111 1112", set()),  # Luhn fails
        ("SA03 8000 0000 6080 1016 7518", set()),  # mod-97 fails
        # Arabizi whose letters and digits pass mod-97 by chance; "TA" issues no IBAN
        ("sorry gedan 3al ta25eer akkedlena el 3enwan", set()),
        ("delivered 05/11/2026 at 10:30, total 1,250.00 SAR, app v2.3.1", set()),
        ("رقم الطلب 5260887", set()),
        ("", set()),
    ],
)
def test_detector_finds_pii_and_leaves_ids_dates_and_amounts(text: str, kinds: set[str]) -> None:
    assert pii_kinds(text) == kinds


def test_checksums() -> None:
    assert luhn("4111111111111111") and not luhn("4111111111111112")
    assert mod97("SA0380000000608010167519") and not mod97("SA0380000000608010167518")


def _card(body: list[int]) -> str:
    digits = "".join(map(str, body))
    check = next(d for d in "0123456789" if luhn(digits + d))
    number = digits + check
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def _iban(country: str, bban: str) -> str:
    check = 98 - int("".join(str(int(c, 36)) for c in f"{bban}{country}00")) % 97
    compact = f"{country}{check:02d}{bban}"
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


CARDS = st.builds(
    lambda first, rest: _card([first, *rest]),
    st.sampled_from([3, 4, 5, 6]),
    st.lists(st.integers(0, 9), min_size=14, max_size=14),
)
IBANS = st.builds(lambda bban: _iban("SA", bban), st.text("0123456789", min_size=20, max_size=20))
FRAMES = st.sampled_from(["بطاقتي {} انخصم مرتين", "please refund to {} asap", "{}", "الآيبان: {} شكرا"])


@settings(max_examples=60, deadline=None)
@given(FRAMES, st.one_of(CARDS, IBANS))
def test_detector_sees_what_the_redactor_must_remove(frame: str, secret: str) -> None:
    """Both directions at once: the detector finds the value in raw text, and not after preprocessing."""
    raw = frame.format(secret)
    assert pii_kinds(raw) & {"card", "iban"}
    assert pii_kinds(preprocess(raw).normalized) == set()


# ---------------------------------------------------------------- the checks, through Dagster


def checked_definitions(sandbox: SandboxProcess, home: Path) -> dg.Definitions:
    return dg.Definitions.merge(pipeline_definitions(sandbox, home), dg.Definitions(asset_checks=CHECKS))


def evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


@pytest.fixture(scope="module")
def pipeline_run(
    sandbox_server: SandboxProcess, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dg.ExecuteInProcessResult]:
    home = tmp_path_factory.mktemp("checked")
    result = (
        checked_definitions(sandbox_server, home)
        .resolve_job_def("main_job")
        .execute_in_process(instance=dg.DagsterInstance.ephemeral(), tags=range_tags(FIRST, LAST))
    )
    assert result.success
    return home, result


def run_checks_on(database: Path) -> dict[str, dg.AssetCheckEvaluation]:
    """Only the two checks, unpartitioned (so over the whole table), against ``database``."""
    defs = dg.Definitions(
        assets=[dg.AssetSpec(feedback_sentiment.key), dg.AssetSpec(feedback_preprocessed.key)],
        asset_checks=CHECKS,
        jobs=[dg.define_asset_job("feedback_checks", selection=dg.AssetSelection.checks(*CHECKS))],
        resources={"duckdb": DuckDBResource(database=str(database))},
    )
    result = defs.resolve_job_def("feedback_checks").execute_in_process(raise_on_error=False)
    return evaluations(result)


def copy_rows(database: Path, table: str, replacements: list[str]) -> None:
    """Insert copies of one real row of ``feedback.{table}`` with columns replaced (``expr AS column``)."""
    with duckdb.connect(str(database)) as con:
        for i, replace in enumerate(replacements):
            con.execute(
                f"INSERT INTO feedback.{table} SELECT * REPLACE ('leak-{i}' AS message_id, {replace}) "
                f"FROM feedback.{table} ORDER BY source, message_id LIMIT 1"
            )


def test_both_checks_pass_on_the_pipelines_own_tables(pipeline_run: tuple[Path, dg.ExecuteInProcessResult]) -> None:
    found = evaluations(pipeline_run[1])
    for name in ("label_domain", "no_pii_leak"):
        assert found[name].passed, found[name].metadata
        metadata = {k: v.value for k, v in found[name].metadata.items()}
        assert metadata["rows"] > 0 and metadata["scope"] == "run window"
        assert metadata["window_start"].startswith(FIRST)
    assert found["no_pii_leak"].metadata["rows_with_pii"].value == 0


def test_label_domain_fails_on_rows_outside_the_contract(
    pipeline_run: tuple[Path, dg.ExecuteInProcessResult], tmp_path: Path
) -> None:
    database = tmp_path / "warehouse.duckdb"
    shutil.copy(pipeline_run[0] / "warehouse.duckdb", database)
    assert run_checks_on(database)["label_domain"].passed
    copy_rows(
        database,
        "feedback_sentiment",
        ["'mixed' AS label", "3.5 AS score", "NULL AS confidence", "'nan'::DOUBLE AS score"],
    )
    result = run_checks_on(database)["label_domain"]
    metadata = {k: v.value for k, v in result.metadata.items()}
    assert not result.passed
    assert (metadata["bad_label"], metadata["bad_score"], metadata["bad_confidence"]) == (1, 2, 1)
    assert metadata["no_provenance"] == 0 and metadata["scope"] == "whole table"
    assert {i.split(":", 1)[1] for i in metadata["row_ids"].split(", ")} == {f"leak-{i}" for i in range(4)}


def test_pii_leak_fails_with_counts_kinds_and_row_ids_but_not_the_values(
    pipeline_run: tuple[Path, dg.ExecuteInProcessResult], tmp_path: Path
) -> None:
    database = tmp_path / "warehouse.duckdb"
    shutil.copy(pipeline_run[0] / "warehouse.duckdb", database)
    copy_rows(
        database,
        "feedback_preprocessed",
        [f"'المشكلة ما انحلت، تواصلوا معي {value}' AS normalized_text" for value in LEAKS.values()],
    )
    result = run_checks_on(database)["no_pii_leak"]
    metadata = {k: v.value for k, v in result.metadata.items()}
    assert not result.passed
    assert metadata["rows_with_pii"] == 4 and metadata["kinds"] == "email, phone, card, iban"
    assert all(metadata[f"rows_with_{kind}"] == 1 for kind in LEAKS)
    assert {i.split(":", 1)[1] for i in metadata["row_ids"].split(", ")} == {f"leak-{i}" for i in range(4)}
    shown = str(metadata) + (result.description or "")
    for value in LEAKS.values():
        assert value not in shown and value.replace(" ", "") not in shown


def test_a_leak_in_the_runs_days_blocks_sentiment_and_one_outside_them_does_not(
    pipeline_run: tuple[Path, dg.ExecuteInProcessResult], sandbox: SandboxProcess, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(pipeline_run[0], home)
    defs = dg.Definitions.merge(
        checked_definitions(sandbox, home),
        dg.Definitions(
            jobs=[dg.define_asset_job("rescore", selection=[feedback_preprocessed.key, feedback_sentiment.key])]
        ),
    )

    def rescore() -> dg.ExecuteInProcessResult:
        return defs.resolve_job_def("rescore").execute_in_process(
            instance=dg.DagsterInstance.ephemeral(), tags=range_tags(FIRST, LAST), raise_on_error=False
        )

    outside = f"'{LEAKS['card']}' AS normalized_text, TIMESTAMPTZ '2026-10-20 12:00:00+00' AS updated_at"
    copy_rows(home / "warehouse.duckdb", "feedback_preprocessed", [outside])
    clean = rescore()
    assert clean.success and evaluations(clean)["no_pii_leak"].passed

    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute(
            "INSERT INTO feedback.feedback_preprocessed SELECT * REPLACE ('leak-inside' AS message_id, "
            f"'{LEAKS['email']}' AS normalized_text) FROM feedback.feedback_preprocessed "
            "WHERE updated_at >= TIMESTAMPTZ '2026-10-30 00:00:00+00' ORDER BY source, message_id LIMIT 1"
        )
    leaked = rescore()
    check = evaluations(leaked)["no_pii_leak"]
    assert not check.passed and check.metadata["rows_with_email"].value == 1
    materialized = {e.materialization.asset_key for e in leaked.get_asset_materialization_events()}
    assert feedback_preprocessed.key in materialized and feedback_sentiment.key not in materialized
