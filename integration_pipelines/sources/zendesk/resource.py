"""The Zendesk connector as a Dagster resource: configuration in, a ready client out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from pydantic import Field

from integration_pipelines.lib.http.auth import BearerAuth
from integration_pipelines.lib.http.client import ApiClient
from integration_pipelines.lib.http.errors import (
    AuthenticationError,
    ConfigurationError,
    IntegrationError,
)
from integration_pipelines.lib.http.ratelimit import RateLimit, RateLimitHeaders
from integration_pipelines.lib.http.redact import Redactor
from integration_pipelines.lib.partitions import history_start
from integration_pipelines.sources.http_resource import HttpConnectorResource
from integration_pipelines.sources.zendesk.client import INTEGRATION, ZendeskClient

RATE_LIMIT_HEADERS = RateLimitHeaders(
    limit=("ratelimit-limit", "x-rate-limit"),
    remaining=("ratelimit-remaining", "x-rate-limit-remaining"),
    reset=("ratelimit-reset",),
)


class ZendeskResource(HttpConnectorResource):
    """Zendesk Support API access. Authenticate with ``email`` + ``api_token`` or ``oauth_token``."""

    subdomain: str = Field(description="Account subdomain: `acme` for acme.zendesk.com (ZENDESK_SUBDOMAIN).")
    email: str | None = Field(default=None, description="Agent email for API-token auth (ZENDESK_EMAIL).")
    api_token: str | None = Field(default=None, repr=False, description="API token (ZENDESK_API_TOKEN); a secret.")
    oauth_token: str | None = Field(
        default=None, repr=False, description="OAuth access token (ZENDESK_OAUTH_TOKEN); a secret."
    )
    base_url: str = Field(
        default="https://{subdomain}.zendesk.com",
        description="API root; `{subdomain}` is filled in. The sandbox overrides it.",
    )
    per_page: int = Field(default=1000, ge=1, le=1000, description="Records per cursor-export page.")
    export_requests_per_minute: float = Field(
        default=10.0, gt=0, description="Incremental-export limit (10; 30 with the High Volume add-on)."
    )
    requests_per_minute: float = Field(default=700.0, gt=0, description="Account-wide limit of your plan.")
    history_start: str | None = Field(
        default=None,
        description="UTC date; a window starting at or before it is exported from the beginning "
        "of the account, so older users and organizations arrive too. Default: the "
        "partitions' start (INTEGRATION_PIPELINES_PARTITIONS_START).",
    )

    def redactor(self) -> Redactor:
        return Redactor(
            [self.api_token, self.oauth_token, f"{self.email}/token:{self.api_token}" if self.api_token else None]
        )

    @contextmanager
    def open_client(self) -> Iterator[ZendeskClient]:
        """A client for one run: its own connection pool, rate-limit buckets and metrics."""
        base = self.base_url.format(subdomain=self.subdomain)
        api = ApiClient(
            INTEGRATION,
            base,
            auth=self._auth(),
            headers={"Accept": "application/json", "User-Agent": "integration-pipelines"},
            **self.http_limits(),
            rate_limits={
                "incremental": RateLimit(self.export_requests_per_minute, 60),
                "default": RateLimit(self.requests_per_minute, 60),
            },
            rate_limit_headers=RATE_LIMIT_HEADERS,
            redactor=self.redactor(),
            classify_error=self._classify(base),
        )
        with api:
            yield ZendeskClient(api, per_page=self.per_page, history_start=history_start(self.history_start))

    def _auth(self) -> httpx.Auth:
        if self.oauth_token:
            return BearerAuth(self.oauth_token)
        if self.email and self.api_token:
            return httpx.BasicAuth(f"{self.email}/token", self.api_token)
        raise ConfigurationError(
            INTEGRATION, "no credentials: set ZENDESK_EMAIL and ZENDESK_API_TOKEN, or ZENDESK_OAUTH_TOKEN"
        )

    def _classify(self, base: str):
        redactor = self.redactor()
        method = "ZENDESK_OAUTH_TOKEN" if self.oauth_token else "ZENDESK_EMAIL and ZENDESK_API_TOKEN"

        def classify(response: httpx.Response) -> IntegrationError | None:
            if response.status_code in (401, 403):
                return AuthenticationError(
                    INTEGRATION,
                    f"Zendesk rejected the credentials (HTTP {response.status_code}) for account "
                    f"{self.subdomain!r}: check {method}. Response: {redactor.snippet(response.text, 200)}",
                )
            if response.status_code == 404 and "No help desk" in response.text:
                return ConfigurationError(
                    INTEGRATION, f"no Zendesk account answers at {redactor.url(base)}: check ZENDESK_SUBDOMAIN"
                )
            return None

        return classify
