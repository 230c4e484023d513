"""``python -m benchmarks.soak`` (``make soak``): prints one row per scenario and exits 1 unless every
scenario lost nothing, duplicated nothing, leaked no secret, left every DuckDB file readable and
had no hung run. Minutes, not seconds: it runs real jobs many times."""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.soak import scenarios
from vendor_sandbox.process import SandboxProcess

COLUMNS = (
    "scenario",
    "faults",
    "rows_expected",
    "rows_got",
    "lost",
    "duplicated",
    "secrets_found",
    "hung_runs",
    "runs",
    "intact",
    "quarantined",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__)
    parser.add_argument("--conversations", type=int, default=1500)
    parser.add_argument("--days", type=int, default=3, help="days synced by every run")
    parser.add_argument("--storm-rates", default="0.34,0.62", help="total fault rates of the storms")
    parser.add_argument("--trickle-rate", type=float, default=0.05, help="share of responses that trickle")
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--overlapping", type=int, default=3)
    parser.add_argument("--folder", help="keep every scenario's files here (default: a temporary folder)")
    args = parser.parse_args(argv)

    anchor = datetime(2026, 11, 1, tzinfo=UTC).date()
    last = anchor - timedelta(days=1)  # the sandbox's world ends the day before its anchor
    first = last - timedelta(days=args.days - 1)
    sandbox_args = [
        "--seed",
        "11",
        "--conversations",
        str(args.conversations),
        "--days",
        "10",
        "--anchor",
        anchor.isoformat(),
        "--rate-limits",
        "off",
        "--log-level",
        "critical",
    ]
    with tempfile.TemporaryDirectory() as scratch, SandboxProcess(sandbox_args) as sandbox:
        root = Path(args.folder or scratch)
        soak = scenarios.Soak(sandbox, root, first.isoformat(), last.isoformat())
        rows = [scenarios.clean(soak)]
        for rate in (float(r) for r in args.storm_rates.split(",") if r):
            rows.append(scenarios.fault_storm(soak, rate, attempts=4))
        rows.append(scenarios.trickling_server(soak, args.trickle_rate, attempts=4))
        rows.append(scenarios.poison_records(soak))
        rows.append(scenarios.killed_runs(soak, args.kills))
        rows.append(scenarios.concurrent_runs(soak, args.overlapping))
    print_table(rows)
    bad = [
        r["scenario"]
        for r in rows
        if r["lost"] or r["duplicated"] or r["secrets_found"] or r["hung_runs"] or not r["intact"]
    ]
    print(f"\n{'FAILED: ' + ', '.join(bad) if bad else 'OK: 0 lost, 0 duplicated, 0 secrets found, 0 hung runs'}")
    return 1 if bad else 0


def print_table(rows: list[dict]) -> None:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in COLUMNS}
    print("| " + " | ".join(c.ljust(widths[c]) for c in COLUMNS) + " |")
    print("|" + "|".join("-" * (widths[c] + 2) for c in COLUMNS) + "|")
    for row in rows:
        print("| " + " | ".join(str(row.get(c, "")).ljust(widths[c]) for c in COLUMNS) + " |")


if __name__ == "__main__":
    sys.exit(main())
