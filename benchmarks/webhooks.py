"""Webhook receiver throughput on loopback: signed events/s accepted, p50/p99 latency, 0 lost.

``python -m benchmarks.webhooks [--events N]``. The load generator is its own process
(``benchmarks.webhook_load``). Baseline, measured in the same run with the same generator: the same
server stack (uvicorn + Starlette) answering 200 without verifying or storing anything, so the ratio
is the cost of the signature check and the durable SQLite commit. Lost = acknowledged − stored.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.figures import Figure, record
from integration_pipelines.lib.webhooks.inbox import Inbox
from integration_pipelines.webhooks_server import READY_PREFIX, launch, receiver_command

SECRET = "benchmark-intercom-secret"
ROOT = Path(__file__).resolve().parents[1]
BARE_SERVER = """
import socket, uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
async def ok(request):
    await request.body()
    return Response(b'{"status":"stored"}', media_type="application/json")
sock = socket.socket(); sock.bind(("127.0.0.1", 0)); sock.listen(2048)
print(READY + "http://127.0.0.1:" + str(sock.getsockname()[1]), flush=True)
uvicorn.Server(uvicorn.Config(Starlette(routes=[Route("/webhooks/intercom", ok, methods=["POST"])]),
               log_level="critical", access_log=False)).run(sockets=[sock])
""".replace("READY", repr(READY_PREFIX))


def start(command: list[str], env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    try:
        return launch(command, env, log.open("w"))
    except RuntimeError as error:
        raise RuntimeError(f"{error}: {log.read_text()[-2000:]}") from None


def drive(url: str, events: int, concurrency: int, prefix: str, processes: int = 2) -> dict:
    """``processes`` generators at once (one Python client alone cannot saturate the server)."""
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "benchmarks.webhook_load",
                f"{url}/webhooks/intercom",
                "--secret",
                SECRET,
                "--events",
                str(events // processes),
                "--concurrency",
                str(concurrency),
                "--seconds",
                "300",
                "--prefix",
                f"{prefix}{i}",
            ],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for i in range(processes)
    ]
    results = [json.loads(proc.communicate()[0].strip().splitlines()[-1]) for proc in procs]
    wall = time.perf_counter() - started
    acknowledged = sum(r["acknowledged"] for r in results)
    return {
        "acknowledged": acknowledged,
        "errors": sum(r["errors"] for r in results),
        "events_per_second": acknowledged / wall,
        "p50_ms": max(r["p50_ms"] for r in results),
        "p99_ms": max(r["p99_ms"] for r in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    env = {**os.environ, "INTERCOM_WEBHOOK_SECRETS": SECRET}
    with tempfile.TemporaryDirectory() as folder:
        inbox_url = f"sqlite:///{Path(folder) / 'inbox.sqlite'}"
        bare, bare_url = start([sys.executable, "-c", BARE_SERVER], env, Path(folder) / "bare.log")
        try:
            drive(bare_url, min(500, args.events), args.concurrency, "warm")
            baseline = drive(bare_url, args.events, args.concurrency, "base")
        finally:
            bare.terminate()
        receiver, url = start(
            receiver_command("--inbox-url", inbox_url, "--log-level", "critical"), env, Path(folder) / "receiver.log"
        )
        try:
            warm = drive(url, min(500, args.events), args.concurrency, "warm")
            measured = drive(url, args.events, args.concurrency, "bench")
        finally:
            receiver.terminate()
        stored = Inbox(inbox_url).count("intercom") - warm["acknowledged"]
    lost = measured["acknowledged"] - stored
    ratio = measured["events_per_second"] / baseline["events_per_second"] if baseline["events_per_second"] else 0
    print(
        f"webhook receiver, {args.events} signed Intercom events, {args.concurrency} concurrent senders, "
        f"SQLite inbox (WAL)"
    )
    print(
        f"  bare uvicorn+Starlette 200 (baseline)  {baseline['events_per_second']:>9,.0f} events/s  "
        f"p50 {baseline['p50_ms']:.1f} ms  p99 {baseline['p99_ms']:.1f} ms  1.00x baseline"
    )
    print(
        f"  receiver: verify + store + ack         {measured['events_per_second']:>9,.0f} events/s  "
        f"p50 {measured['p50_ms']:.1f} ms  p99 {measured['p99_ms']:.1f} ms  {ratio:.2f}x baseline"
    )
    print(f"  acknowledged {measured['acknowledged']}, stored {stored}, lost {lost}, errors {measured['errors']}")
    goal = measured["events_per_second"] >= 1000 and lost == 0
    record(
        Figure("other", f"webhook receiver, {lost} of {measured['acknowledged']} acknowledged events lost",
               measured["events_per_second"], "events/s", baseline["events_per_second"], "bare uvicorn+Starlette",
               goal=">= 1,000 events/s, 0 lost", benchmark="webhooks")
    )  # fmt: skip
    print(f"  goal >= 1,000 events/s with 0 lost: {'met' if goal else 'NOT met'}")


if __name__ == "__main__":
    main()
