"""The feedback tables follow the syncs by themselves: a sync (scheduled, backfilled or started by a
webhook) updates a warehouse table, and the feedback partitions of those days rebuild, in order.

Dagster's ``eager`` condition would not do: it waits while *any* upstream partition is missing (a
day one vendor has not synced yet would block the others) and only looks at the latest day (a
webhook about yesterday would not flow). This condition runs a day of the last week as soon as one
of its upstream tables changed, once nothing upstream is still running.
"""

from datetime import timedelta

import dagster as dg

FOLLOWS_SYNCS = (
    dg.AutomationCondition.in_latest_time_window(lookback_delta=timedelta(days=7))
    & dg.AutomationCondition.any_deps_updated().since_last_handled()
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("after an upstream sync")

feedback_automation_sensor = dg.AutomationConditionSensorDefinition(
    "feedback_automation_sensor",
    target=dg.AssetSelection.groups("feedback"),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Rebuilds the feedback tables (and their sentiment) for the days a sync changed.",
)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(sensors=[feedback_automation_sensor])
