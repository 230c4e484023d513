"""Schedules: each source syncs hourly (cron configurable per source)."""

import os
from datetime import UTC, timedelta

import dagster as dg

from integration_pipelines.defs.ingest.hubspot import hubspot_sync_job
from integration_pipelines.defs.ingest.intercom import intercom_sync_job
from integration_pipelines.defs.ingest.salesforce import salesforce_sync_job
from integration_pipelines.defs.ingest.zendesk import zendesk_sync_job

DEFAULT_SYNC_CRON = "0 * * * *"


def sync_run_requests(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest]:
    """Today's partition every tick; yesterday's as well in the first hour after midnight UTC,
    so the changes of its last hour are not left to a manual backfill."""
    now = context.scheduled_execution_time.astimezone(UTC)
    days = [now.date()]
    if now.hour == 0:
        days.insert(0, now.date() - timedelta(days=1))
    return [dg.RunRequest(run_key=f"{day.isoformat()}@{now:%Y-%m-%dT%H:%M}", partition_key=day.isoformat())
            for day in days]


def build_sync_schedule(name: str, job: object, cron_env: str) -> dg.ScheduleDefinition:
    @dg.schedule(name=name, job=job, cron_schedule=os.environ.get(cron_env, DEFAULT_SYNC_CRON),
                 execution_timezone="UTC", default_status=dg.DefaultScheduleStatus.STOPPED,
                 description=f"Keeps today's partition fresh (cron from {cron_env}, default hourly).")
    def _schedule(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest]:
        return sync_run_requests(context)

    return _schedule


zendesk_sync_schedule = build_sync_schedule("zendesk_sync_schedule", zendesk_sync_job, "ZENDESK_SYNC_CRON")
salesforce_sync_schedule = build_sync_schedule("salesforce_sync_schedule", salesforce_sync_job,
                                               "SALESFORCE_SYNC_CRON")
hubspot_sync_schedule = build_sync_schedule("hubspot_sync_schedule", hubspot_sync_job, "HUBSPOT_SYNC_CRON")
intercom_sync_schedule = build_sync_schedule("intercom_sync_schedule", intercom_sync_job, "INTERCOM_SYNC_CRON")


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(schedules=[zendesk_sync_schedule, salesforce_sync_schedule, hubspot_sync_schedule,
                                          intercom_sync_schedule])
