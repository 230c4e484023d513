"""Reads a failed run off the instance: its partitions from the run's tags, its failing steps and their
errors from the event log (STEP_FAILURE events)."""

from __future__ import annotations

import dagster as dg
from dagster_shared.error import SerializableErrorInfo

from integration_pipelines.lib.alerts.message import FailedRun, StepError
from integration_pipelines.lib.partitions import RANGE_END_TAG, RANGE_START_TAG

PARTITION_TAG = "dagster/partition"
# Dagster wraps a step's exception in this; the user's own error is its cause
STEP_WRAPPER = "DagsterExecutionStepExecutionError"


def error_text(error: SerializableErrorInfo | None) -> str:
    """The messages of an error and what it was raised from, without stack traces (which would mostly
    show our code, and leak more than they help in a chat message)."""
    messages: list[str] = []
    while error is not None:
        if not (error.cls_name == STEP_WRAPPER and error.cause is not None):
            messages.append(error.message.strip())
        error = error.cause or error.context
    return "\nCaused by: ".join(m for m in messages if m)


def run_url(webserver_url: str, run_id: str) -> str:
    return f"{webserver_url.rstrip('/')}/runs/{run_id}"


def failed_run(context: dg.RunFailureSensorContext, webserver_url: str) -> FailedRun:
    run = context.dagster_run
    tags = run.tags
    start, end = tags.get(RANGE_START_TAG), tags.get(RANGE_END_TAG)
    steps = tuple(
        StepError(event.step_key or "?", error_text(event.step_failure_data.error))
        for event in context.get_step_failure_events()
    )
    run_error = None
    if not steps:  # the run died outside any step (launch failure, killed worker, ...)
        data = context.failure_event.event_specific_data
        run_error = error_text(getattr(data, "error", None)) or context.failure_event.message
    return FailedRun(
        job_name=run.job_name,
        run_id=run.run_id,
        run_url=run_url(webserver_url, run.run_id),
        partition=tags.get(PARTITION_TAG),
        partition_range=(start, end) if start and end else None,
        steps=steps,
        run_error=run_error,
    )
