"""The Retell connector as a Dagster resource: configuration in, a ready client out."""

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
from integration_pipelines.sources.http_resource import HttpConnectorResource
from integration_pipelines.sources.retell.client import INTEGRATION, MAX_LIMIT, RetellClient


class RetellResource(HttpConnectorResource):
    """Retell AI API access with a workspace API key (``Authorization: Bearer``)."""

    api_key: str | None = Field(default=None, repr=False, description="Retell API key (RETELL_API_KEY); a secret.")
    base_url: str = Field(
        default="https://api.retellai.com", description="API root (RETELL_BASE_URL); the sandbox overrides it."
    )
    limit: int = Field(default=MAX_LIMIT, ge=1, le=MAX_LIMIT, description="Calls per list-calls page (≤ 1000).")
    detail_concurrency: int = Field(
        default=4,
        ge=1,
        le=16,
        description="Calls fetched at once with get-call for their transcripts (the v3 list leaves them out).",
    )
    retry_budget: int = Field(
        default=1000, ge=0, description="Retries allowed per run across all requests (one request per call)."
    )
    requests_per_minute: float = Field(
        default=600.0,
        gt=0,
        description="Client-side pacing (RETELL_REQUESTS_PER_MINUTE). Retell publishes no per-endpoint limit for "
        "list-calls; it answers 429 when over, which is waited out. A pull makes one request per 1000 calls "
        "listed and one per call (get-call).",
    )

    def redactor(self) -> Redactor:
        return Redactor([self.api_key])

    def pacing(self) -> RateLimit:
        """A token bucket of a tenth of a second's allowance, refilled at 80 % of the rate: smooth enough that
        no one-second window sees more than 90 % of the limit, whatever window Retell counts in."""
        return RateLimit.paced(self.requests_per_minute / 60, burst_seconds=0.1, headroom=0.8)

    @contextmanager
    def open_client(self) -> Iterator[RetellClient]:
        """A client for one run: its own connection pool, rate-limit bucket and metrics."""
        if not self.api_key:
            raise ConfigurationError(INTEGRATION, "no credentials: set RETELL_API_KEY")
        base = self.base_url.rstrip("/")
        api = ApiClient(
            INTEGRATION,
            base,
            auth=BearerAuth(self.api_key),
            headers={"Accept": "application/json", "User-Agent": "integration-pipelines"},
            **self.http_limits(),
            rate_limits={"default": self.pacing()},
            redactor=self.redactor(),
            classify_error=self._classify(base),
            max_connections=self.detail_concurrency + 2,
        )
        with api:
            yield RetellClient(api, limit=self.limit, detail_concurrency=self.detail_concurrency)

    def _classify(self, base: str):
        redactor = self.redactor()

        def classify(response: httpx.Response) -> IntegrationError | None:
            if response.status_code in (401, 403):
                return AuthenticationError(
                    INTEGRATION,
                    f"Retell rejected the API key (HTTP {response.status_code}) at {redactor.url(base)}: check "
                    f"RETELL_API_KEY (and RETELL_BASE_URL). Response: {redactor.snippet(response.text, 200)}",
                )
            return None

        return classify
