"""The no-credentials demo: sandbox → main_job (Zendesk, Salesforce, HubSpot, Intercom → lake + DuckDB →
customer_feedback → feedback_preprocessed → feedback_sentiment → export to the local warehouse file
``export.duckdb`` → the dbt models and marts built and tested in that file), then sentiment by source and
language, the last days of ``agg_sentiment_daily`` and the five customers in ``dim_customer`` with the most
negative messages.

Runs land in a local Dagster instance (``{home}/dagster_home``), so ``dagster dev`` pointed at the
same home shows them, with the same lake and DuckDB file.
"""

from __future__ import annotations

import contextlib
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from integration_pipelines.components.vendor_sync import vendor_components
from integration_pipelines.defs.automation.catch_up import CatchUp, baseline, run_requested
from integration_pipelines.lib.dbt.marts import last_days_of_sentiment, most_negative_customers
from integration_pipelines.lib.dbt.project import DBT_GROUPS
from integration_pipelines.lib.partitions import range_tags
from integration_pipelines.local_instance import ensure_local_instance
from integration_pipelines.stale_runs import fail_orphaned_runs
from vendor_sandbox.process import SandboxProcess

SUMMED_METRICS = (
    "window_requests",
    "window_retries",
    "window_http_429s",
    "window_bytes_received",
    "window_rate_limit_wait_s",
)
UNPACED = 1_000_000_000.0


def _client_pacing(rate_limits: str) -> dict[str, str]:
    """Pace the clients like the sandbox: the vendors' published limits, scaled, or not at all."""
    scale = UNPACED if rate_limits == "off" else 1.0 if rate_limits == "vendor" else float(rate_limits)
    return {
        setting.env: str(min(float(setting.default) * scale, UNPACED))
        for component in vendor_components().values()
        for setting in component.rate_limits.values()
    }


def _configure_environment(home: Path, sandbox_url: str, rate_limits: str) -> Path:
    dagster_home = home / "dagster_home"
    ensure_local_instance(dagster_home)  # SQLite storage in this folder, pools and run monitoring
    os.environ.update(
        {
            "INTEGRATION_PIPELINES_ENV": "local",
            "INTEGRATION_PIPELINES_HOME": str(home),
            "INTEGRATION_PIPELINES_SANDBOX_URL": sandbox_url,
            "DAGSTER_HOME": str(dagster_home),
            **_client_pacing(rate_limits),
        }
    )
    return dagster_home


def run_demo(*, days: int, conversations: int, seed: int, home: str | None, rate_limits: str) -> int:
    home_path = Path(home or os.environ.get("INTEGRATION_PIPELINES_HOME", ".local")).resolve()
    today = datetime.now(UTC).date()
    first, last = today - timedelta(days=days), today - timedelta(days=1)
    print(
        f"Starting the sandbox ({conversations} conversations, seed {seed}, rate limits: {rate_limits}) ...", flush=True
    )
    started = time.perf_counter()
    with SandboxProcess(
        ["--conversations", str(conversations), "--seed", str(seed), "--rate-limits", rate_limits]
    ) as sandbox:
        dagster_home = _configure_environment(home_path, sandbox.url, rate_limits)
        import dagster as dg

        from integration_pipelines.definitions import defs

        definitions = defs()
        job = definitions.resolve_job_def("main_job")
        from integration_pipelines.sources import registry

        titles = [source.title for source in registry.sources().values()]
        print(
            f"Syncing {', '.join(titles[:-1])} and {titles[-1]} {first} .. {last} into {home_path}, then "
            "building the feedback tables with sentiment, exporting them and building the dbt marts (progress "
            "below) ...",
            flush=True,
        )
        if rate_limits == "vendor":
            print(
                "Each client paces itself to its vendor's published limits, as in production: Zendesk allows "
                "10 incremental-export requests per minute, so its sync waits for a second window "
                "(--rate-limits off skips the waits).",
                flush=True,
            )
        run_config = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
        with dg.DagsterInstance.get() as instance:
            _fail_orphaned_runs(instance)
            cursor = baseline(definitions, instance)
            # dagster-dbt echoes every line of dbt's log to stdout; it goes to a file so the progress stays readable
            with open(home_path / "dbt.log", "w") as dbt_log, contextlib.redirect_stdout(dbt_log):
                result = job.execute_in_process(
                    instance=instance,
                    tags=range_tags(first.isoformat(), last.isoformat()),
                    run_config=run_config,
                    raise_on_error=False,
                )
            # no daemon here: run what the feedback_automation_sensor would (after a failed source,
            # the other sources' feedback rows and exports)
            caught_up = (
                run_requested(definitions, instance, cursor, run_config=run_config) if not result.success else None
            )
        elapsed = time.perf_counter() - started
        served = sandbox.stats()
    _print_summary(result, elapsed, served, home_path, dagster_home, seed, conversations)
    if caught_up is not None:
        _print_catch_up(caught_up)
    if result.success or (caught_up is not None and caught_up.runs and caught_up.success):
        _print_sentiment(home_path / "warehouse.duckdb")
    if result.success:
        _print_marts(home_path / "export.duckdb")
    return 0 if result.success else 1


def _fail_orphaned_runs(instance) -> None:
    """A demo killed earlier left its run STARTED holding a pool slot (pools take one step): without
    this the new run would wait for that slot forever."""
    orphaned = fail_orphaned_runs(instance)
    if orphaned:
        print(
            f"Marked {len(orphaned)} run(s) whose process is gone (a demo killed earlier?) as failed and "
            f"freed their pool slots: {', '.join(orphaned)}",
            flush=True,
        )


def _print_catch_up(caught_up: CatchUp) -> None:
    """What ran after a failed main_job, as the automation sensor would have run it."""
    if not caught_up.runs:
        print("\nNothing could be built from the sources that did land.")
        return
    print("\nmain_job failed; the automation conditions then ran what the other sources made ready:")
    for partition, keys, run in caught_up.runs:
        status = "succeeded" if run.success else "FAILED"
        print(f"  {partition}: {len(keys)} assets ({', '.join(sorted({k.path[0] for k in keys}))}) {status}")


def _print_sentiment(duckdb_path: Path) -> None:
    """Sentiment of customer messages by source and channel (voice, sms, whatsapp, meeting and payment beside the
    helpdesks' email, web and chat), then by language, as share of each label."""
    import duckdb

    def shares(group: str) -> str:
        return f"""
            SELECT {group}, count(*) AS messages,
                   avg(CASE WHEN label = 'negative' THEN 1.0 ELSE 0 END),
                   avg(CASE WHEN label = 'neutral' THEN 1.0 ELSE 0 END),
                   avg(CASE WHEN label = 'positive' THEN 1.0 ELSE 0 END), avg(score)
            FROM feedback.feedback_sentiment WHERE NOT is_deleted
            GROUP BY ALL ORDER BY ALL"""

    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        by_channel = con.execute(shares("source, coalesce(lower(channel), 'unknown')")).fetchall()
        by_language = con.execute(shares("language")).fetchall()
    header = f"{'messages':>8} {'negative':>9} {'neutral':>8} {'positive':>9} {'mean score':>11}"

    def figures(messages: int, negative: float, neutral: float, positive: float, score: float) -> str:
        return f"{messages:>8} {negative:>9.0%} {neutral:>8.0%} {positive:>9.0%} {score:>11.2f}"

    print("\nSentiment of customer messages by source and channel (feedback.feedback_sentiment):")
    print(f"  {'source':<11} {'channel':<12} {header}")
    for source, channel, *rest in by_channel:
        print(f"  {source:<11} {channel:<12} {figures(*rest)}")
    print("\n... and by language:")
    print(f"  {'language':<24} {header}")
    for language, *rest in by_language:
        print(f"  {language:<24} {figures(*rest)}")


def _print_marts(export_path: Path) -> None:
    """What the dbt marts answer first: sentiment of the last days, and who is most unhappy."""
    prefix = os.environ.get("EXPORT_SCHEMA_PREFIX", "")
    print(f"\nLast days of marts.agg_sentiment_daily ({export_path}), per day and source:")
    print(
        f"  {'day':<10} {'source':<11} {'messages':>8} {'negative':>9} {'neutral':>8} {'positive':>9} "
        f"{'mean score':>11}"
    )
    share = lambda value: "" if value is None else f"{value:.0%}"  # noqa: E731
    for row in last_days_of_sentiment(export_path, prefix=prefix):
        score = "" if row.mean_score is None else f"{row.mean_score:.2f}"
        print(
            f"  {row.day.isoformat():<10} {row.source:<11} {row.messages:>8} {share(row.negative):>9} "
            f"{share(row.neutral):>8} {share(row.positive):>9} {score:>11}"
        )
    print(
        "\nThe five customers with the most negative messages (marts.dim_customer, one row per person across systems):"
    )
    print(f"  {'customer':<40} {'systems':<28} {'messages':>8} {'negative':>8}  last seen")
    for customer in most_negative_customers(export_path, prefix=prefix):
        seen = customer.last_seen_at.strftime("%Y-%m-%d %H:%M") if customer.last_seen_at else ""
        print(
            f"  {customer.label[:40]:<40} {','.join(customer.systems):<28} {customer.messages:>8} "
            f"{customer.negative_messages:>8}  {seen}"
        )


def _print_summary(
    result, elapsed: float, served: dict, home: Path, dagster_home: Path, seed: int, conversations: int
) -> None:
    totals = dict.fromkeys(SUMMED_METRICS, 0.0)
    lines = []
    # each day's materialization carries that day's numbers and the run-wide window_* ones: take the
    # window_* numbers from any one of them
    latest = {
        event.materialization.asset_key: event.materialization for event in result.get_asset_materialization_events()
    }

    def order(key) -> tuple:  # by source (raw before warehouse), the feedback tables last
        return (key.path[0] == "feedback", key.path[-2], key.path[0], key.path[-1])

    exports: dict[str, list[float]] = {}  # target -> [tables, rows exported, seconds]
    models = 0
    for key, mat in sorted(latest.items(), key=lambda item: order(item[0])):
        meta = {k: v.value for k, v in mat.metadata.items()}
        name = "/".join(key.path)
        if key.path[0] in DBT_GROUPS:
            models += 1
        elif key.path[0] == "export":
            totals_for_target = exports.setdefault(meta["target"], [0, 0, 0.0])
            totals_for_target[0] += 1
            totals_for_target[1] += meta["window_rows_exported"]
            totals_for_target[2] += meta["window_seconds"]
        elif key.path[0] == "feedback" and "report" in meta:  # the sentiment report: charts, not a table
            charts = sum(1 for k in meta if k.startswith("chart_"))
            lines.append(
                f"  {name:<38} {meta['rows_considered']:>8} messages charted, {charts} chart(s) for {meta['day']}"
            )
        elif key.path[0] == "feedback":
            lines.append(f"  {name:<38} {meta.get('table_rows', 0):>8} rows in DuckDB  ({meta['table']})")
        elif key.path[0] == "raw":
            for metric in SUMMED_METRICS:
                totals[metric] += float(meta.get(metric, 0))
            lines.append(
                f"  {name:<38} {meta['window_rows']:>8} rows pulled  {meta['window_deletes']:>6} deletes  "
                f"{meta['window_requests']:>5} requests  p95 {meta['window_latency_p95_ms']:.0f} ms"
            )
        else:
            lines.append(
                f"  {name:<38} {meta.get('table_rows', 0):>8} rows in DuckDB "
                f"{meta.get('table_deleted_rows', 0):>6} deleted  ({meta['table']})"
            )
    status = "succeeded" if result.success else "FAILED"
    print(f"\nmain_job {status} in {elapsed:.1f}s (run {result.run_id})")
    print("\n".join(lines))
    served_total = sum(counts.get("requests", 0) for counts in served.values())
    print(
        f"  requests {totals['window_requests']:.0f}, retries {totals['window_retries']:.0f}, "
        f"429s {totals['window_http_429s']:.0f}, {totals['window_bytes_received'] / 1e6:.1f} MB received, "
        f"{totals['window_rate_limit_wait_s']:.0f}s spent pacing to "
        f"the vendors' rate limits; the sandbox served {served_total} requests"
    )
    for target, (tables, rows, seconds) in exports.items():
        where = f" ({home / 'export.duckdb'})" if target == "duckdb" else ""
        print(f"  exported {tables:.0f} tables, {rows:.0f} rows to {target}{where} in {seconds:.1f}s")
    if models:
        tests = [e for e in result.get_asset_check_evaluations() if e.asset_key.path[0] in DBT_GROUPS]
        print(
            f"  dbt built {models} models (staging, intermediate, marts) and ran {len(tests)} tests as asset "
            f"checks: {sum(1 for e in tests if e.passed)} passed, {sum(1 for e in tests if not e.passed)} failed "
            f"(dbt's log: {home / 'dbt.log'})"
        )
    print(f"\nLake: {home / 'lake'}\nDuckDB: {home / 'warehouse.duckdb'}")
    print(
        "\nOpen the Dagster UI on the same data (two terminals):\n"
        f"  .venv/bin/integration-pipelines sandbox --port 8765 --conversations {conversations} --seed {seed}\n"
        f"  DAGSTER_HOME={dagster_home} INTEGRATION_PIPELINES_HOME={home} "
        ".venv/bin/dagster dev -w workspace.yaml\n"
        "then browse http://127.0.0.1:3000"
    )
