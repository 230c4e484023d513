"""Fixtures of the change-feed tests: one receiver and one webhook-sending sandbox for the session.

Named apart from the session's ``sandbox`` fixture, which the other sandbox tests here rely on.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from integration_pipelines_tests.fixtures.sandbox import TEST_WORLD, reset_sandbox, sandbox_args
from integration_pipelines_tests.vendor_sandbox.change_feed_support import VENDORS
from integration_pipelines_tests.vendor_sandbox.webhook_receiver import Receiver
from vendor_sandbox.process import SandboxProcess


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(scope="session")
def feed_server(receiver: Receiver) -> Iterator[SandboxProcess]:
    """Three attempts, 50 ms backoff, 2 s timeout: vendor-like retries, sized for tests."""
    args = [
        *sandbox_args(TEST_WORLD, ",".join(VENDORS)),
        "--webhooks-to",
        receiver.url,
        "--webhook-attempts",
        "3",
        "--webhook-backoff",
        "0.05",
        "--webhook-timeout",
        "2",
    ]
    with SandboxProcess(args) as server:
        yield server


@pytest.fixture
def feed_sandbox(feed_server: SandboxProcess, receiver: Receiver) -> SandboxProcess:
    """The seeded world again (changes undone), zeroed webhook stats and an empty receiver."""
    reset_sandbox(feed_server, *VENDORS)
    feed_server.reset_webhook_stats()
    receiver.clear()
    return feed_server


@pytest.fixture
def when() -> datetime:
    """A change time past Zendesk's one-minute export lag and after everything in the seeded world."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
