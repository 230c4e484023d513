"""A real ``dagster dev`` (webserver + daemon) on loopback, pointed at the sandbox, and headless Chromium.

Why the real thing: what an operator does is click in the UI, and the UI, the backfill daemon and a
run process in a fresh interpreter each read the definitions their own way; an in-process run sees
none of that. Both servers live in process groups of their own and are killed with the test, even
when it fails.

Chromium is Debian's (``/usr/bin/chromium``, installed by ``.ci/run``; ``UI_TEST_CHROMIUM`` names
another binary), driven through Playwright's Python package: Playwright's own browser download is
not used. Screenshots and the ``dagster dev`` log go to ``UI_TEST_ARTIFACTS`` (default
``integration_pipelines_tests/artifacts/ui/``, git-ignored).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import httpx
import pytest

from integration_pipelines.local_instance import ensure_local_instance
from integration_pipelines_tests.fixtures.net import free_port, http_ok
from integration_pipelines_tests.fixtures.sandbox import TEST_LEADS, TEST_WORLD, sandbox_args
from vendor_sandbox.crm import build_crm
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World, build_world

# The test world, anchored at today's midnight (UTC): the backfill dialog lists the last 90 days of
# partitions, so days fixed in the calendar would fall out of it as time passes.
UI_WORLD = dataclasses.replace(
    TEST_WORLD, anchor=datetime.combine(datetime.now(UTC).date(), datetime.min.time(), tzinfo=UTC)
)

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("UI_TEST_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling home, which a closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_TIMEOUT_SECONDS = 240  # dagster dev loads the definitions twice (webserver, daemon): slow on 2 cores
UI_TIMEOUT_MS = 90_000


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(UI_WORLD)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    """A sandbox of the module's own, serving the today-anchored world."""
    with SandboxProcess(sandbox_args(UI_WORLD)) as server:
        yield server


def zendesk_ticket_ids(world: World, day: date) -> set[int]:
    """The Zendesk tickets the sandbox serves as last updated on ``day`` (UTC)."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    tickets = build_crm(world, leads=TEST_LEADS).conversations(world, "zendesk")
    return {c.id for c in tickets if start <= c.updated_at < start + timedelta(days=1)}


@pytest.fixture(scope="module")
def days(world: World) -> tuple[str, str]:
    """Two adjacent complete days before the anchor whose ticket counts differ, so a two-day total on
    both days cannot pass for either day's own count."""
    anchor = UI_WORLD.anchor.date()
    for back in range(2, UI_WORLD.days):
        first, second = anchor - timedelta(days=back), anchor - timedelta(days=back - 1)
        if len(zendesk_ticket_ids(world, first)) != len(zendesk_ticket_ids(world, second)):
            return first.isoformat(), second.isoformat()
    raise AssertionError("every day of the world has as many tickets as the next")


@dataclass
class DagsterDev:
    url: str
    dagster_home: Path
    home: Path  # INTEGRATION_PIPELINES_HOME: the lake is {home}/lake
    log: Path

    def instance(self) -> dg.DagsterInstance:
        return dg.DagsterInstance.from_config(str(self.dagster_home))

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def stop_group(proc: subprocess.Popen, grace_seconds: float = 10.0) -> None:
    """SIGTERM the process group, then SIGKILL whatever of it is left (dagster dev's code servers and
    run workers share its group and do not always follow the leader out)."""
    try:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(grace_seconds)
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def dev_environment(sandbox: SandboxProcess, dagster_home: Path, home: Path) -> dict[str, str]:
    """As ``test_killed_runs``: the local environment, every vendor (and the LLM) at the sandbox with the
    sandbox's credentials (the local defaults), nothing inherited that would move the lake or DuckDB."""
    env = {
        **os.environ,
        "INTEGRATION_PIPELINES_ENV": "local",
        "INTEGRATION_PIPELINES_HOME": str(home),
        "INTEGRATION_PIPELINES_SANDBOX_URL": sandbox.url,
        "DAGSTER_HOME": str(dagster_home),
    }
    for moved in ("INTEGRATION_PIPELINES_LAKE_URL", "INTEGRATION_PIPELINES_DUCKDB_PATH"):
        env.pop(moved, None)
    return env


LOCATION_QUERY = """
{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus
    locationOrLoadError { __typename ... on PythonError { message } } } } } }
"""


def assert_location_loaded(dev: DagsterDev, timeout: float = STARTUP_TIMEOUT_SECONDS) -> None:
    """The code location loaded (the webserver answers even when the definitions fail to load)."""
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.post(f"{dev.url}/graphql", json={"query": LOCATION_QUERY}, timeout=30)
        response.raise_for_status()
        entries = response.json()["data"]["workspaceOrError"]["locationEntries"]
        loaded = [e for e in entries if e["loadStatus"] == "LOADED"]
        if loaded:
            (entry,) = loaded
            location = entry["locationOrLoadError"] or {}
            assert location.get("__typename") == "RepositoryLocation", (
                f"code location {entry['name']} failed to load: {location.get('message')}"
            )
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"code location not loaded after {timeout:.0f}s: {entries}\n{dev.log_tail()}")
        time.sleep(1.0)


@pytest.fixture
def ui_artifacts() -> Path:
    """Where the screenshots are kept after the test (printed, and named in failures)."""
    folder = Path(os.environ.get("UI_TEST_ARTIFACTS") or REPO / "integration_pipelines_tests" / "artifacts" / "ui")
    folder.mkdir(parents=True, exist_ok=True)
    for old in [*folder.glob("*.png"), folder / "dagster-dev.log"]:
        old.unlink(missing_ok=True)
    print(f"\nUI test artifacts: {folder}")
    return folder


@pytest.fixture
def dagster_dev(sandbox: SandboxProcess, tmp_path: Path, ui_artifacts: Path) -> Iterator[DagsterDev]:
    """``dagster dev -w workspace.yaml`` (as ``make dev``) in a temporary home, on a free loopback port."""
    dagster_home, home = tmp_path / "dagster_home", tmp_path / "home"
    config = ensure_local_instance(dagster_home)
    nux_off = "\n# the UI test: no newsletter prompt over the page\nnux:\n  enabled: false\n"
    config.write_text(config.read_text() + nux_off)
    env = dev_environment(sandbox, dagster_home, home)
    log = ui_artifacts / "dagster-dev.log"
    for _attempt in range(3):  # the free port may be taken before dagster dev binds it
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        with log.open("ab") as out:
            proc = subprocess.Popen(
                [BIN / "dagster", "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
            while proc.poll() is None and not http_ok(f"{url}/server_info", timeout=2.0):
                if time.monotonic() > deadline:
                    raise AssertionError(f"dagster dev did not answer within {STARTUP_TIMEOUT_SECONDS}s; log: {log}")
                time.sleep(1.0)
            if proc.poll() is not None:
                stop_group(proc)
                continue
            dev = DagsterDev(url=url, dagster_home=dagster_home, home=home, log=log)
            assert_location_loaded(dev)
            yield dev
            return
        finally:
            stop_group(proc)
    raise AssertionError(f"dagster dev exited before answering, three times; log: {log}")


@pytest.fixture
def page(tmp_path: Path) -> Iterator:
    """A page of headless Chromium with a fresh profile."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium (as .ci/run does), or set UI_TEST_CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1600, "height": 1000},
        )
        try:
            context.set_default_timeout(UI_TIMEOUT_MS)
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()
