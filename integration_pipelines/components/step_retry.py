"""A pull that outlasted its retry budget is tried again by Dagster, later, in the same run.

Why: a fault storm (a vendor's bad quarter-hour) can exhaust a run's per-request attempts and retry
budget; the failure is clear, but then nothing resumed the run and a backfill stayed red until an
operator re-ran it. A pull is idempotent (an aborted attempt publishes nothing to the lake), so the
step asks Dagster for a retry after a pause long enough for the storm to pass. Only transient
exhaustion is retried: bad credentials, a spent daily quota or a step past its deadline fail at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from integration_pipelines.lib import settings
from integration_pipelines.lib.http.errors import RetryBudgetExhaustedError

STEP_RETRIES = settings.integer("SYNC_STEP_RETRIES", default=2, minimum=0)
STEP_RETRY_WAIT = settings.number("SYNC_STEP_RETRY_WAIT_SECONDS", default=120.0)


@contextmanager
def retried_when_transient(context: dg.AssetExecutionContext) -> Iterator[None]:
    """Turn a ``RetryBudgetExhaustedError`` into Dagster's ``RetryRequested`` (up to
    ``SYNC_STEP_RETRIES`` times, ``SYNC_STEP_RETRY_WAIT_SECONDS`` apart); other errors pass through."""
    try:
        yield
    except RetryBudgetExhaustedError as exc:
        retries, wait = STEP_RETRIES.value(), STEP_RETRY_WAIT.value()
        if context.retry_number >= retries:
            raise
        context.log.warning(
            f"transient failures outlasted this attempt's retry budget; the step runs again in {wait:.0f}s "
            f"(retry {context.retry_number + 1} of {retries}): {exc}"
        )
        raise dg.RetryRequested(max_retries=retries, seconds_to_wait=wait) from exc
