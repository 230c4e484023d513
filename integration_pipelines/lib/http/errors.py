"""Errors a connector raises, each naming the integration so an operator knows where to look."""

from __future__ import annotations


class IntegrationError(Exception):
    """Base class: every message starts with the integration name, e.g. ``[zendesk] ...``."""

    def __init__(self, integration: str, message: str) -> None:
        self.integration = integration
        super().__init__(f"[{integration}] {message}")


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
