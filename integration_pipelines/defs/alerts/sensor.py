"""``run_failure_alert_sensor``: on every failed run of this code location, one message to each
configured channel (Slack, email, SMS) naming the job, partitions, failing steps with their redacted
errors, and the run's link.

The result is logged on the sensor's tick (sent and failed channels) rather than returned: a run-status
sensor that returns a value stops after that run, so a burst of failures (a backfill) would be alerted
one per tick; returning nothing lets one tick alert them all.
"""

from __future__ import annotations

import dagster as dg

from integration_pipelines.defs.alerts.failed_run import failed_run
from integration_pipelines.defs.alerts.resource import AlertsResource
from integration_pipelines.defs.alerts.secrets import configured_secrets
from integration_pipelines.defs.alerts.settings import alerts_resource_from_env
from integration_pipelines.lib.alerts.delivery import deliver
from integration_pipelines.lib.alerts.message import build_message
from integration_pipelines.lib.alerts.secrets import alert_redactor


@dg.run_failure_sensor(
    name="run_failure_alert_sensor",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Alerts Slack, email and SMS (whichever are configured) when a run of this code location "
    "fails: job, partitions, failing steps with their errors (secrets masked), link to the run.",
)
def run_failure_alert_sensor(context: dg.RunFailureSensorContext, alerts: AlertsResource) -> None:
    channels = alerts.channels()
    run_id = context.dagster_run.run_id
    if not channels:
        context.log.info(f"run {run_id} failed; no alert channel is configured")
        return
    redactor = alert_redactor([*configured_secrets(context.repository_def), *alerts.own_secrets()])
    message = build_message(failed_run(context, alerts.webserver_url), redactor)
    delivery = deliver(message, channels, redactor, context.log)
    context.log.info(f"run {run_id} of {context.dagster_run.job_name}: {delivery.summary()}")


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(sensors=[run_failure_alert_sensor], resources={"alerts": alerts_resource_from_env()})
