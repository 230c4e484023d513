"""A vendor's sync schedule: today's partition every tick (cron per vendor, hourly by default), and the
limit on how long any run of a sync job may take."""

from datetime import UTC, timedelta

import dagster as dg

from integration_pipelines.lib import settings

DEFAULT_SYNC_CRON = "0 * * * *"
MAX_RUNTIME_TAG = "dagster/max_runtime"
RUN_MAX_RUNTIME = settings.integer("RUN_MAX_RUNTIME_SECONDS", default=6 * 3600, minimum=1)


def run_limit_tags() -> dict[str, str]:
    """Job tags that bound a run's wall time (``RUN_MAX_RUNTIME_SECONDS``, default 6 h, above the connectors'
    4 h step deadline). Why: with Dagster's default run launcher the run monitoring daemon cannot see that a
    run's process died, so this limit is what turns a killed or hung run from STARTED into FAILURE, after
    which the daemon frees its pool slots (``free_slots_after_run_end_seconds``)."""
    return {MAX_RUNTIME_TAG: str(RUN_MAX_RUNTIME.value())}


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
