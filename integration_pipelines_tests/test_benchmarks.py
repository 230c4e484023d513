"""The benchmarks run from one command and print ratios against their baselines (sizes kept tiny
here: this checks that they work, not how fast anything is)."""

from __future__ import annotations

import re
import subprocess
import sys


def run(*args: str) -> str:
    proc = subprocess.run([sys.executable, "-W", "ignore", "-m", *args], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_export_benchmark_prints_each_engine_against_its_bulk_load() -> None:
    out = run("benchmarks.exports", "--rows", "2000", "--repeat", "1")
    for engine in ("duckdb", "snowflake"):
        section = out.split(f"\n{engine}", 1)[1]
        ratios = re.findall(r"^  (.+?)\s+[\d,]+ rows/s\s+([\d.]+)x baseline$", section, re.M)[:3]
        assert [name.strip() for name, _ in ratios][1:] == ["exporter, first load", "exporter, same rows again"]
        assert float(ratios[0][1]) == 1.0 and all(float(r) > 0 for _, r in ratios)


def test_preprocessing_benchmark_runs() -> None:
    out = run("benchmarks.text_preprocessing", "--tickets", "200", "--docs", "2000")
    assert "docs/s" in out


def test_webhook_benchmark_prints_the_receiver_against_a_bare_server() -> None:
    out = run("benchmarks.webhooks", "--events", "200", "--concurrency", "4")
    ratios = re.findall(r"([\d.]+)x baseline$", out, re.M)
    assert len(ratios) == 2 and float(ratios[0]) == 1.0 and float(ratios[1]) > 0
    assert re.search(r"acknowledged 200, stored 200, lost 0, errors 0", out), out


def test_lake_write_benchmark_compares_buffered_row_groups_with_one_per_page() -> None:
    out = run("benchmarks.lake_write", "--rows", "3000", "--repeat", "1")
    groups = re.search(r"^baseline \(1 row group/page\)\s+[\d,]+\s+[\d,]+\s+[\d,]+\s+([\d,]+)", out, re.M)
    new_groups = re.search(r"^new \(buffered row groups\)\s+[\d,]+\s+[\d,]+\s+[\d,]+\s+([\d,]+)", out, re.M)
    assert groups and new_groups, out
    assert int(new_groups.group(1)) == 31 < int(groups.group(1).replace(",", ""))  # one group per day file
    assert "same rows in the same order, day by day: yes" in out


def test_warehouse_load_benchmark_checks_the_window_load_against_the_day_by_day_one() -> None:
    out = run("benchmarks.warehouse_load", "--tickets", "2000")
    ratios = re.findall(r"([\d.]+)x rows/s", out)
    assert len(ratios) == 3 and float(ratios[0]) == 1.0 and all(float(r) > 0 for r in ratios)
    assert "identical tables: True, identical per-day counts: True" in out


def test_record_decode_benchmark_checks_the_columnar_conversion_against_the_previous_one() -> None:
    out = run("benchmarks.record_decode", "--tickets", "2000", "--leads", "3000", "--repeat", "1")
    ratios = re.findall(r"([\d.]+)x baseline$", out, re.M)
    assert len(ratios) == 6 and float(ratios[0]) == float(ratios[3]) == 1.0 and all(float(r) > 0 for r in ratios)
    assert out.count("batches identical to the baseline's (values, schema, _raw bytes): yes") == 2


def test_concurrency_benchmark_compares_one_pull_at_a_time_with_the_default_degree() -> None:
    out = run("benchmarks.concurrency", "--vendors", "salesforce", "--days", "1", "--conversations", "100")
    ratios = re.findall(r"0 x 429\s+([\d.]+)x baseline$", out, re.M)
    assert len(ratios) == 2 and float(ratios[0]) == 1.0 and float(ratios[1]) > 0, out
    assert "salesforce same lake rows per object and day: yes" in out


def test_step_memory_benchmark_measures_each_step_against_the_import_baseline() -> None:
    """Tried: the three steps at 1,000 bulk tickets over one day, each in its own interpreter (raw, the
    warehouse load, the same load again). Must hold: every ticket the sandbox served reaches the lake and
    the warehouse both times, each step took time, and each step's peak is measured from the same
    definitions-loaded RSS as the baseline (so a step that did not run, or a broken reset of the peak,
    shows here)."""
    out = run("benchmarks.step_memory", "--tickets", "1000", "--days", "1")
    baseline = re.search(r"^import baseline .*: RSS (\d+) MB", out, re.M)
    step = r"^\s+1,000  (raw step|warehouse step again|warehouse step) .*?"
    line = step + r"\s([\d,]+)\s+([\d.]+)\s+(\d+) MB\s+(\d+) MB\s+([+-]\d+) MB"
    rows = re.findall(line, out, re.M)
    steps = [(step, n) for step, n, *_ in rows]
    assert baseline and steps == [
        ("raw step", "1,000"),
        ("warehouse step", "1,000"),
        ("warehouse step again", "1,000"),
    ], out
    base = int(baseline.group(1))
    for _, _, seconds, before, peak, above in rows:
        assert float(seconds) > 0, out
        assert int(before) >= base * 0.9 and int(peak) >= int(before), out
        assert abs(int(above) - (int(peak) - base)) <= 1, out


def test_main_job_benchmark_runs_a_seven_day_window_in_one_run_of_the_default_executor(tmp_path) -> None:
    """Tried: the benchmark's 7-day window alone (one run over 7 partitions, as a single-run backfill
    launches it) under the product's default executor, on a world of 30 conversations. Must hold: the run
    succeeds in process with its steps, lands vendor rows and customer messages, its times nest (the
    steps' work within the run, the run within the command) and its wall time is the main_job figure
    recorded for the gathering table, with no baseline since none ran."""
    import json
    import os

    figures = tmp_path / "figures.jsonl"
    command = [sys.executable, "-W", "ignore", "-m", "benchmarks.main_job", "--conversations", "30"]
    command += ["--days", "7", "--executors", "default"]
    env = {**os.environ, "BENCHMARK_FIGURES": str(figures)}
    proc = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = r"^  default \((\w+)\)\s+(\w+)\s+(\d+)\s+([\d.]+)s\s+([\d.]+)s\s+([\d.]+)s\s+([\d,]+)\s+([\d,]+)\s+-$"
    found = re.findall(line, proc.stdout, re.M)
    assert len(found) == 1, proc.stdout
    executor, status, steps, wall, run_time, work, rows, messages = found[0]
    assert (executor, status) == ("in_process", "SUCCESS") and int(steps) > 1, proc.stdout
    assert int(rows.replace(",", "")) > 0 and int(messages.replace(",", "")) > 0, proc.stdout
    assert 0 < float(work) <= float(run_time) <= float(wall), proc.stdout
    recorded = [json.loads(row) for row in figures.read_text().splitlines()]
    assert [(f["group"], f["name"], f["baseline"]) for f in recorded] == [
        ("main_job", "main_job 7 days: wall time, in_process", None)
    ]
    assert abs(recorded[0]["value"] - float(wall)) < 0.1
