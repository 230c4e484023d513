"""Start the sandbox as a child process and talk to its admin API (faults, limits, stats, change feed)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from vendor_sandbox.faults import FaultConfig
from vendor_sandbox.server import READY_PREFIX


class SandboxProcess:
    """A running sandbox on a free loopback port; use as a context manager."""

    def __init__(self, args: Sequence[str] = (), startup_timeout: float = 60.0) -> None:
        command = [sys.executable, "-m", "vendor_sandbox.server", "--port", "0", *args]
        self._proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        self.url = self._wait_ready(startup_timeout)
        self._admin = httpx.Client(base_url=self.url, timeout=10)

    def _wait_ready(self, timeout: float) -> str:
        found: list[str] = []

        def read() -> None:
            assert self._proc.stdout is not None
            for line in self._proc.stdout:
                if line.startswith(READY_PREFIX):
                    found.append(line[len(READY_PREFIX) :].strip())
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout)
        if not found:
            self._proc.kill()
            raise RuntimeError(f"sandbox did not start within {timeout:.0f}s (exit code {self._proc.poll()})")
        return found[0]

    def zendesk_url(self, subdomain: str = "sandbox") -> str:
        return f"{self.url}/zendesk/{subdomain}"

    def set_faults(self, config: FaultConfig | None = None, **rates: Any) -> None:
        payload = (config or FaultConfig.model_validate(rates)).model_dump()
        self._admin.put("/_sandbox/faults", json=payload).raise_for_status()

    def set_rate_limits(self, scale: float | None, window_scale: float = 1.0) -> None:
        """Scale the vendor limits (None: off); ``window_scale`` < 1 shortens their windows."""
        self._admin.put("/_sandbox/rate-limits", json={"scale": scale, "window_scale": window_scale}).raise_for_status()

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait until no request is being answered, so one test's stragglers don't count in the next."""
        deadline = time.monotonic() + timeout
        while self._admin.get("/_sandbox/health").json()["in_flight"] > 0:
            if time.monotonic() > deadline:
                raise TimeoutError("sandbox still answering requests")
            time.sleep(0.05)

    def admin(self, dialect: str, action: str, **payload: Any) -> Any:
        """Call a dialect's run-time control (see ``Dialect.admin``)."""
        response = self._admin.post(f"/_sandbox/{dialect}/{action}", json=payload)
        response.raise_for_status()
        return response.json()

    def make_changes(
        self,
        vendor: str,
        kind: str,
        count: int = 1,
        *,
        deliver: bool = True,
        url: str | None = None,
        at: datetime | None = None,
        timeout: float = 60.0,
        **options: Any,
    ) -> dict[str, Any]:
        """Change ``vendor``'s data and send the webhooks (``POST /_sandbox/changes``); returns the changes made
        (record ids, change times, event ids) and each delivery's outcome. ``options``: e.g. ``object="contacts"``."""
        payload: dict[str, Any] = {"vendor": vendor, "kind": kind, "count": count, "deliver": deliver, **options}
        if url is not None:
            payload["url"] = url
        if at is not None:
            payload["at"] = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        response = self._admin.post("/_sandbox/changes", json=payload, timeout=timeout)
        if response.status_code == 422:
            raise ValueError(response.json()["error"])
        response.raise_for_status()
        return response.json()

    def webhook_stats(self) -> dict[str, Any]:
        """Deliveries per vendor (delivered, failed, attempts, events) and the latest deliveries."""
        return self._admin.get("/_sandbox/webhooks").json()

    def reset_webhook_stats(self) -> None:
        self._admin.delete("/_sandbox/webhooks").raise_for_status()

    def stats(self) -> dict[str, dict[str, int]]:
        return self._admin.get("/_sandbox/stats").json()

    def reset_stats(self) -> None:
        self._admin.delete("/_sandbox/stats").raise_for_status()

    def stop(self) -> None:
        self._admin.close()
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
