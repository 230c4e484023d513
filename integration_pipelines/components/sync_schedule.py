"""A vendor's sync schedule: today's partition every tick (cron per vendor, hourly by default)."""

from datetime import UTC, timedelta

import dagster as dg

DEFAULT_SYNC_CRON = "0 * * * *"


def sync_run_requests(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest]:
    """Today's partition every tick; yesterday's as well in the first hour after midnight UTC,
    so the changes of its last hour are not left to a manual backfill."""
    now = context.scheduled_execution_time.astimezone(UTC)
    days = [now.date()]
    if now.hour == 0:
        days.insert(0, now.date() - timedelta(days=1))
    return [
        dg.RunRequest(run_key=f"{day.isoformat()}@{now:%Y-%m-%dT%H:%M}", partition_key=day.isoformat()) for day in days
    ]


def build_sync_schedule(name: str, job: dg.JobDefinition | object, cron: str, cron_env: str) -> dg.ScheduleDefinition:
    @dg.schedule(
        name=name,
        job=job,
        cron_schedule=cron,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description=f"Keeps today's partition fresh (cron from {cron_env}, default hourly).",
    )
    def _schedule(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest]:
        return sync_run_requests(context)

    return _schedule
