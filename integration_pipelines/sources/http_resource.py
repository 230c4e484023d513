"""The settings every connector resource shares: how long a request may take and how it is retried.

One base class, so the eight vendors describe (and validate) their timeouts, deadlines and retries the
same way, and a fix here reaches all of them; a vendor redeclares a field only to change its default.
"""

from __future__ import annotations

from typing import Any

import dagster as dg
from pydantic import Field

from integration_pipelines.lib.http.deadline import REQUEST_DEADLINE_SECONDS, STEP_DEADLINE_SECONDS
from integration_pipelines.lib.http.retry import RetryPolicy


class HttpConnectorResource(dg.ConfigurableResource):
    """A vendor's API over ``lib/http``: timeouts, deadlines and the retry policy of its client."""

    timeout_seconds: float = Field(default=30.0, gt=0, description="Limit on each connect and each read.")
    request_deadline_seconds: float = Field(
        default=REQUEST_DEADLINE_SECONDS,
        gt=0,
        description="Total time one request may take, connect and the whole body: a response trickling in "
        "slower is cut there and retried like a timeout.",
    )
    step_deadline_seconds: float | None = Field(
        default=STEP_DEADLINE_SECONDS,
        gt=0,
        description="Total time one run step may spend on this vendor; past it the step fails instead of holding "
        "the vendor's pool. Raise it for long single-run backfills; None: no limit.",
    )
    max_attempts: int = Field(default=8, ge=1, description="Attempts per request before giving up.")
    retry_budget: int = Field(default=200, ge=0, description="Retries allowed per run across all requests.")
    backoff_seconds: float = Field(default=0.5, ge=0, description="First retry delay; doubles each retry.")
    max_backoff_seconds: float = Field(default=30.0, ge=0)

    def http_limits(self) -> dict[str, Any]:
        """``ApiClient``'s timeout, deadlines and retry policy, from these settings."""
        return {
            "timeout": self.timeout_seconds,
            "request_deadline": self.request_deadline_seconds,
            "step_deadline": self.step_deadline_seconds,
            "retry": RetryPolicy(
                max_attempts=self.max_attempts,
                budget=self.retry_budget,
                base_delay=self.backoff_seconds,
                max_delay=self.max_backoff_seconds,
            ),
        }
