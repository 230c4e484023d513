"""The Stripe connector as a Dagster resource: configuration in, a ready client out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from pydantic import Field

from integration_pipelines.lib.http.auth import BearerAuth
from integration_pipelines.lib.http.client import ApiClient
from integration_pipelines.lib.http.errors import AuthenticationError, ConfigurationError, IntegrationError
from integration_pipelines.lib.http.ratelimit import RateLimit
from integration_pipelines.lib.http.redact import Redactor
from integration_pipelines.lib.partitions import history_start
from integration_pipelines.sources.http_resource import HttpConnectorResource
from integration_pipelines.sources.stripe.client import INTEGRATION, MAX_PER_PAGE, StripeClient

KEY_HELP = (
    "check STRIPE_API_KEY: a restricted key (rk_...) with read access to Events, Customers, Subscriptions, "
    "Disputes and Refunds, or a secret key (sk_...), of the mode (live or test) you mean to read"
)


class StripeResource(HttpConnectorResource):
    """Stripe API access with a restricted (``rk_...``) or secret (``sk_...``) key sent as a Bearer token."""

    api_key: str | None = Field(
        default=None, repr=False, description="Restricted or secret API key (STRIPE_API_KEY); a secret."
    )
    base_url: str = Field(default="https://api.stripe.com", description="API host; the sandbox overrides it.")
    api_version: str | None = Field(
        default=None,
        description="Stripe-Version header (STRIPE_API_VERSION); None: the account's default. Events keep the "
        "version they were created with whatever is sent.",
    )
    per_page: int = Field(default=MAX_PER_PAGE, ge=1, le=MAX_PER_PAGE, description="Items per list page (limit).")
    requests_per_second: float = Field(
        default=25.0,
        gt=0,
        description="Client-side pace (STRIPE_REQUESTS_PER_SECOND): 25/s is every endpoint's own limit and the "
        "whole test-mode limit; live mode allows 100/s across endpoints.",
    )
    history_start: str | None = Field(
        default=None,
        description="UTC date; a window starting at or before it also lists every object created before its "
        "end (the Events API keeps 30 days). Default: the partitions' start (INTEGRATION_PIPELINES_PARTITIONS_START).",
    )

    def redactor(self) -> Redactor:
        return Redactor([self.api_key])

    def pacing(self) -> RateLimit:
        """The client's token bucket: a fifth of a second's allowance as burst, refilled at 80 % of the rate,
        so no one-second window (however it is aligned) sees more than the limit, and a limiter that counts
        in windows rather than a bucket never answers 429 to a sync alone on the account."""
        return RateLimit.paced(self.requests_per_second, burst_seconds=0.2, headroom=0.8)

    @contextmanager
    def open_client(self) -> Iterator[StripeClient]:
        """A client for one run: its own connection pool, rate-limit bucket and metrics."""
        if not self.api_key:
            raise ConfigurationError(INTEGRATION, "no credentials: set STRIPE_API_KEY")
        headers = {"Accept": "application/json", "User-Agent": "integration-pipelines"}
        if self.api_version:
            headers["Stripe-Version"] = self.api_version
        base = self.base_url.rstrip("/")
        api = ApiClient(
            INTEGRATION,
            base,
            auth=BearerAuth(self.api_key),
            headers=headers,
            **self.http_limits(),
            rate_limits={"default": self.pacing()},
            redactor=self.redactor(),
            classify_error=self._classify(base),
        )
        with api:
            yield StripeClient(api, per_page=self.per_page, history_start=history_start(self.history_start))

    def _classify(self, base: str):
        redactor = self.redactor()

        def classify(response: httpx.Response) -> IntegrationError | None:
            if response.status_code in (401, 403):
                return AuthenticationError(
                    INTEGRATION,
                    f"Stripe rejected the API key (HTTP {response.status_code}) at {redactor.url(base)}: {KEY_HELP}. "
                    f"Response: {redactor.snippet(response.text, 200)}",
                )
            return None

        return classify
