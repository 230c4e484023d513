"""Dagster's own `dg` CLI loads and checks the code location, and what it lists matches the reviewed
snapshot: an unintended change to an asset key, check, job, schedule or sensor shows in review.

After an intended change, refresh the snapshot with ``UPDATE_SNAPSHOTS=1 make test`` (or this module
alone) and commit it with the change.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = Path(__file__).resolve().parent / "snapshots" / "definitions.json"
DG = str(Path(sys.executable).parent / "dg")


def dg_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The local environment with an instance of its own (the repo's dagster.yaml wants PostgreSQL)."""
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EXPORT_", "INTEGRATION_PIPELINES_"))}
    return {
        **env,
        "DAGSTER_HOME": str(home),
        "INTEGRATION_PIPELINES_ENV": "local",
        "INTEGRATION_PIPELINES_HOME": str(tmp_path / "home"),
        **extra,
    }


def listed(tmp_path: Path) -> dict[str, list]:
    out = subprocess.run(
        [DG, "list", "defs", "--json"],
        cwd=ROOT,
        env=dg_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    defs = json.loads(out)
    return {  # one line per definition, so a review diff reads as a list of what changed
        "assets": sorted(
            f"{a['asset_key']} group={a['group_name']} kinds={','.join(sorted(a['kinds']))} "
            f"deps={','.join(sorted(a['dependency_keys']))}"
            for a in defs["assets"]
        ),
        "asset_checks": sorted(c["key"] for c in defs["asset_checks"]),
        "jobs": sorted(j["name"] for j in defs["jobs"]),
        "schedules": sorted(f"{s['name']} cron={s['cron_schedule']}" for s in defs["schedules"]),
        "sensors": sorted(s["name"] for s in defs["sensors"]),
        "resources": sorted(f"{r['name']} {r['type']}" for r in defs["resources"]),
    }


@pytest.mark.slow
def test_dg_check_defs_passes(tmp_path: Path) -> None:
    proc = subprocess.run(
        [DG, "check", "defs"], cwd=ROOT, env=dg_env(tmp_path), capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "All definitions loaded successfully" in proc.stdout + proc.stderr


@pytest.mark.slow
def test_dg_check_defs_fails_on_a_malformed_setting(tmp_path: Path) -> None:
    """A mistyped variable stops the load with its name, rather than surfacing in the first run."""
    proc = subprocess.run(
        [DG, "check", "defs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=dg_env(tmp_path, INTERCOM_REQUESTS_PER_MINUTE="ten thousand"),
    )
    assert proc.returncode != 0
    assert "INTERCOM_REQUESTS_PER_MINUTE must be a number" in proc.stdout + proc.stderr


@pytest.mark.slow
def test_definitions_match_the_reviewed_snapshot(tmp_path: Path) -> None:
    current = listed(tmp_path)
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(current, indent=1) + "\n")
    expected = json.loads(SNAPSHOT.read_text())
    for part in expected:
        assert current[part] == expected[part], (
            f"the definitions' {part} changed; if intended, refresh with UPDATE_SNAPSHOTS=1 (see module docstring)"
        )
    assert set(current) == set(expected)


def test_loading_the_definitions_never_imports_the_sandbox(tmp_path: Path) -> None:
    """Production code does not depend on the fake vendor server, in either environment."""
    script = (
        "import sys, integration_pipelines.definitions as d; d.defs(); "
        "print(sorted(m for m in sys.modules if m == 'vendor_sandbox' or m.startswith('vendor_sandbox.')))"
    )
    for environment in ("prod", "local"):
        out = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
            env=dg_env(tmp_path, INTEGRATION_PIPELINES_ENV=environment),
        ).stdout
        assert out.strip().splitlines()[-1] == "[]", environment
