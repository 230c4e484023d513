"""Lake writes: rows/s, file bytes, row groups and peak memory of ``DayPartitionedWriter``.

Run from the repo root:  ``python -m benchmarks.lake_write [--rows 45333] [--page 100] [--days 31]``

The pages are HubSpot contacts as the connector makes them (``records.to_record_batch`` over the real
``CONTACTS`` columns, Arabic and English names, a JSON ``_raw`` of about 460 bytes, i.e. 21 MB of
JSON for 45,333 contacts), in pages of ``--page`` rows whose ``updated_at`` is spread at random over
``--days`` UTC days (the list endpoint pages by id, so every page touches most days of the window).

Baseline: the writer before row-group buffering, reproduced by a row-group byte target of one byte
(every page's part of a day is written at once as its own row group, as ``write_batch`` did; the
files are byte for byte the size the old writer made). New: the default limits.
Each variant runs in its own process (so peak RSS is its own): pages are built first, then the
process's peak RSS is reset (Linux ``/proc/self/clear_refs``) and the pages written and committed
``--repeat`` times into fresh folders; rows/s is the best pass (wall clock, and per CPU second of
the process, which a busy machine disturbs less), the peak RSS delta the highest
over passes, over the RSS once the pages were built. The two variants' files must hold the same rows
in the same order (checked); ratios are new / baseline. ``--cap-mib`` sets the new writer's
``max_buffered_bytes``, to see what a tighter memory cap costs in row groups and bytes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.figures import Figure, record
from integration_pipelines.lib.lake import ROW_GROUP_ROWS, Lake
from integration_pipelines.lib.records import arrow_schema, to_record_batch
from integration_pipelines.sources.hubspot.objects import CONTACTS

ASSET = ("raw", "hubspot", "contacts")
START = datetime(2026, 10, 1, tzinfo=UTC)
FIRST = ("سارة", "محمد", "Fatima", "Omar", "Layla", "John", "نورة", "Ahmed", "Emily", "خالد")
LAST = ("العتيبي", "Haddad", "الشمري", "Smith", "Nasser", "القحطاني", "Khan", "Al-Rashid")
COMPANIES = ("شركة الأفق للتجارة", "Gulf Logistics LLC", "مؤسسة النخبة", "Desert Bloom Retail", "Tamr Foods")
STAGES = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer")
VARIANTS = {
    # any buffered byte is written at once: each page's part of a day becomes its own row group
    "baseline": {"row_group_rows": ROW_GROUP_ROWS, "row_group_bytes": 1, "max_buffered_bytes": 1},
    "new": {},
}


def contact(i: int, updated: datetime, rng: random.Random) -> dict:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    created = updated - timedelta(days=rng.randint(0, 900), seconds=rng.randint(0, 86_399))
    iso = "%Y-%m-%dT%H:%M:%S.%f"
    properties = {
        "createdate": created.strftime(iso)[:-3] + "Z",
        "email": f"{first.lower()}.{i}@example.com" if first.isascii() else f"user{i}@example.sa",
        "firstname": first,
        "lastname": last,
        "company": rng.choice(COMPANIES),
        "phone": f"+9665{rng.randint(10_000_000, 99_999_999)}",
        "lifecyclestage": rng.choice(STAGES),
        "associatedcompanyid": str(rng.randint(1_000, 9_999)) if rng.random() < 0.8 else "",
        "hs_language": rng.choice(("ar", "en", "ar", "en", "fr")),
        "lastmodifieddate": updated.strftime(iso)[:-3] + "Z",
        "hs_object_id": str(100_000 + i),
        "city": rng.choice(("الرياض", "Jeddah", "دبي", "Cairo", "عمّان")),
        "hs_analytics_source": rng.choice(("ORGANIC_SEARCH", "DIRECT_TRAFFIC", "PAID_SOCIAL", "OFFLINE")),
    }
    return {
        "id": str(100_000 + i),
        "properties": properties,
        "createdAt": properties["createdate"],
        "updatedAt": properties["lastmodifieddate"],
        "archived": False,
    }


def pages(rows: int, page: int, days: int, seed: int = 7) -> list[pa.RecordBatch]:
    rng = random.Random(seed)
    extracted = START + timedelta(days=days)
    records = [
        contact(i, START + timedelta(seconds=rng.randint(0, days * 86_400 - 1), microseconds=rng.randint(0, 999)), rng)
        for i in range(rows)
    ]
    return [to_record_batch(records[i : i + page], CONTACTS.columns, extracted) for i in range(0, rows, page)]


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # not Linux: a lifetime peak


def _reset_peak_rss() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS


def run_variant(variant: str, args: argparse.Namespace, keep: Path | None) -> dict:
    """In this process: build the pages, then write them ``repeat`` times; the numbers as a dict."""
    batches = pages(args.rows, args.page, args.days)
    base_kib = _rss_kib("VmRSS")
    _reset_peak_rss()
    best, best_cpu, peak_buffered = float("inf"), float("inf"), 0
    limits = dict(VARIANTS[variant])
    if variant == "new" and args.cap_mib is not None:
        limits["max_buffered_bytes"] = int(args.cap_mib * 2**20)
    for attempt in range(args.repeat):
        folder = keep if keep is not None and attempt == 0 else Path(tempfile.mkdtemp(prefix="lake-bench-"))
        writer = Lake(str(folder)).writer(ASSET, arrow_schema(CONTACTS.columns), "bench", "updated_at", **limits)
        started, started_cpu = time.perf_counter(), time.process_time()
        for batch in batches:
            writer.write(batch)
            peak_buffered = max(peak_buffered, writer.buffered_bytes)
        published = writer.commit()
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - started_cpu)
    peak_kib = _rss_kib("VmHWM")
    row_groups = sum(pq.ParquetFile(p).metadata.num_row_groups for p in published)
    return {
        "rows": sum(b.num_rows for b in batches),
        "seconds": best,
        "cpu_seconds": best_cpu,
        "files": len(published),
        "bytes": writer.bytes_written,
        "row_groups": row_groups,
        "peak_rss_delta": max(0, peak_kib - base_kib) * 1024,
        "peak_buffered": peak_buffered,
    }


def same_rows(first: Path, second: Path, days: int) -> bool:
    """Both lakes hold, day by day, the same rows in the same order."""
    one, two = Lake(str(first)), Lake(str(second))
    for n in range(days + 1):
        day = date.fromordinal(START.date().toordinal() + n)
        a, b = one.read(one.files(ASSET, [day])), two.read(two.files(ASSET, [day]))
        if not a.equals(b):
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=45_333)
    parser.add_argument("--page", type=int, default=100)
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cap-mib", type=float, help="max_buffered_bytes of the new writer (default: its own)")
    parser.add_argument("--child", choices=sorted(VARIANTS), help=argparse.SUPPRESS)
    parser.add_argument("--keep", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_variant(args.child, args, args.keep)))
        return 0

    results, folders = {}, {}
    with tempfile.TemporaryDirectory(prefix="lake-bench-") as tmp:
        for variant in VARIANTS:
            folders[variant] = Path(tmp) / variant
            command = [
                sys.executable,
                "-m",
                "benchmarks.lake_write",
                "--child",
                variant,
                "--keep",
                str(folders[variant]),
            ]
            command += ["--rows", str(args.rows), "--page", str(args.page), "--days", str(args.days)]
            command += ["--repeat", str(args.repeat)] + (["--cap-mib", str(args.cap_mib)] if args.cap_mib else [])
            done = subprocess.run(command, check=True, capture_output=True, text=True)
            results[variant] = json.loads(done.stdout.strip().splitlines()[-1])
        identical = same_rows(folders["baseline"], folders["new"], args.days)

    base, new = results["baseline"], results["new"]
    print(
        f"{base['rows']:,} HubSpot-contact rows in {args.page}-row pages over {args.days} UTC days; "
        f"{base['files']} files; best of {args.repeat} passes"
    )
    print(
        f"\n{'':<30}{'rows/s':>12}{'rows/cpu-s':>12}{'file bytes':>14}{'row groups':>12}"
        f"{'peak RSS Δ':>13}{'peak buffered':>15}"
    )
    for name, r in (("baseline (1 row group/page)", base), ("new (buffered row groups)", new)):
        print(
            f"{name:<30}{r['rows'] / r['seconds']:>12,.0f}{r['rows'] / r['cpu_seconds']:>12,.0f}"
            f"{r['bytes']:>14,}{r['row_groups']:>12,}"
            f"{r['peak_rss_delta'] / 2**20:>10.1f} MiB{r['peak_buffered'] / 2**20:>11.1f} MiB"
        )

    def ratio(key: str, invert: bool = False) -> str:
        a, b = (base[key], new[key]) if not invert else (new[key], base[key])
        return f"{b / a:.2f}x" if a else "n/a"

    print(
        f"{'new / baseline':<30}{ratio('seconds', invert=True):>12}{ratio('cpu_seconds', invert=True):>12}"
        f"{ratio('bytes'):>14}{ratio('row_groups'):>12}"
        f"{ratio('peak_rss_delta'):>13}"
    )
    print(f"\nsame rows in the same order, day by day: {'yes' if identical else 'NO'}")
    record(
        Figure("other", f"lake writes, {base['rows']:,} HubSpot contacts in {args.page}-row pages",
               new["rows"] / new["seconds"], "rows/s", base["rows"] / base["seconds"], "one row group a page",
               benchmark="lake_write")
    )  # fmt: skip
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
