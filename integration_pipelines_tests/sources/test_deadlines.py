"""The connectors' deadline settings reach their requests: the two requests issue #13 saw held open for
minutes by a trickling response, Salesforce's token request and an Intercom search, now end within a
bounded time with a clear error, and the same settings let a healthy sync through.

Why through the resources: the token request goes through ``salesforce/auth.py`` and searches through
the Intercom client; only the resource's fields decide which deadline each of them gets.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from integration_pipelines.lib.http.errors import RetryBudgetExhaustedError
from integration_pipelines.sources import registry
from integration_pipelines_tests.fixtures.sandbox import intercom_resource, salesforce_resource
from vendor_sandbox.faults import FaultConfig
from vendor_sandbox.process import SandboxProcess

TRICKLE = FaultConfig(rate_trickle=1.0, trickle_interval_seconds=0.25)
DEADLINES: dict[str, object] = {"request_deadline_seconds": 1.0, "max_attempts": 2, "backoff_seconds": 0.01}


def test_a_trickling_salesforce_token_request_fails_within_its_deadlines(sandbox: SandboxProcess) -> None:
    resource = salesforce_resource(sandbox, **DEADLINES)
    sandbox.set_faults(TRICKLE)
    started = time.monotonic()
    with pytest.raises(RetryBudgetExhaustedError) as caught, resource.open_client():
        pass
    assert 2.0 <= time.monotonic() - started < 3.5
    message = str(caught.value)
    assert message.startswith("[salesforce] gave up on POST ") and "/services/oauth2/token" in message
    assert "1s request deadline" in message
    assert resource.client_secret not in message

    sandbox.set_faults(FaultConfig())
    with resource.open_client() as client:
        assert client.login.token_requests == 1


def test_a_trickling_intercom_search_fails_within_its_deadlines_then_syncs(sandbox: SandboxProcess) -> None:
    resource = intercom_resource(sandbox, **DEADLINES)
    obj = registry.get("intercom").objects["conversations"]
    window = (datetime(2026, 10, 31, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    with resource.open_client() as client:
        sandbox.set_faults(TRICKLE)
        started = time.monotonic()
        with pytest.raises(RetryBudgetExhaustedError, match=r"\[intercom\] gave up on POST .*1s request deadline"):
            next(iter(client.pages(obj, *window)))
        assert 2.0 <= time.monotonic() - started < 3.5
        sandbox.set_faults(FaultConfig())
        rows = sum(page.batch.num_rows for page in client.pages(obj, *window))
    assert rows > 0
