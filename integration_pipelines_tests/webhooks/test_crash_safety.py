"""kill -9 of the receiver while a load generator (its own process) sends: after a restart, every event
the receiver acknowledged is in the inbox exactly once, and the vendor's redeliveries add nothing."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from integration_pipelines.lib.webhooks.inbox import Inbox
from integration_pipelines_tests.fixtures.receiver import ReceiverProcess
from integration_pipelines_tests.webhooks.deliveries import INTERCOM_SECRET

pytestmark = pytest.mark.slow
EVENTS = 3000


def load(url: str, acks: Path, prefix: str = "notif_crash") -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "benchmarks.webhook_load",
            f"{url}/webhooks/intercom",
            "--secret",
            INTERCOM_SECRET,
            "--events",
            str(EVENTS),
            "--seconds",
            "60",
            "--concurrency",
            "8",
            "--acks",
            str(acks),
            "--prefix",
            prefix,
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )


def test_every_acknowledged_event_survives_a_kill(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'inbox.sqlite'}"
    acks = tmp_path / "acks.txt"
    receiver = ReceiverProcess(url, tmp_path)
    generator = load(receiver.url, acks)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not acks.exists() or len(acks.read_text().splitlines()) < 300):
        time.sleep(0.02)
    receiver.kill()  # SIGKILL mid-load
    generator.wait(90)
    acknowledged = acks.read_text().splitlines()
    assert 300 <= len(acknowledged) < EVENTS, "the kill must land while events are still being sent"

    restarted = ReceiverProcess(url, tmp_path)
    try:
        inbox = Inbox(url)
        keys = [s.event.key for s in inbox.after("intercom", 0, limit=EVENTS * 2)]
        assert len(keys) == len(set(keys))
        assert set(acknowledged) <= set(keys)
        stored_before = len(keys)
        # the vendor redelivers everything it has not seen acknowledged (here: everything, again)
        redelivery = load(restarted.url, tmp_path / "acks2.txt")
        redelivery.wait(120)
        keys = [s.event.key for s in inbox.after("intercom", 0, limit=EVENTS * 2)]
        assert len(keys) == len(set(keys)) == EVENTS >= stored_before
    finally:
        restarted.stop()
