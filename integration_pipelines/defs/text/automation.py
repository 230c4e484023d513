"""The feedback tables follow the syncs by themselves: a sync (scheduled, backfilled or started by a
webhook) updates a warehouse table, and the feedback partitions of those days rebuild, in order.

Dagster's ``eager`` condition would not do: it waits while *any* upstream partition is missing (a
day one vendor has not synced yet would block the others) and only looks at the latest day (a
webhook about yesterday would not flow). This condition runs a day of the last week as soon as one
of its upstream tables changed, once nothing upstream is still running.

The same sensor carries the exports' ``AFTER_FAILED_RUN``: an export partition whose last run failed
(typically a ``main_job`` that never reached it) is exported again once its own table has landed,
in the same run as the feedback tables it reads; the dbt models a failed run skipped follow the
same way. The nightly schedule stays the exports' regular cadence.
"""

from datetime import timedelta

import dagster as dg

from integration_pipelines.lib.dbt.project import DBT_GROUPS

_RECENT_AND_IDLE = (
    dg.AutomationCondition.in_latest_time_window(lookback_delta=timedelta(days=7))
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
)

FOLLOWS_SYNCS = (_RECENT_AND_IDLE & dg.AutomationCondition.any_deps_updated().since_last_handled()).with_label(
    "after an upstream sync"
)

AFTER_FAILED_RUN = (
    _RECENT_AND_IDLE
    & dg.AutomationCondition.execution_failed()
    & dg.AutomationCondition.any_deps_updated().since_last_handled()
).with_label("its last run failed and its table has landed since")

feedback_automation_sensor = dg.AutomationConditionSensorDefinition(
    "feedback_automation_sensor",
    target=dg.AssetSelection.groups("feedback", "exports", *DBT_GROUPS),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Rebuilds the feedback tables (and their sentiment) for the days a sync changed, and "
    "exports the tables (and builds the dbt models) a failed run could not reach once they have landed.",
)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(sensors=[feedback_automation_sensor])
