"""The Calendly connector as a Dagster resource: configuration in, a ready client out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
from pydantic import Field

from integration_pipelines.lib.http.auth import BearerAuth
from integration_pipelines.lib.http.client import ApiClient
from integration_pipelines.lib.http.errors import AuthenticationError, ConfigurationError, IntegrationError
from integration_pipelines.lib.http.ratelimit import RateLimit, RateLimitHeaders
from integration_pipelines.lib.http.redact import Redactor
from integration_pipelines.sources.calendly.client import INTEGRATION, MAX_PER_PAGE, CalendlyClient
from integration_pipelines.sources.http_resource import HttpConnectorResource

# Calendly: X-RateLimit-Reset is the number of seconds until the window resets (typically 60).
RATE_LIMIT_HEADERS = RateLimitHeaders(
    limit=("x-ratelimit-limit",), remaining=("x-ratelimit-remaining",), reset=("x-ratelimit-reset",)
)


class CalendlyResource(HttpConnectorResource):
    """Calendly API v2 access with a personal access token or an OAuth access token (Bearer)."""

    token: str | None = Field(
        default=None, repr=False, description="Personal access token or OAuth access token (CALENDLY_TOKEN); a secret."
    )
    organization: str | None = Field(
        default=None,
        description="Organization URI (CALENDLY_ORGANIZATION), e.g. https://api.calendly.com/organizations/AAAA; "
        "default: the token's current organization from GET /users/me. Listing an organization's events needs "
        "an admin or owner token.",
    )
    base_url: str = Field(default="https://api.calendly.com", description="API root; the sandbox overrides it.")
    per_page: int = Field(default=MAX_PER_PAGE, ge=1, le=MAX_PER_PAGE, description="Records per page (count ≤ 100).")
    lookback_days: float = Field(
        default=7.0,
        ge=0,
        description="Events starting this long before a window are listed too, and their invitees read when the "
        "meeting ended this long before it (no-shows are marked after the meeting).",
    )
    lookahead_days: float = Field(
        default=90.0,
        ge=0,
        description="Events starting up to this long after a window are listed (bookings and cancellations of "
        "future meetings). Raise it above your event types' furthest booking horizon.",
    )
    retry_budget: int = Field(
        default=500,
        ge=0,
        description="Retries allowed per run across all requests (one request per event for invitees).",
    )
    requests_per_minute: float = Field(
        default=500.0, gt=0, description="Calendly's per-user limit: 500 requests/minute on paid plans, 50 on Free."
    )

    def redactor(self) -> Redactor:
        return Redactor([self.token])

    def pacing(self) -> RateLimit:
        """A tenth of the minute's allowance as burst, refilled at 90 % of the rate: room for other
        integrations of the same user, whose requests count against the same limit."""
        return RateLimit.paced(self.requests_per_minute / 60, burst_seconds=6, headroom=0.9)

    @contextmanager
    def open_client(self) -> Iterator[CalendlyClient]:
        """A client for one run: its own connection pool, rate-limit bucket and metrics."""
        if not self.token:
            raise ConfigurationError(INTEGRATION, "no credentials: set CALENDLY_TOKEN")
        base = self.base_url.rstrip("/")
        api = ApiClient(
            INTEGRATION,
            base,
            auth=BearerAuth(self.token),
            headers={"Accept": "application/json", "User-Agent": "integration-pipelines"},
            **self.http_limits(),
            rate_limits={"default": self.pacing()},
            rate_limit_headers=RATE_LIMIT_HEADERS,
            redactor=self.redactor(),
            classify_error=self._classify(base),
        )
        with api:
            yield CalendlyClient(
                api,
                organization=self.organization,
                per_page=self.per_page,
                lookback=timedelta(days=self.lookback_days),
                lookahead=timedelta(days=self.lookahead_days),
            )

    def _classify(self, base: str):
        redactor = self.redactor()

        def classify(response: httpx.Response) -> IntegrationError | None:
            if response.status_code in (401, 403):
                snippet = redactor.snippet(response.text, 200)  # redact, then cut: no half secret
                scope = (
                    "that CALENDLY_ORGANIZATION is your organization's URI and that the token belongs to one of "
                    "its admins or owners (listing an organization's events needs that)"
                    if response.status_code == 403
                    else "that it has not expired or been revoked"
                )
                return AuthenticationError(
                    INTEGRATION,
                    f"Calendly rejected the token (HTTP {response.status_code}) at {redactor.url(base)}: check "
                    f"CALENDLY_TOKEN, {scope}. Response: {snippet}",
                )
            return None

        return classify
