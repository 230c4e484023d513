"""A tiny webhook receiver for the change-feed tests: records every POST, answers from a script.

A plain ``http.server`` in a thread, so the tests check the sandbox's deliveries over real HTTP
without sharing anything with the project's own receiver.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SOAP_ACK = (
    b'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
    b'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
    b'<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack>'
    b"</notificationsResponse></soapenv:Body></soapenv:Envelope>"
)


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str:
        return next(v for k, v in self.headers.items() if k.lower() == name.lower())


class Receiver:
    """Records deliveries per path; ``script(path, 500, 500)`` makes the next answers there fail, and
    after them it answers 200 with a SOAP acknowledgement (which the JSON vendors ignore)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._scripts: dict[str, deque[tuple[int, bytes, float]]] = defaultdict(deque)
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with receiver._lock:
                    receiver.received.append(Received(self.path, dict(self.headers.items()), body))
                    script = receiver._scripts[self.path]
                    status, answer, delay = script.popleft() if script else (200, SOAP_ACK, 0.0)
                time.sleep(delay)
                self.send_response(status)
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/webhooks"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def script(self, path: str, *answers: int | tuple[int, bytes] | tuple[int, bytes, float]) -> None:
        """The next answers at ``path``: a status, (status, body) or (status, body, seconds to wait first)."""
        with self._lock:
            for answer in answers:
                status, body, delay = (answer, b"", 0.0) if isinstance(answer, int) else (*answer, 0.0)[:3]
                self._scripts[path].append((status, body, delay))

    def at(self, vendor: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == f"/webhooks/{vendor}"]

    def clear(self) -> None:
        with self._lock:
            self.received.clear()
            self._scripts.clear()

    def wait_for(self, vendor: str, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.at(vendor)) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.at(vendor)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
