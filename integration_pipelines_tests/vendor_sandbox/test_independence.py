"""The sandbox stands apart from the client it tests: it never imports ``integration_pipelines``.

A sandbox that borrowed the client's limits, headers or prompt parser would agree with the client
by construction, so a wrong vendor fact would pass every test. Checked in a fresh interpreter,
because this test process has long imported the client.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import vendor_sandbox

PACKAGE_DIR = Path(vendor_sandbox.__file__).resolve().parent

# Imports the server, app, process and every dialect module, builds a world and a CRM, and reports
# which modules got imported and which files the sandbox's own code opened that are not code.
PROBE = """
import importlib, json, pkgutil, sys, sysconfig
from datetime import UTC, datetime

opened = []
stdlib = (sysconfig.get_paths()["stdlib"], "<frozen")

def audit(event, args):
    # files the sandbox opens itself, directly or through the standard library
    if event != "open" or not isinstance(args[0], str) or args[0].endswith((".py", ".pyc", ".so")):
        return
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(stdlib):
        frame = frame.f_back
    if frame is not None and "vendor_sandbox" in frame.f_code.co_filename:
        opened.append(args[0])

sys.addaudithook(audit)
import vendor_sandbox.dialects
for name in ("vendor_sandbox.server", "vendor_sandbox.app", "vendor_sandbox.process"):
    importlib.import_module(name)
dialects = [m.name for m in pkgutil.walk_packages(vendor_sandbox.dialects.__path__, "vendor_sandbox.dialects.")]
for name in dialects:
    importlib.import_module(name)
from vendor_sandbox.crm import build_crm
from vendor_sandbox.world import WorldConfig, build_world
build_crm(build_world(WorldConfig(seed=3, tickets=50, days=3, anchor=datetime(2026, 1, 1, tzinfo=UTC))), leads=20)
print(json.dumps({"modules": sorted(sys.modules), "dialects": dialects, "opened": opened}))
"""


def _probe() -> dict[str, list[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_sandbox_imports_nothing_of_the_client_and_reads_only_its_own_files() -> None:
    probe = _probe()
    assert len(probe["dialects"]) >= 6  # the probe really imported the dialect modules
    client = [m for m in probe["modules"] if m == "integration_pipelines" or m.startswith("integration_pipelines.")]
    assert client == []
    outside = [p for p in probe["opened"] if not Path(p).resolve().is_relative_to(PACKAGE_DIR)]
    assert outside == []
