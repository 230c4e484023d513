"""Loopback stand-ins for where alerts go: Slack's and Twilio's HTTP APIs, and an SMTP server.

Each records exactly what arrived (headers and raw body, or the raw email), so a test can look for a
secret in every form it could travel in.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
import ssl
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from integration_pipelines_tests.fixtures.net import free_port

TWILIO_MESSAGES = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages\.json$")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def raw(self) -> bytes:
        return "\n".join(f"{k}: {v}" for k, v in self.headers.items()).encode() + b"\n\n" + self.body

    def json(self) -> dict:
        return json.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode())


@dataclass
class VendorApis:
    """Slack's ``chat.postMessage`` under ``{url}/api`` and Twilio's Messages endpoint under ``{url}``.

    ``failing`` holds "slack" or "twilio" to answer 500; ``delay`` delays Twilio's answer (seconds)."""

    requests: list[Request] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)
    delay: float = 0.0
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def slack(self) -> list[Request]:
        return [r for r in self.requests if r.path == "/api/chat.postMessage"]

    def twilio(self) -> list[Request]:
        return [r for r in self.requests if TWILIO_MESSAGES.match(r.path)]

    def answer(self, request: Request) -> tuple[int, dict]:
        if request.path == "/api/chat.postMessage":
            if "slack" in self.failing:
                return 500, {"ok": False, "error": "internal_error"}
            return 200, {"ok": True, "channel": "C0ALERTS", "ts": "1761800000.000100"}
        if match := TWILIO_MESSAGES.match(request.path):
            time.sleep(self.delay)
            if "twilio" in self.failing:
                return 500, {"code": 20500, "message": "Internal Server Error", "status": 500}
            return 201, {"sid": "SM" + "0" * 32, "account_sid": match.group(1), "status": "queued"}
        return 404, {"error": "not found"}

    def start(self) -> VendorApis:
        apis = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                request = Request("POST", self.path, dict(self.headers.items()), body)
                apis.requests.append(request)
                status, payload = apis.answer(request)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first (its timeout): what the timeout test wants

            def log_message(self, *args: object) -> None:
                pass

        for attempt in range(5):
            try:
                self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
                break
            except OSError:
                if attempt == 4:
                    raise
        assert self.server is not None
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@dataclass(frozen=True)
class Email:
    mail_from: str
    recipients: list[str]
    raw: bytes

    def parsed(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)  # type: ignore[return-value]


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and its key): the SMTP server's, and the clients' only trusted CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp.pem", folder / "smtp.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@dataclass
class SmtpServer:
    """aiosmtpd on a free loopback port offering STARTTLS, accepting any login (recorded) only over TLS."""

    certificate: tuple[Path, Path]
    emails: list[Email] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    controller: Controller | None = None
    port: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.emails.append(
            Email(str(envelope.mail_from), list(envelope.rcpt_tos), bytes(envelope.original_content or b""))
        )
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: object
    ) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=True)

    def start(self) -> SmtpServer:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(*self.certificate)
        for attempt in range(5):
            port = free_port()
            controller = Controller(
                self,
                hostname="127.0.0.1",
                port=port,
                tls_context=tls,
                require_starttls=False,
                authenticator=self.authenticate,
                auth_require_tls=True,
            )
            try:
                controller.start()
            except Exception:
                if attempt == 4:
                    raise
                continue
            self.controller, self.port = controller, port
            return self
        raise AssertionError("unreachable")

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
