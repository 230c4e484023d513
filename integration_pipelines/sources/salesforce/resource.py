"""The Salesforce connector as a Dagster resource: a connected app's credentials in, a logged-in client out.

Two OAuth flows for integrations: client credentials (``client_id`` + ``client_secret``; log in at
your My Domain URL) or JWT bearer (``client_id`` + ``username`` + ``private_key``; log in at
``https://login.salesforce.com``, or ``https://test.salesforce.com`` for a Salesforce sandbox org).
The local sandbox overrides ``login_url``. Over the org's daily API allowance Salesforce answers 403
``REQUEST_LIMIT_EXCEEDED``: the run stops with ``QuotaExhaustedError`` rather than retrying.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from pydantic import Field

from integration_pipelines.lib.http.client import ApiClient
from integration_pipelines.lib.http.errors import (
    AuthenticationError,
    ConfigurationError,
    IntegrationError,
    QuotaExhaustedError,
)
from integration_pipelines.lib.http.ratelimit import RateLimit, RateLimitState
from integration_pipelines.lib.http.redact import Redactor
from integration_pipelines.sources.http_resource import HttpConnectorResource
from integration_pipelines.sources.salesforce.auth import (
    INTEGRATION,
    TOKEN_PATH,
    Login,
    LoginSettings,
    Session,
    token_error,
)
from integration_pipelines.sources.salesforce.bulk import BulkSettings
from integration_pipelines.sources.salesforce.client import SalesforceClient
from integration_pipelines.sources.salesforce.objects import OBJECTS

FLOWS = ("auto", "client_credentials", "jwt_bearer")


class SalesforceResource(HttpConnectorResource):
    """Salesforce REST and Bulk API 2.0 access through a connected app (client credentials or JWT bearer)."""

    client_id: str = Field(description="The connected app's consumer key (SALESFORCE_CLIENT_ID).")
    client_secret: str | None = Field(
        default=None,
        repr=False,
        description=("Consumer secret for the client credentials flow (SALESFORCE_CLIENT_SECRET); a secret."),
    )
    username: str | None = Field(
        default=None, description=("The integration user the JWT bearer flow logs in as (SALESFORCE_USERNAME).")
    )
    private_key: str | None = Field(
        default=None,
        repr=False,
        description=(
            "PEM RSA private key whose certificate is on the connected app, for JWT bearer "
            "(SALESFORCE_PRIVATE_KEY); a secret."
        ),
    )
    auth_flow: str = Field(
        default="auto",
        description=("client_credentials, jwt_bearer, or auto: JWT bearer when username and private_key are set."),
    )
    login_url: str = Field(
        default="https://login.salesforce.com",
        description=(
            "Where to log in (SALESFORCE_LOGIN_URL): https://test.salesforce.com for Salesforce sandbox orgs, "
            "your My Domain URL for client credentials. The local sandbox overrides it."
        ),
    )
    jwt_audience: str | None = Field(default=None, description="JWT `aud`; defaults to login_url.")
    api_version: str = Field(default="60.0", pattern=r"^\d+\.\d$", description="REST API version, e.g. 60.0.")
    batch_size: int = Field(default=2000, ge=200, le=2000, description="REST query batch (Sforce-Query-Options).")
    bulk_threshold_rows: int | None = Field(
        default=50_000,
        ge=0,
        description=(
            "Use a Bulk API 2.0 job when a window's COUNT() exceeds this; None never does (and skips COUNT())."
        ),
    )
    force_bulk: bool = Field(default=False, description="Always use Bulk API 2.0 jobs.")
    bulk_max_records: int = Field(
        default=50_000,
        ge=1,
        description="Rows per Bulk results chunk (maxRecords) when chunks are read one locator after another; "
        "chunks listed by resultPages have the size Salesforce chose.",
    )
    bulk_result_concurrency: int = Field(
        default=1,
        ge=1,
        le=16,
        description="Bulk results chunks downloaded at once per job, listed by resultPages (API 58.0+) and handed "
        "on in result order; memory holds about this many chunks. 1: one locator after another. The code "
        "location sets it from SALESFORCE_BULK_RESULT_CONCURRENCY (default 4).",
    )
    bulk_poll_seconds: float = Field(default=1.0, gt=0, description="First wait between job status reads.")
    bulk_max_poll_seconds: float = Field(default=30.0, gt=0)
    bulk_timeout_seconds: float = Field(default=3600.0, gt=0, description="A job not complete by then fails.")
    requests_per_second: float | None = Field(
        default=None,
        gt=0,
        description=(
            "Optional pacing; Salesforce limits requests per 24 hours (reported as quota_remaining), not per second."
        ),
    )

    def redactor(self) -> Redactor:
        """Every secret this resource holds; the access token and JWT assertions join it once issued."""
        key_lines = [line for line in (self.private_key or "").splitlines() if len(line) >= 16 and "-----" not in line]
        return Redactor([self.client_secret, self.private_key, *key_lines])

    def login_settings(self) -> LoginSettings:
        """Which flow the settings describe; a ConfigurationError (before any request) if neither is complete."""
        if self.auth_flow not in FLOWS:
            raise ConfigurationError(INTEGRATION, f"auth_flow must be one of {FLOWS}, not {self.auth_flow!r}")
        jwt_ready = bool(self.username and self.private_key)
        flow = self.auth_flow
        if flow == "auto":
            flow = "jwt_bearer" if jwt_ready else "client_credentials"
        if not self.client_id:
            raise ConfigurationError(INTEGRATION, "no credentials: set SALESFORCE_CLIENT_ID")
        if flow == "jwt_bearer" and not jwt_ready:
            raise ConfigurationError(
                INTEGRATION, "the JWT bearer flow needs SALESFORCE_USERNAME and SALESFORCE_PRIVATE_KEY"
            )
        if flow == "client_credentials" and not self.client_secret:
            raise ConfigurationError(
                INTEGRATION,
                "no credentials: set SALESFORCE_CLIENT_SECRET (client credentials) "
                "or SALESFORCE_USERNAME and SALESFORCE_PRIVATE_KEY (JWT bearer)",
            )
        return LoginSettings(
            flow,
            self.login_url.rstrip("/"),
            self.client_id,
            self.client_secret,
            self.username,
            self.private_key,
            self.jwt_audience,
        )

    @contextmanager
    def open_client(self) -> Iterator[SalesforceClient]:
        """Log in and yield a client for one run: its own pool, retry budget, metrics and session."""
        settings = self.login_settings()
        redactor = self.redactor()
        session = Session()
        login = Login(settings, session)
        api = ApiClient(
            INTEGRATION,
            settings.login_url,
            auth=session,
            headers={"Accept": "application/json", "User-Agent": "integration-pipelines"},
            **self.http_limits(),
            rate_limits={"default": RateLimit(self.requests_per_second, 1) if self.requests_per_second else None},
            redactor=redactor,
            classify_error=_classifier(settings, redactor),
            on_unauthorized=login.refresh,
            max_connections=max(8, len(OBJECTS) * self.bulk_result_concurrency + 2),  # every object's job at once
        )

        def report_usage(used: int, limit: int) -> None:  # feeds ApiClient.quota_remaining()
            api.buckets["default"].observe(RateLimitState(limit=limit, remaining=max(0, limit - used)))

        session.on_usage = report_usage
        with api:
            login.api = api
            login.login()
            yield SalesforceClient(
                api,
                login,
                api_version=self.api_version,
                batch_size=self.batch_size,
                bulk_threshold_rows=self.bulk_threshold_rows,
                force_bulk=self.force_bulk,
                bulk=BulkSettings(
                    max_records=self.bulk_max_records,
                    poll_seconds=self.bulk_poll_seconds,
                    max_poll_seconds=self.bulk_max_poll_seconds,
                    timeout_seconds=self.bulk_timeout_seconds,
                    result_concurrency=self.bulk_result_concurrency,
                ),
            )


def _errors(response: httpx.Response) -> tuple[str, str]:
    """errorCode and message of Salesforce's ``[{"message": ..., "errorCode": ...}]`` error bodies."""
    try:
        body = response.json()
    except ValueError:
        return "", response.text  # cut by the caller, after redaction
    first = body[0] if isinstance(body, list) and body and isinstance(body[0], dict) else {}
    return str(first.get("errorCode", "")), str(first.get("message", "")).strip()


def _classifier(settings: LoginSettings, redactor: Redactor):
    def classify(response: httpx.Response) -> IntegrationError | None:
        status, path = response.status_code, response.request.url.path
        if path.endswith(TOKEN_PATH) and 400 <= status < 500 and status != 429:
            return AuthenticationError(INTEGRATION, redactor.text(token_error(settings, response)))
        code, message = _errors(response)
        message = redactor.snippet(message.splitlines()[-1] if message else "", 200)
        if status == 403 and code == "REQUEST_LIMIT_EXCEEDED":
            usage = response.headers.get("sforce-limit-info", "api usage not reported")
            return QuotaExhaustedError(
                INTEGRATION,
                f"Salesforce's API request limit is exhausted (403 REQUEST_LIMIT_EXCEEDED: {message} "
                f"{usage}): the org's rolling 24-hour allowance is spent, so the run stops instead of "
                "retrying. Run again once usage has fallen, or ask Salesforce for a higher limit.",
            )
        if status == 401:
            return AuthenticationError(
                INTEGRATION,
                f"Salesforce rejected the session (HTTP 401 {code}) even after logging in again: "
                f"check the integration user's API access and {settings.settings_hint()}",
            )
        if status == 403:
            return AuthenticationError(
                INTEGRATION,
                f"Salesforce refused {path} (HTTP 403 {code}: {message}): check the integration "
                "user's permissions (API Enabled, read access to the object)",
            )
        if status == 404 and path.endswith("/describe"):
            sobject = path.rstrip("/").split("/")[-2]
            return ConfigurationError(
                INTEGRATION,
                f"Salesforce has no object {sobject!r} that the integration user can see, or API "
                f"version {path.split('/data/')[-1].split('/')[0]} is not served (describe: {code}): "
                "check the object name and api_version",
            )
        if status == 400 and code in ("INVALID_TYPE", "INVALID_FIELD"):
            return ConfigurationError(INTEGRATION, f"Salesforce rejected the query ({code}: {message})")
        return None

    return classify
