"""The Twilio connector as a Dagster resource: configuration in, a ready client out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
from pydantic import Field

from integration_pipelines.lib.http.client import ApiClient
from integration_pipelines.lib.http.errors import AuthenticationError, ConfigurationError, IntegrationError
from integration_pipelines.lib.http.ratelimit import RateLimit
from integration_pipelines.lib.http.redact import Redactor
from integration_pipelines.lib.partitions import history_start
from integration_pipelines.sources.http_resource import HttpConnectorResource
from integration_pipelines.sources.twilio.client import INTEGRATION, MAX_PAGE_SIZE, TwilioClient

AUTH_TOKEN_VARIABLES = "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"
API_KEY_VARIABLES = "TWILIO_ACCOUNT_SID, TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET (a key of that account)"


class TwilioResource(HttpConnectorResource):
    """Twilio REST API access: HTTP Basic with the Account SID + Auth Token, or an API Key SID + secret."""

    account_sid: str | None = Field(
        default=None, description="Account SID, AC... (TWILIO_ACCOUNT_SID); in every request path."
    )
    auth_token: str | None = Field(
        default=None, repr=False, description="The account's Auth Token (TWILIO_AUTH_TOKEN); a secret."
    )
    api_key_sid: str | None = Field(
        default=None, description="API Key SID, SK... (TWILIO_API_KEY_SID); used instead of the Auth Token."
    )
    api_key_secret: str | None = Field(
        default=None, repr=False, description="The API Key's secret (TWILIO_API_KEY_SECRET); a secret."
    )
    base_url: str = Field(
        default="https://api.twilio.com", description="API root (TWILIO_BASE_URL). The sandbox overrides it."
    )
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="PageSize of the list.")
    update_lookback_days: float = Field(
        default=3.0,
        ge=0,
        description="Twilio lists messages by the day they were sent, not updated: a window also lists the "
        "messages sent this many days before it, so status changes and redactions that come within it land "
        "in the day they happened.",
    )
    requests_per_second: float = Field(
        default=20.0,
        gt=0,
        description="Client-side pacing. Twilio limits concurrent requests per account (HTTP 429, error "
        "20429), not a rate; a pull sends one request at a time, and this keeps it from crowding the "
        "account's other API users.",
    )
    history_start: str | None = Field(
        default=None,
        description="UTC date; a window starting at or before it lists every message of the account, whenever "
        "sent. Default: the partitions' start (INTEGRATION_PIPELINES_PARTITIONS_START).",
    )

    def redactor(self) -> Redactor:
        return Redactor([self.auth_token, self.api_key_secret])

    @contextmanager
    def open_client(self) -> Iterator[TwilioClient]:
        """A client for one run: its own connection pool, rate-limit bucket and metrics."""
        if not self.account_sid:
            raise ConfigurationError(INTEGRATION, "no account: set TWILIO_ACCOUNT_SID")
        base = self.base_url.rstrip("/")
        api = ApiClient(
            INTEGRATION,
            base,
            auth=self._auth(),
            headers={"Accept": "application/json", "User-Agent": "integration-pipelines"},
            **self.http_limits(),
            rate_limits={"default": RateLimit(self.requests_per_second, 1)},
            redactor=self.redactor(),
            classify_error=self._classify(base),
        )
        with api:
            yield TwilioClient(
                api,
                self.account_sid,
                page_size=self.page_size,
                lookback=timedelta(days=self.update_lookback_days),
                history_start=history_start(self.history_start),
            )

    def _auth(self) -> httpx.Auth:
        if self.api_key_sid or self.api_key_secret:
            if not (self.api_key_sid and self.api_key_secret):
                raise ConfigurationError(
                    INTEGRATION, "an API key needs both TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET"
                )
            return httpx.BasicAuth(self.api_key_sid, self.api_key_secret)
        if self.auth_token:
            return httpx.BasicAuth(str(self.account_sid), self.auth_token)
        raise ConfigurationError(
            INTEGRATION, "no credentials: set TWILIO_AUTH_TOKEN, or TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET"
        )

    def _classify(self, base: str):
        redactor = self.redactor()
        variables = API_KEY_VARIABLES if self.api_key_sid else AUTH_TOKEN_VARIABLES

        def classify(response: httpx.Response) -> IntegrationError | None:
            snippet = redactor.snippet(response.text, 200)  # redact, then cut: no half secret
            if response.status_code in (401, 403):
                return AuthenticationError(
                    INTEGRATION,
                    f"Twilio rejected the credentials (HTTP {response.status_code}) for account "
                    f"{self.account_sid!r}: check {variables}. Response: {snippet}",
                )
            if response.status_code == 404:  # the connector only reads the account and its lists
                return ConfigurationError(
                    INTEGRATION,
                    f"no Twilio account {self.account_sid!r} at {redactor.url(base)}: check TWILIO_ACCOUNT_SID "
                    f"and TWILIO_BASE_URL. Response: {snippet}",
                )
            return None

        return classify
