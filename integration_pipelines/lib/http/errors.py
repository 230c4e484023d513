"""Errors a connector raises, each naming the integration so an operator knows where to look.

Messages are redacted in the constructor with the process-wide secret registry: Dagster stores the
message (and ``str`` of every chained exception) in the event log, so a secret must be gone before the
exception exists, not merely before it is logged.
"""

from __future__ import annotations

from integration_pipelines.lib import secrets


class IntegrationError(Exception):
    """Base class: every message starts with the integration name, e.g. ``[zendesk] ...``."""

    def __init__(self, integration: str, message: str) -> None:
        self.integration = integration
        super().__init__(secrets.redact(f"[{integration}] {message}"))

    def __str__(self) -> str:
        # Called first when Dagster or ``traceback`` renders the failure, before the chained causes:
        # scrubbing the chain here keeps a quoted response in a foreign cause out of the record too.
        secrets.scrub_exception_chain(self)
        return super().__str__()


class AuthenticationError(IntegrationError):
    """The vendor rejected the credentials (HTTP 401/403): retrying cannot help."""


class ConfigurationError(IntegrationError):
    """The connector cannot reach a valid endpoint (bad subdomain, host or URL)."""


class ResponseError(IntegrationError):
    """A non-retryable HTTP error (4xx other than auth and rate limits)."""

    def __init__(self, integration: str, message: str, status_code: int) -> None:
        self.status_code = status_code
        super().__init__(integration, message)


class QuotaExhaustedError(IntegrationError):
    """The vendor's quota is spent for longer than a run should wait (e.g. a daily API cap)."""


class RetryBudgetExhaustedError(IntegrationError):
    """Transient failures outlasted the retry budget; the last cause is chained."""


class StepDeadlineExceededError(IntegrationError):
    """A run step outlived its total deadline (``step_deadline_seconds``): it fails rather than retries,
    so a stuck vendor cannot hold the vendor's pool, and so its later runs, for hours."""
