"""The sandbox's Salesforce login server: ``POST /services/oauth2/token`` and the sessions it issues.

Two grants, as a connected app offers them to integrations: client credentials (``client_id`` +
``client_secret``) and the JWT bearer flow (an RS256 assertion with ``iss`` = client id, ``sub`` =
username, ``aud`` = the login URL and a future ``exp``, checked against the certificate or public
key registered with ``POST /_sandbox/salesforce/jwt-key``). Errors use OAuth's shape
(``{"error": "invalid_client", "error_description": ...}``, HTTP 400) as Salesforce's do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import Any
from urllib.parse import parse_qsl

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from starlette.requests import Request
from starlette.responses import Response

from vendor_sandbox.dialect import json_response
from vendor_sandbox.dialects.salesforce.render import INTEGRATION_USER_ID, ORG_ID

CLIENT_ID = "3MVG9sandbox.salesforce.connected.app.client.id"
CLIENT_SECRET = "sandbox-salesforce-client-secret"
USERNAME = "integration@sandbox.example"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
PUBLIC_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")


def oauth_error(error: str, description: str) -> Response:
    return json_response({"error": error, "error_description": description}, 400)


def load_public_key(pem: str) -> Any:
    """A PEM public key or X.509 certificate (what a connected app's "Use digital signatures" takes)."""
    try:
        if "BEGIN CERTIFICATE" in pem:
            return x509.load_pem_x509_certificate(pem.encode()).public_key()
        return serialization.load_pem_public_key(pem.encode())
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a PEM public key or certificate: {exc}") from None


class LoginServer:
    """Issues and checks access tokens; sessions can be expired at run time."""

    def __init__(self) -> None:
        self.sessions: dict[str, str] = {}  # access token → grant that issued it
        self.tokens_issued = 0
        self.public_key: Any = None

    def valid(self, token: str) -> bool:
        return token in self.sessions

    def expire_all(self) -> int:
        expired, self.sessions = len(self.sessions), {}
        return expired

    async def token(self, request: Request, instance_url: str) -> Response:
        form = dict(parse_qsl((await request.body()).decode(errors="replace")))
        grant = form.get("grant_type", "")
        if grant == "client_credentials":
            if form.get("client_id") != CLIENT_ID:
                return oauth_error("invalid_client_id", "client identifier invalid")
            if not hmac.compare_digest(form.get("client_secret", "").encode(), CLIENT_SECRET.encode()):
                return oauth_error("invalid_client", "invalid client credentials")
        elif grant == JWT_GRANT:
            login_url = f"{request.url.scheme}://{request.url.netloc}"
            error = self._check_assertion(form.get("assertion", ""), (login_url, instance_url))
            if error is not None:
                return error
        else:
            return oauth_error("unsupported_grant_type", "grant type not supported")
        token = f"{ORG_ID[:15]}!{secrets.token_urlsafe(48)}"
        self.sessions[token] = grant
        self.tokens_issued += 1
        identity = f"{instance_url}/id/{ORG_ID}/{INTEGRATION_USER_ID}"
        issued_at = str(int(time.time() * 1000))
        signature = hmac.new(CLIENT_SECRET.encode(), (identity + issued_at).encode(), hashlib.sha256).digest()
        return json_response(
            {
                "access_token": token,
                "signature": base64.b64encode(signature).decode(),
                "scope": "api",
                "instance_url": instance_url,
                "id": identity,
                "token_type": "Bearer",
                "issued_at": issued_at,
            }
        )

    def _check_assertion(self, assertion: str, own_urls: tuple[str, ...]) -> Response | None:
        if self.public_key is None:
            return oauth_error("invalid_client", "no certificate is registered for this connected app")
        try:
            claims = jwt.decode(
                assertion,
                self.public_key,
                algorithms=["RS256"],
                audience=[*PUBLIC_AUDIENCES, *own_urls],
                issuer=CLIENT_ID,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.InvalidIssuerError:
            return oauth_error("invalid_client_id", "client identifier invalid")
        except jwt.InvalidAudienceError:
            return oauth_error("invalid_grant", "audience is invalid")
        except jwt.ExpiredSignatureError:
            return oauth_error("invalid_grant", "expired assertion")
        except jwt.PyJWTError:
            return oauth_error("invalid_grant", "invalid assertion")
        if claims.get("sub") != USERNAME:
            return oauth_error("invalid_grant", "user hasn't approved this consumer")
        return None
