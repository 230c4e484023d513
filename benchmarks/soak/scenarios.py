"""The scenarios: each returns one summary row (faults injected, rows expected/got/lost/duplicated,
secrets found, hung runs) measured on a real sandbox, real processes and the real warehouse file."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import httpx

from benchmarks.soak.runs import Home, run_until_done, start_job
from benchmarks.soak.secrets_scan import secrets_found
from benchmarks.soak.tables import TableState, compare, quarantined, readable, snapshot
from integration_pipelines.sources import registry
from integration_pipelines.stale_runs import fail_orphaned_runs
from vendor_sandbox.faults import FaultConfig
from vendor_sandbox.process import SandboxProcess

RUN_TIMEOUT = 900.0
VENDORS = registry.names()  # a run still going after this is hung (the step deadline is far shorter)


@dataclass
class Soak:
    sandbox: SandboxProcess
    root: Path
    first: str
    last: str
    baseline: dict[str, TableState] | None = None

    def home(self, name: str) -> Home:
        return Home(self.root / name, self.sandbox.url)

    def faults_injected(self) -> int:
        return sum(
            n for counts in self.sandbox.stats().values() for what, n in counts.items() if what.startswith("fault_")
        )

    def row(self, scenario: str, home: Home, outcome: dict, faults: int) -> dict:
        got = snapshot(home.warehouse) if readable(home.warehouse) else None
        figures = compare(self.baseline or {}, got) if got is not None else {"lost": -1, "duplicated": -1}
        output = [
            home.path / "logs",
            home.dagster_home / "storage",
            *sorted((home.dagster_home / "history" / "runs").glob("*.db")),
        ]
        return {
            "scenario": scenario,
            "faults": faults,
            **figures,
            "intact": got is not None,
            "runs": outcome.get("runs", 0),
            "hung_runs": outcome.get("hung_runs", 0),
            "secrets_found": len(secrets_found(output)),
            "succeeded": outcome.get("succeeded", False),
        }


def clean(soak: Soak) -> dict:
    """The baseline: the same days with no faults; every other scenario must end equal to it."""
    home = soak.home("clean")
    soak.sandbox.set_faults(None)
    outcome = run_until_done(home, "sync_all_job", soak.first, soak.last, "clean", attempts=1, timeout=RUN_TIMEOUT)
    if not outcome["succeeded"]:
        raise SystemExit(f"the clean run failed: see {home.path / 'logs'}")
    soak.baseline = snapshot(home.warehouse)
    return soak.row("clean run (baseline)", home, outcome, 0)


def fault_storm(soak: Soak, rate: float, attempts: int) -> dict:
    """Every fault type at ``rate / 6`` per request (429 bursts, 500, 503, slow, drop, truncate)."""
    home = soak.home(f"storm-{rate:.2f}")
    soak.sandbox.reset_stats()
    soak.sandbox.set_faults(FaultConfig.mixed(rate / 6, seed=7, slow_seconds=0.5))
    try:
        outcome = run_until_done(
            home, "sync_all_job", soak.first, soak.last, "storm", attempts=attempts, timeout=RUN_TIMEOUT
        )
    finally:
        faults = soak.faults_injected()
        soak.sandbox.set_faults(None)
    return soak.row(f"fault storm {rate:.0%} (up to {attempts} runs)", home, outcome, faults)


def killed_runs(soak: Soak, kills: int) -> dict:
    """SIGKILL the run ``kills`` times part-way (after its first lake file), then run it to the end."""
    home = soak.home("kill")
    lake = home.path / "lake" / "raw"
    outcome = {"runs": 0, "hung_runs": 0}
    for number in range(kills):
        before = sum(1 for _ in lake.rglob("*.parquet")) if lake.exists() else 0
        run = start_job(home, "sync_all_job", soak.first, soak.last, f"killed-{number}")
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and run.process.poll() is None:
            if lake.exists() and sum(1 for _ in lake.rglob("*.parquet")) > before:
                break
            time.sleep(0.05)
        time.sleep(0.2 * number)  # each kill lands at a different point of the pull
        run.kill()
        outcome["runs"] += 1
        with dg.DagsterInstance.from_config(str(home.dagster_home)) as instance:
            fail_orphaned_runs(instance)  # what orphaned_run_sensor does on its next tick under dagster dev
    final = run_until_done(home, "sync_all_job", soak.first, soak.last, "after-kills", attempts=1, timeout=RUN_TIMEOUT)
    return soak.row(
        f"kill -9 part-way x{kills}, then rerun", home, {**final, "runs": outcome["runs"] + final["runs"]}, kills
    )


def concurrent_runs(soak: Soak, overlapping: int) -> dict:
    """``overlapping`` runs of the same days at once (sync_all_job and main_job), then checked."""
    home = soak.home("concurrent")
    jobs = ["main_job" if i % 2 else "sync_all_job" for i in range(overlapping)]
    runs = [start_job(home, job, soak.first, soak.last, f"concurrent-{i}") for i, job in enumerate(jobs)]
    codes = [run.wait(RUN_TIMEOUT) for run in runs]
    outcome = {
        "runs": len(runs),
        "hung_runs": codes.count(None),
        "succeeded": all(code == 0 for code in codes),
    }
    row = soak.row(f"{overlapping} overlapping runs (sync_all_job + main_job)", home, outcome, 0)
    row["intact"] = row["intact"] and readable(home.path / "export.duckdb")
    return row


def trickling_server(soak: Soak, rate: float, attempts: int) -> dict:
    """A share of responses trickle one byte every 2 s: each is cut at a 5 s request deadline and
    retried; nothing may hang and nothing may be lost."""
    home = soak.home("trickle")
    home.extra_env.update({f"{vendor.upper()}_REQUEST_DEADLINE_SECONDS": "5" for vendor in VENDORS})
    soak.sandbox.reset_stats()
    soak.sandbox.set_faults(FaultConfig(rate_trickle=rate, trickle_interval_seconds=2.0, seed=5))
    try:
        outcome = run_until_done(
            home, "sync_all_job", soak.first, soak.last, "trickle", attempts=attempts, timeout=RUN_TIMEOUT
        )
    finally:
        faults = soak.faults_injected()
        soak.sandbox.set_faults(None)
    return soak.row(f"trickling responses {rate:.0%}, 5 s deadline", home, outcome, faults)


def poison_records(soak: Soak) -> dict:
    """One Zendesk ticket of each poison kind on the last day: the five broken ones must be
    quarantined, the two with bad text repaired and landed, and every other row as in a clean run."""
    home = soak.home("poison")
    admin = httpx.Client(base_url=soak.sandbox.url, timeout=30)
    made = admin.post(
        "/_sandbox/poison", json={"dialect": "zendesk", "stream": "tickets", "at": f"{soak.last}T12:00:00Z"}
    )
    made.raise_for_status()
    try:
        outcome = run_until_done(home, "sync_all_job", soak.first, soak.last, "poison", attempts=1, timeout=RUN_TIMEOUT)
    finally:
        admin.delete("/_sandbox/poison").raise_for_status()
        admin.close()
    row = soak.row(
        f"{len(made.json()['records'])} poison records (Zendesk)", home, outcome, len(made.json()["records"])
    )
    row["quarantined"] = quarantined(home.warehouse)
    return row
