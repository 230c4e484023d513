"""The HubSpot connector as a Dagster resource: configuration in, a ready client out.

Authenticate with a private app's access token (``HUBSPOT_ACCESS_TOKEN``), or an OAuth app's
client id, secret and refresh token: the client then fetches an access token from
``/oauth/v1/token`` and fetches a new one when a request gets 401 (access tokens live 30 minutes).
Two pacing buckets: the app's ten-second limit (tightened by ``X-HubSpot-RateLimit-*`` headers) and
the search limit, paced evenly because search responses carry no rate-limit headers (see
``search_interval``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from pydantic import Field

from integration_pipelines.lib.http.client import ApiClient
from integration_pipelines.lib.http.errors import (
    AuthenticationError,
    ConfigurationError,
    IntegrationError,
    QuotaExhaustedError,
)
from integration_pipelines.lib.http.ratelimit import RateLimit, RateLimitHeaders, RateLimitState
from integration_pipelines.lib.http.redact import Redactor
from integration_pipelines.lib.partitions import history_start
from integration_pipelines.sources.http_resource import HttpConnectorResource
from integration_pipelines.sources.hubspot.client import (
    INTEGRATION,
    SEARCH_CONCURRENCY,
    SEARCH_RESULT_CAP,
    HubSpotClient,
)
from integration_pipelines.sources.hubspot.objects import OBJECTS

OAUTH_SETTINGS = "HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET and HUBSPOT_REFRESH_TOKEN"
TOKEN_PATH = "/oauth/v1/token"
SEARCH_WINDOW_SECONDS = 1.0  # HubSpot counts searches per second ("SECONDLY" in its 429 bodies)
# HubSpot counts a search when it arrives, not when it leaves. Spaced exactly 1/rate apart, rate + 1
# searches land in one window as soon as the first is delayed on its way a little more than the last
# (measured: 1-2 x 429 per 73 searches at 5/s); so ``rate`` searches in a row span one window plus this
# margin. Measured here from taking the token to the sandbox counting the request:
# about 1 ms, at most 14 ms on a loaded machine. Costs 1 - 1 / 1.03 = 3 % of the pace.
SEARCH_WINDOW_MARGIN_SECONDS = 0.03


def search_interval(rate: float, margin: float = SEARCH_WINDOW_MARGIN_SECONDS) -> float:
    """Seconds between two searches so that any ``rate`` of them in a row span one window and ``margin``:
    however HubSpot places its one-second windows, no window holds more than ``rate`` when no request
    is delayed on its way by ``margin`` more than the one ``rate`` before it."""
    return (SEARCH_WINDOW_SECONDS + margin) / (rate * SEARCH_WINDOW_SECONDS)


@dataclass(frozen=True)
class HubSpotRateLimitHeaders(RateLimitHeaders):
    """The ten-second window's headers for the bucket (no reset header exists, so once Remaining hits 0
    the client waits one Interval, as a rolling window needs), plus the daily quota for operators."""

    limit: tuple[str, ...] = ("x-hubspot-ratelimit-max",)
    remaining: tuple[str, ...] = ("x-hubspot-ratelimit-remaining",)
    reset: tuple[str, ...] = ("x-hubspot-ratelimit-interval-milliseconds",)
    reset_in_milliseconds: bool = True
    daily: dict[str, float] = field(default_factory=dict, compare=False)  # last seen: limit, remaining

    def read(self, headers: Mapping[str, str], now: float | None = None) -> RateLimitState:
        for key, name in (("limit", "x-hubspot-ratelimit-daily"), ("remaining", "x-hubspot-ratelimit-daily-remaining")):
            with suppress(KeyError, ValueError):
                self.daily[key] = float(headers[name])
        return super().read(headers, now)


class HubSpotApiClient(ApiClient):
    """``ApiClient`` whose quota is HubSpot's daily remaining calls, the number an operator watches."""

    def __init__(self, *args: Any, rate_limit_headers: HubSpotRateLimitHeaders, **kwargs: Any) -> None:
        super().__init__(*args, rate_limit_headers=rate_limit_headers, **kwargs)
        self.daily = rate_limit_headers.daily

    def quota_remaining(self) -> float | None:
        return self.daily.get("remaining", super().quota_remaining())


class HubSpotResource(HttpConnectorResource):
    """HubSpot CRM API access: a private app's ``access_token``, or ``client_id`` + ``client_secret`` +
    ``refresh_token`` of an OAuth app. Needs read scopes for contacts, companies, deals and tickets."""

    access_token: str | None = Field(
        default=None, repr=False, description="Private app access token (HUBSPOT_ACCESS_TOKEN); a secret."
    )
    client_id: str | None = Field(default=None, description="OAuth app client id (HUBSPOT_CLIENT_ID).")
    client_secret: str | None = Field(
        default=None, repr=False, description="OAuth app client secret (HUBSPOT_CLIENT_SECRET); a secret."
    )
    refresh_token: str | None = Field(
        default=None, repr=False, description="OAuth refresh token (HUBSPOT_REFRESH_TOKEN); a secret."
    )
    base_url: str = Field(default="https://api.hubapi.com", description="API root; the sandbox overrides it.")
    search_page_size: int = Field(default=200, ge=1, le=200, description="Records per search page (max 200).")
    list_page_size: int = Field(default=100, ge=1, le=100, description="Records per list page (max 100).")
    search_result_cap: int = Field(
        default=SEARCH_RESULT_CAP,
        ge=1,
        description="Results one search query serves (HubSpot: 10,000); windows "
        "holding more are split. Lower it only to test splitting.",
    )
    full_load: bool = Field(default=False, description="Read every window through the list API, not search.")
    history_start: str | None = Field(
        default=None,
        description="UTC date (YYYY-MM-DD); a window starting at or before it is a full load with "
        "no lower bound, so records last changed before it are pulled too. Default: the "
        "partitions' start (INTEGRATION_PIPELINES_PARTITIONS_START).",
    )
    requests_per_10s: float = Field(
        default=100.0,
        gt=0,
        description="App limit per 10 s: 100 (Free/Starter, OAuth apps), 190 "
        "(Professional/Enterprise private apps), 250 (API add-on).",
    )
    search_requests_per_second: float = Field(
        default=5.0,
        gt=0,
        description="Searches per second; HubSpot allows 5/s per account, shared by every app of the portal "
        "(lower it when another app searches too). Spaced evenly, each second's worth a little over a second "
        "apart, so none arrives inside the window of the one that many before it.",
    )
    search_concurrency: int = Field(
        default=SEARCH_CONCURRENCY,
        ge=1,
        le=32,
        description="Search requests of one object's window under way at once (its pages, the halves of a "
        "split window), read back in the order of one after another; the search pace still spaces them all. "
        "1: one after another. Memory holds at most twice this many responses per object.",
    )

    def redactor(self) -> Redactor:
        return Redactor([self.access_token, self.client_secret, self.refresh_token])

    @contextmanager
    def open_client(self) -> Iterator[HubSpotClient]:
        """A client for one run: its own connection pool, rate-limit buckets, metrics and token."""
        oauth = self._check_credentials()
        auth = _BearerAuth(self.access_token)
        refresher = (
            _TokenRefresher(auth, self.client_id or "", self.client_secret or "", self.refresh_token or "")
            if oauth
            else None
        )
        api = HubSpotApiClient(
            INTEGRATION,
            self.base_url,
            auth=auth,
            headers={"Accept": "application/json", "User-Agent": "integration-pipelines"},
            **self.http_limits(),
            # search: one token, so requests go out evenly spaced and never bunch inside one second
            rate_limits={
                "search": RateLimit(1, search_interval(self.search_requests_per_second)),
                "default": RateLimit(self.requests_per_10s, 10),
            },
            rate_limit_headers=HubSpotRateLimitHeaders(),
            redactor=self.redactor(),
            classify_error=self._classify(oauth),
            on_unauthorized=refresher,
            # every search thread of every object pulled at once, and each object's list, with a connection
            # ready: a search that took its token and then waited for a connection would arrive late
            max_connections=len(OBJECTS) * (self.search_concurrency + 2),
        )
        with api:
            if refresher is not None:
                refresher.api = api  # the hook sends its token request through the same client
                if not self.access_token:
                    refresher()
            yield HubSpotClient(
                api,
                search_page_size=self.search_page_size,
                list_page_size=self.list_page_size,
                search_result_cap=self.search_result_cap,
                full_load=self.full_load,
                history_start=self._history_start(),
                search_concurrency=self.search_concurrency,
            )

    def _check_credentials(self) -> bool:
        """True when OAuth refresh is configured; raises before any request when nothing usable is set."""
        trio = {
            "HUBSPOT_CLIENT_ID": self.client_id,
            "HUBSPOT_CLIENT_SECRET": self.client_secret,
            "HUBSPOT_REFRESH_TOKEN": self.refresh_token,
        }
        missing = [name for name, value in trio.items() if not value]
        if 0 < len(missing) < 3:
            raise ConfigurationError(INTEGRATION, f"incomplete OAuth settings: also set {', '.join(missing)}")
        if not self.access_token and missing:
            raise ConfigurationError(
                INTEGRATION,
                f"no credentials: set HUBSPOT_ACCESS_TOKEN (a private app's access token), or {OAUTH_SETTINGS}",
            )
        return not missing

    def _history_start(self) -> datetime:
        return history_start(self.history_start)

    def _classify(self, oauth: bool):
        redactor = self.redactor()
        setting = OAUTH_SETTINGS if oauth and not self.access_token else "HUBSPOT_ACCESS_TOKEN"

        def classify(response: httpx.Response) -> IntegrationError | None:
            status, path = response.status_code, response.request.url.path
            body = _describe(response, redactor)
            if path.endswith(TOKEN_PATH) and status in (400, 401, 403):
                return AuthenticationError(
                    INTEGRATION,
                    f"HubSpot refused to issue an access token (HTTP {status}): "
                    f"check {OAUTH_SETTINGS}. Response: {body}",
                )
            if status == 401:
                return AuthenticationError(
                    INTEGRATION, f"HubSpot rejected the credentials (HTTP 401): check {setting}. Response: {body}"
                )
            if status == 403:
                return AuthenticationError(
                    INTEGRATION,
                    f"HubSpot refused access (HTTP 403) to {path}: grant the app "
                    f"read scopes for contacts, companies, deals and tickets. "
                    f"Response: {body}",
                )
            if status == 429 and '"DAILY"' in response.text:
                return QuotaExhaustedError(
                    INTEGRATION,
                    "the portal's daily API limit is spent; it resets at midnight in the HubSpot account's time zone",
                )
            return None

        return classify


def _describe(response: httpx.Response, redactor: Redactor) -> str:
    """HubSpot's error body in short: ``CATEGORY: message`` (the token endpoint says ``status``)."""
    try:
        body = response.json()
        text = f"{body.get('category') or body.get('status')}: {body.get('message')}"
    except (ValueError, AttributeError):
        text = response.text
    return redactor.snippet(text, 200)  # redact, then cut: no half secret


class _BearerAuth(httpx.Auth):
    """The current access token; a class (not a header string) so refreshes replace it in one place."""

    def __init__(self, token: str | None) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request):
        if self.token:
            request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


class _TokenRefresher:
    """``on_unauthorized`` hook: trade the refresh token for a new access token (never recursively)."""

    def __init__(self, auth: _BearerAuth, client_id: str, client_secret: str, refresh_token: str) -> None:
        self.api: ApiClient | None = None
        self.auth, self.refreshes = auth, 0
        self._form = {
            "grant_type": "refresh_token",
            "client_id": client_id,
            "client_secret": client_secret,
            "refresh_token": refresh_token,
        }
        self._busy = False

    def __call__(self) -> bool:
        if self._busy or self.api is None:
            return False
        self._busy = True
        try:
            body = self.api.request_json("POST", TOKEN_PATH, data=self._form, auth=None, limit_group="oauth")
        finally:
            self._busy = False
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise AuthenticationError(INTEGRATION, "HubSpot's token response has no access_token")
        self.api.redactor.add(token)
        self.auth.token = token
        self.refreshes += 1
        return True
