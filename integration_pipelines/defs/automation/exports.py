"""The nightly export: at 02:00 (EXPORT_TIMEZONE, default UTC) export every partition changed since its
last export, one run per range of consecutive days, each ending with the dbt models and marts (when the
code location has them), so the marts a dashboard reads in the morning include last night's export."""

from datetime import UTC, datetime

import dagster as dg

from integration_pipelines.defs.exports.assets import export_job
from integration_pipelines.defs.exports.changes import (
    export_run_requests,
    latest_materializations,
    stale_partitions,
)
from integration_pipelines.defs.exports.tables import export_tables
from integration_pipelines.defs.resources import export_targets
from integration_pipelines.deployment_settings import EXPORT_CRON, EXPORT_TIMEZONE
from integration_pipelines.lib.dbt.project import DBT_GROUPS


def build_nightly_export_schedule(targets: tuple[str, ...]) -> dg.ScheduleDefinition:
    pairs = [(table.key(target), table.upstream) for target in targets for table in export_tables()]

    @dg.schedule(
        name="nightly_export_schedule",
        job=export_job,
        cron_schedule=EXPORT_CRON.value(),
        execution_timezone=EXPORT_TIMEZONE.value(),
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description="Exports every partition whose table changed since it was last exported "
        "(cron EXPORT_CRON, default 02:00, in EXPORT_TIMEZONE, default UTC).",
    )
    def nightly_export_schedule(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest] | dg.SkipReason:
        updated = {
            upstream: latest_materializations(context.instance, upstream)  # once per table, not per target
            for upstream in {upstream for _, upstream in pairs}
        }
        stale = {
            key: stale_partitions(latest_materializations(context.instance, key), updated[upstream])
            for key, upstream in pairs
        }
        stale = {key: partitions for key, partitions in stale.items() if partitions}
        if not stale:
            return dg.SkipReason("no partition changed since its last export")
        stamp = (context.scheduled_execution_time or datetime.now(UTC)).isoformat(timespec="minutes")
        return with_dbt_models(export_run_requests(stale, stamp), _repository(context))

    return nightly_export_schedule


def _repository(context: dg.ScheduleEvaluationContext) -> dg.RepositoryDefinition | None:
    """The code location's definitions; a context built by hand (tests) may have none."""
    try:
        return context.repository_def
    except dg.DagsterInvariantViolationError:
        return None


def with_dbt_models(requests: list[dg.RunRequest], repository: dg.RepositoryDefinition | None) -> list[dg.RunRequest]:
    """Each export run also selects the dbt models, which dbt builds after the exports they read."""
    if repository is None:
        return requests
    models = sorted(
        dg.AssetSelection.groups(*DBT_GROUPS).resolve(repository.asset_graph), key=lambda k: k.to_user_string()
    )
    if not models:
        return requests
    return [
        dg.RunRequest(
            run_key=r.run_key,
            asset_selection=[*(r.asset_selection or []), *models],
            partition_key=r.partition_key,
            tags=r.tags,
        )
        for r in requests
    ]


@dg.definitions
def defs() -> dg.Definitions:
    targets = export_targets()
    return dg.Definitions(schedules=[build_nightly_export_schedule(targets)] if targets else [])
