"""Local runs whose process was killed are marked failed within a minute, and their pool slots freed.

Why a sensor: with the default run launcher, Dagster's run monitoring cannot see that a run's
process died (only the ``dagster/max_runtime`` tag ends such a run, hours later), and until then the
run holds its pool slots, so every later run of that vendor or DuckDB file waits. On one machine the
pid Dagster records for the run answers the question at once. Defined only in the local environment:
a deployment with several hosts cannot judge another host's pids, and relies on run monitoring.
"""

import dagster as dg

from integration_pipelines.lib.environment import get_environment
from integration_pipelines.stale_runs import fail_orphaned_runs


@dg.sensor(
    name="orphaned_run_sensor",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks local runs whose process is gone (killed, crashed) as failed and frees their pool "
    "slots, so the next run of the same vendor or DuckDB file does not wait for them.",
)
def orphaned_run_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    if not isinstance(context.instance.run_launcher, dg.DefaultRunLauncher):
        return dg.SkipReason("runs are launched elsewhere: run monitoring judges them")
    failed = fail_orphaned_runs(context.instance)
    if failed:
        context.log.warning(f"marked {len(failed)} run(s) whose process is gone as failed: {', '.join(failed)}")
        return dg.SkipReason(f"marked {len(failed)} orphaned run(s) failed and freed their pool slots")
    return dg.SkipReason("no orphaned runs")


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(sensors=[orphaned_run_sensor] if get_environment() == "local" else [])
