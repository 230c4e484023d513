"""Salesforce OAuth for integrations: client credentials or JWT bearer, refreshed on INVALID_SESSION_ID.

The token endpoint answers with an ``access_token`` and the org's ``instance_url``; every API call
then goes to that instance. ``Session`` is the httpx auth that carries the token (never a default
header, so it cannot leak to another host) and reads ``Sforce-Limit-Info`` off every response.
``Login`` is the ApiClient's ``on_unauthorized`` hook: an expired session logs in once more.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from integration_pipelines.lib.http.client import ApiClient
from integration_pipelines.lib.http.errors import ConfigurationError, IntegrationError

INTEGRATION = "salesforce"
TOKEN_PATH = "/services/oauth2/token"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWT_LIFETIME_SECONDS = 180  # Salesforce accepts assertions that expire within about three minutes
_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")

Flow = Literal["client_credentials", "jwt_bearer"]


@dataclass(frozen=True)
class LoginSettings:
    flow: Flow
    login_url: str
    client_id: str
    client_secret: str | None = None
    username: str | None = None
    private_key: str | None = None
    audience: str | None = None  # JWT ``aud``; defaults to the login URL

    @property
    def token_url(self) -> str:
        return self.login_url.rstrip("/") + TOKEN_PATH

    def settings_hint(self) -> str:
        if self.flow == "jwt_bearer":
            return (
                "SALESFORCE_CLIENT_ID, SALESFORCE_USERNAME and SALESFORCE_PRIVATE_KEY (the key of the "
                "certificate on the connected app), and SALESFORCE_LOGIN_URL (https://test.salesforce.com "
                "for a Salesforce sandbox org)"
            )
        return "SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET, and SALESFORCE_LOGIN_URL (your My Domain URL)"

    def form(self) -> dict[str, str]:
        """The token request's form; a JWT assertion is signed fresh each time (it expires quickly)."""
        if self.flow == "client_credentials":
            return {
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self.client_secret or "",
            }
        claims = {
            "iss": self.client_id,
            "sub": self.username,
            "aud": self.audience or self.login_url.rstrip("/"),
            "exp": int(time.time()) + JWT_LIFETIME_SECONDS,
        }
        import jwt  # PyJWT and cryptography: only the JWT bearer flow signs anything

        try:
            assertion = jwt.encode(claims, self.private_key or "", algorithm="RS256")
        except (ValueError, TypeError, jwt.PyJWTError) as exc:
            raise ConfigurationError(
                INTEGRATION, f"SALESFORCE_PRIVATE_KEY is not a usable PEM RSA private key ({type(exc).__name__})"
            ) from None
        return {"grant_type": JWT_GRANT, "assertion": assertion}


class Session(httpx.Auth):
    """The current access token, applied to API calls only, and the org's API usage as last reported."""

    def __init__(self, on_usage: Callable[[int, int], None] | None = None) -> None:
        self.token: str | None = None
        self.usage: tuple[int, int] | None = None  # (used, limit) of the rolling 24-hour allowance
        self.on_usage = on_usage

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.token and not request.url.path.endswith(TOKEN_PATH):
            request.headers["Authorization"] = f"Bearer {self.token}"
        response = yield request
        match = _USAGE.search(response.headers.get("sforce-limit-info", ""))
        if match:
            self.usage = (int(match.group(1)), int(match.group(2)))
            if self.on_usage:
                self.on_usage(*self.usage)


class Login:
    """Obtains tokens; bound to the run's ApiClient so token requests get its retries and redaction."""

    def __init__(self, settings: LoginSettings, session: Session) -> None:
        self.settings = settings
        self.session = session
        self.api: ApiClient | None = None
        self.instance_url: str | None = None
        self.token_requests = 0  # successful logins this run (the first, plus one per refresh)
        self._turn = threading.RLock()  # refreshes take turns: Bulk results downloads share the session
        self._logging_in: int | None = None  # the thread whose token request is in flight

    def login(self) -> None:
        assert self.api is not None, "bind the ApiClient first"
        form = self.settings.form()
        self.api.redactor.add(form.get("assertion"))
        self._logging_in = threading.get_ident()
        try:
            body = self.api.request_json("POST", self.settings.token_url, data=form)
        finally:
            self._logging_in = None
        token, instance_url = _field(body, "access_token"), _field(body, "instance_url")
        self.api.redactor.add(token)
        self.session.token = token
        self.token_requests += 1
        if instance_url != self.instance_url:
            self.instance_url = instance_url
            self.api.set_base_url(instance_url.rstrip("/") + "/")

    def refresh(self) -> bool:
        """``on_unauthorized``: log in again once; a 401 while logging in is not retried.

        Several requests in flight when the session expires all get a 401: their refreshes take turns,
        and one that waited while another logged in retries with that token instead of logging in again."""
        if self._logging_in == threading.get_ident():
            return False
        seen = self.token_requests
        with self._turn:
            if self.token_requests != seen:
                return True
            self.login()
            return True


def _field(body: Any, name: str) -> str:
    value = body.get(name) if isinstance(body, dict) else None
    if not isinstance(value, str) or not value:
        raise IntegrationError(INTEGRATION, f"the token response has no {name!r}")
    return value


def token_error(settings: LoginSettings, response: httpx.Response) -> str:
    """What a 4xx from the token endpoint means, naming the settings to check (never their values)."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    error = body.get("error", "unknown_error") if isinstance(body, dict) else "unknown_error"
    description = body.get("error_description", "") if isinstance(body, dict) else ""
    flow = "JWT bearer" if settings.flow == "jwt_bearer" else "client credentials"
    return (
        f"Salesforce refused the {flow} login at {settings.token_url} (HTTP {response.status_code} {error}: "
        f"{description}): check {settings.settings_hint()}"
    )
