"""Is each source still syncing? ``synced_recently`` on every raw asset, and the schedule that runs it.

A sync that silently stopped (schedule turned off, daemon down, credentials revoked, every run
failing) leaves the tables looking fine while they age. The check compares the raw asset's latest
successful materialization with the vendor's freshness window (``{VENDOR}_FRESHNESS_FAIL_MINUTES``,
three hourly syncs by default); ``{vendor}_freshness_schedule`` runs it every 15 minutes, so a
failure shows in the UI and reaches the run-failure alerts without anyone opening the asset.
The same window is attached to the assets as Dagster's ``FreshnessPolicy`` so the UI's freshness
status agrees when the instance's freshness daemon is enabled.
"""

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import dagster as dg

CHECK_NAME = "synced_recently"
CHECK_CRON = "*/15 * * * *"


def freshness_policy(fail_after: timedelta) -> dg.FreshnessPolicy:
    """Warn at half the window, fail past it (Dagster needs at least a minute for each)."""
    warn = fail_after / 2
    return dg.FreshnessPolicy.time_window(
        fail_window=fail_after, warn_window=warn if warn >= timedelta(minutes=1) else None
    )


def freshness_result(
    key: dg.AssetKey, last_synced: datetime | None, now: datetime, fail_after: timedelta
) -> dg.AssetCheckResult:
    """Pass when the latest materialization is within ``fail_after`` of ``now``; never synced fails."""
    metadata: dict[str, object] = {"fail_after_minutes": round(fail_after.total_seconds() / 60, 1)}
    if last_synced is None:
        return dg.AssetCheckResult(
            asset_key=key,
            check_name=CHECK_NAME,
            passed=False,
            metadata=metadata,
            description="never synced: start the vendor's sync schedule or launch a backfill",
        )
    age = now - last_synced
    metadata.update(last_synced=last_synced.isoformat(), minutes_since_sync=round(age.total_seconds() / 60, 1))
    passed = age <= fail_after
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=CHECK_NAME,
        passed=passed,
        metadata=metadata,
        description=None
        if passed
        else f"last synced {age.total_seconds() / 3600:.1f} h ago, over the {fail_after} window: "
        "look at the vendor's last runs and its sync schedule",
    )


def build_freshness_checks(
    system: str, raw_keys: Sequence[dg.AssetKey], fail_after: timedelta
) -> dg.AssetChecksDefinition:
    @dg.multi_asset_check(
        name=f"raw_{system}_freshness",
        specs=[
            dg.AssetCheckSpec(
                CHECK_NAME,
                asset=key,
                description=f"Synced successfully within the last {fail_after} (any partition).",
            )
            for key in raw_keys
        ],
        can_subset=True,
    )
    def freshness_checks(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
        now = datetime.now(UTC)
        for key in raw_keys:
            if dg.AssetCheckKey(key, CHECK_NAME) in context.selected_asset_check_keys:
                event = context.instance.get_latest_materialization_event(key)
                last = None if event is None else datetime.fromtimestamp(event.timestamp, UTC)
                yield freshness_result(key, last, now, fail_after)

    return freshness_checks


def build_freshness_schedule(system: str, checks: dg.AssetChecksDefinition) -> tuple[object, dg.ScheduleDefinition]:
    """A checks-only job (no step touches a vendor or the warehouse) and its 15-minute schedule."""
    job = dg.define_asset_job(
        f"{system}_freshness_job",
        selection=dg.AssetSelection.checks(checks),
        description=f"Runs the {system} raw assets' synced_recently checks (reads the instance only).",
    )
    schedule = dg.ScheduleDefinition(
        name=f"{system}_freshness_schedule",
        job=job,
        cron_schedule=CHECK_CRON,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description="Every 15 minutes: fails the check when the vendor has not synced within its window.",
    )
    return job, schedule
