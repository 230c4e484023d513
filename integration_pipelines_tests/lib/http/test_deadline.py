"""Total deadlines on the one HTTP client, against the real sandbox trickling its bodies.

Why: httpx only bounds each read, so a server sending one byte every few seconds kept requests open
for minutes (issue #13). These tests make the sandbox trickle and show each attempt is cut at its
deadline (not at the next byte), the cut is retried and then fails with a message an operator can
act on, the step's deadline fails the step without retrying, and a healthy request still succeeds.
"""

from __future__ import annotations

import time

import pytest

from integration_pipelines.lib.http.auth import BearerAuth
from integration_pipelines.lib.http.client import ApiClient
from integration_pipelines.lib.http.errors import RetryBudgetExhaustedError, StepDeadlineExceededError
from integration_pipelines.lib.http.redact import Redactor
from integration_pipelines.lib.http.retry import RetryPolicy
from vendor_sandbox.dialects import intercom as intercom_sandbox
from vendor_sandbox.faults import FaultConfig
from vendor_sandbox.process import SandboxProcess

SECRET = "query-secret-5e1f"


def intercom_api(sandbox: SandboxProcess, **options: object) -> ApiClient:
    settings: dict[str, object] = {
        "auth": BearerAuth(intercom_sandbox.ACCESS_TOKEN),
        "headers": {"Intercom-Version": "2.11"},
        "timeout": 5.0,
        "retry": RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02),
        "redactor": Redactor([SECRET]),
        **options,
    }
    return ApiClient("intercom", f"{sandbox.url}/intercom", **settings)  # type: ignore[arg-type]


def test_a_trickle_is_cut_at_each_deadline_retried_then_fails_clearly(sandbox: SandboxProcess) -> None:
    """Three attempts of 1 s each against a body arriving a byte per 0.3 s: every read succeeds, so only
    the total deadline ends them; the error names the vendor, the redacted URL and the deadline."""
    sandbox.set_faults(FaultConfig(rate_trickle=1.0, trickle_interval_seconds=0.3))
    with intercom_api(sandbox, request_deadline=1.0) as api:
        started = time.monotonic()
        with pytest.raises(RetryBudgetExhaustedError) as caught:
            api.request_json("GET", "/me", params={"api_key": SECRET})
        elapsed = time.monotonic() - started
        message = str(caught.value)
        assert 3.0 <= elapsed < 4.5, elapsed
        assert message.startswith("[intercom] gave up on GET ") and "/intercom/me" in message
        assert "after 3 attempt(s)" in message and "1s request deadline" in message
        assert SECRET not in message
        assert api.metrics.retries == 2 and api.metrics.transport_errors == 3
        assert sandbox.stats()["intercom"]["fault_trickle"] == 3

        sandbox.set_faults(FaultConfig())
        assert api.request_json("GET", "/me")["type"] == "admin"  # the same client, healthy again


def test_a_read_blocked_past_the_deadline_is_woken_at_the_deadline(sandbox: SandboxProcess) -> None:
    """A byte every 1.5 s never trips the (shrunk) 2 s read timeout; checking the clock between chunks
    alone would notice only at the byte of 3.0 s. The watchdog ends the attempt at 2.0 s."""
    sandbox.set_faults(FaultConfig(rate_trickle=1.0, trickle_interval_seconds=1.5))
    with intercom_api(sandbox, request_deadline=2.0, retry=RetryPolicy(max_attempts=1)) as api:
        started = time.monotonic()
        with pytest.raises(RetryBudgetExhaustedError, match="2s request deadline"):
            api.request_json("GET", "/me")
        assert 1.9 <= time.monotonic() - started < 2.6


def test_a_slow_but_complete_response_is_within_its_deadline(sandbox: SandboxProcess) -> None:
    """The deadline bounds the whole response, it does not shorten a healthy one."""
    sandbox.set_faults(FaultConfig(rate_slow=1.0, slow_seconds=0.8))
    with intercom_api(sandbox, request_deadline=2.0) as api:
        assert api.request_json("GET", "/me")["type"] == "admin"
        assert api.metrics.retries == 0


def test_the_step_deadline_fails_the_step_without_retrying(sandbox: SandboxProcess) -> None:
    """A request still trickling when the step's deadline passes is cut there and not retried (a retry
    would hold the vendor's pool longer); every later request fails at once, before reaching the vendor."""
    sandbox.set_faults(FaultConfig(rate_trickle=1.0, trickle_interval_seconds=0.3))
    started = time.monotonic()  # the step's clock starts with the client, so measure from before it
    with intercom_api(sandbox, request_deadline=30.0, step_deadline=1.5) as api:
        with pytest.raises(StepDeadlineExceededError) as caught:
            api.request_json("GET", "/me", params={"api_key": SECRET})
        assert 1.5 <= time.monotonic() - started < 3.0  # cut at the step's 1.5 s, far before the 30 s request deadline
        message = str(caught.value)
        assert message.startswith("[intercom] the step ran past its 1.5s deadline (step_deadline_seconds")
        assert "GET " in message and "/intercom/me" in message and SECRET not in message
        assert api.metrics.retries == 0

        sandbox.set_faults(FaultConfig())
        sandbox.wait_idle()
        sandbox.reset_stats()
        with pytest.raises(StepDeadlineExceededError):
            api.request_json("GET", "/me")
        assert sandbox.stats().get("intercom", {}).get("requests", 0) == 0


@pytest.mark.parametrize("deadlines", [{"request_deadline": 0.0}, {"step_deadline": -1.0}])
def test_deadlines_must_be_positive(deadlines: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="positive"):
        ApiClient("intercom", "http://127.0.0.1:9", **deadlines)  # type: ignore[arg-type]
