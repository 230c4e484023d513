"""The Intercom connector as a Dagster resource: configuration in, a ready client out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from pydantic import Field

from integration_pipelines.lib.http.auth import BearerAuth
from integration_pipelines.lib.http.client import ApiClient
from integration_pipelines.lib.http.errors import AuthenticationError, ConfigurationError, IntegrationError
from integration_pipelines.lib.http.ratelimit import RateLimit, RateLimitHeaders
from integration_pipelines.lib.http.redact import Redactor
from integration_pipelines.sources.http_resource import HttpConnectorResource
from integration_pipelines.sources.intercom.client import INTEGRATION, MAX_PER_PAGE, SEARCH_SLICES, IntercomClient

RATE_LIMIT_HEADERS = RateLimitHeaders(
    limit=("x-ratelimit-limit",),
    remaining=("x-ratelimit-remaining",),
    reset=("x-ratelimit-reset",),
    reset_is_epoch=True,  # Intercom's reset is a Unix time, not seconds from now
)
REGIONAL_HOSTS = ("https://api.intercom.io", "https://api.eu.intercom.io", "https://api.au.intercom.io")


class IntercomResource(HttpConnectorResource):
    """Intercom REST API access with an app's access token (a private app's token or an OAuth token)."""

    access_token: str | None = Field(
        default=None, repr=False, description="Access token of your Intercom app (INTERCOM_ACCESS_TOKEN); a secret."
    )
    api_version: str = Field(
        default="2.11",
        description="Intercom-Version header sent with every request (INTERCOM_API_VERSION); the objects follow 2.11.",
    )
    base_url: str = Field(
        default=REGIONAL_HOSTS[0],
        description="Your workspace's regional host (INTERCOM_BASE_URL): https://api.intercom.io "
        "(US), https://api.eu.intercom.io (EU) or https://api.au.intercom.io "
        "(Australia); a token is only valid on its region's host. The sandbox "
        "overrides it.",
    )
    per_page: int = Field(default=MAX_PER_PAGE, ge=1, le=MAX_PER_PAGE, description="Records per search page.")
    detail_concurrency: int = Field(
        default=4,
        ge=1,
        le=16,
        description="Conversations fetched in parallel for their parts (one GET "
        "each); memory holds one search page of them at a time.",
    )
    search_slices: int = Field(
        default=SEARCH_SLICES,
        ge=1,
        le=64,
        description="Time slices of a large window searched at once (cursor paging is one request after "
        "another); the rate limit still paces them all, and each slice holds at most a few pages.",
    )
    retry_budget: int = Field(
        default=1000,
        ge=0,
        description="Retries allowed per run across all requests (a run makes one request per conversation).",
    )
    requests_per_minute: float = Field(
        default=10_000.0,
        gt=0,
        description="Your app's limit: 10,000 calls/min per app by default "
        "(private apps share 25,000/min per workspace).",
    )
    rate_limit_window_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Intercom counts the limit in windows this long (10 s: a sixth of the per-minute limit each).",
    )

    def redactor(self) -> Redactor:
        return Redactor([self.access_token])

    def pacing(self) -> RateLimit:
        """The client's token bucket: 2 % of a window's allowance as burst, refilled at 97 % of the rate, so
        burst plus refill over any window stays at 99 % of its allowance: the bucket fills the limit without
        reaching it, so the whole-second ``X-RateLimit-Reset`` (a second's wait when the count runs out) is
        never waited for. ``X-RateLimit-Remaining`` counts every caller of the app (other integrations too);
        the bucket follows it down and waits out the reset when it reaches the requests in flight, so a
        shared app costs a wait, not a 429. The 99 % holds for limits of 50 or more per window (the burst
        is at least one request); below that the headers hold the limit."""
        window = self.rate_limit_window_seconds
        return RateLimit.paced(self.requests_per_minute / 60, burst_seconds=window * 0.02, headroom=0.97)

    @contextmanager
    def open_client(self) -> Iterator[IntercomClient]:
        """A client for one run: its own connection pool, rate-limit bucket and metrics."""
        if not self.access_token:
            raise ConfigurationError(INTEGRATION, "no credentials: set INTERCOM_ACCESS_TOKEN")
        base = self.base_url.rstrip("/")
        api = ApiClient(
            INTEGRATION,
            base,
            auth=BearerAuth(self.access_token),
            headers={
                "Accept": "application/json",
                "Intercom-Version": self.api_version,
                "User-Agent": "integration-pipelines",
            },
            **self.http_limits(),
            rate_limits={"default": self.pacing()},
            rate_limit_headers=RATE_LIMIT_HEADERS,
            redactor=self.redactor(),
            classify_error=self._classify(base),
            max_connections=self.detail_concurrency + self.search_slices + 2,
        )
        with api:
            yield IntercomClient(
                api,
                per_page=self.per_page,
                detail_concurrency=self.detail_concurrency,
                search_slices=self.search_slices,
            )

    def _classify(self, base: str):
        redactor = self.redactor()

        def classify(response: httpx.Response) -> IntegrationError | None:
            snippet = redactor.snippet(response.text, 200)  # redact, then cut: no half secret
            if response.status_code in (401, 403):
                return AuthenticationError(
                    INTEGRATION,
                    f"Intercom rejected the access token (HTTP {response.status_code}) at {redactor.url(base)}: "
                    "check INTERCOM_ACCESS_TOKEN, that the app may read conversations and contacts, and that "
                    f"INTERCOM_BASE_URL is your workspace's region ({', '.join(REGIONAL_HOSTS)}). "
                    f"Response: {snippet}",
                )
            if response.status_code == 400 and "intercom_version_invalid" in response.text:
                return ConfigurationError(
                    INTEGRATION,
                    f"Intercom does not serve API version {self.api_version!r}: check "
                    f"INTERCOM_API_VERSION. Response: {snippet}",
                )
            return None

        return classify
