"""A bounded webhook load generator (its own process, loopback only): signed Intercom notifications.

Each acknowledged event id is appended to ``--acks`` and flushed before the next is sent, so a test
that kills the receiver mid-load knows exactly which events were acknowledged. Stops after
``--events`` sends or ``--seconds``, whichever comes first; connection errors are counted, not retried
(a vendor's retry is the test's to simulate).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import statistics
import sys
import time

import httpx


def notification(index: int, prefix: str) -> tuple[str, bytes]:
    event_id = f"{prefix}-{index}"
    body = json.dumps(
        {
            "type": "notification_event",
            "id": event_id,
            "topic": "conversation.user.replied",
            "created_at": int(time.time()),
            "data": {"type": "notification_event_data", "item": {"type": "conversation", "id": str(index)}},
        }
    )
    return event_id, body.encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url", help="the receiver's Intercom route, e.g. http://127.0.0.1:8900/webhooks/intercom")
    parser.add_argument("--secret", required=True)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--prefix", default="notif_load")
    parser.add_argument("--acks", default=None, help="file to append acknowledged event ids to")
    args = parser.parse_args(argv)
    if not args.url.startswith(("http://127.", "http://localhost", "http://[::1]")):
        parser.error("loopback receivers only")
    latencies: list[float] = []
    errors = [0]
    counter = iter(range(args.events))
    acks = open(args.acks, "a") if args.acks else None  # noqa: SIM115 - shared by the senders, closed below
    deadline = time.monotonic() + args.seconds

    async def sender(client: httpx.AsyncClient) -> None:
        while time.monotonic() < deadline:
            index = next(counter, None)
            if index is None:
                return
            event_id, body = notification(index, args.prefix)
            signature = "sha1=" + hmac.new(args.secret.encode(), body, hashlib.sha1).hexdigest()
            started = time.perf_counter()
            try:
                response = await client.post(
                    args.url, content=body, headers={"X-Hub-Signature": signature, "Content-Type": "application/json"}
                )
            except httpx.HTTPError:
                errors[0] += 1
                continue
            if response.status_code != 200:
                errors[0] += 1
                continue
            latencies.append(time.perf_counter() - started)
            if acks:
                acks.write(event_id + "\n")
                acks.flush()

    async def run() -> None:
        limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
        async with httpx.AsyncClient(timeout=10, limits=limits) as client:
            await asyncio.gather(*(sender(client) for _ in range(args.concurrency)))

    began = time.perf_counter()
    asyncio.run(run())
    wall = time.perf_counter() - began
    if acks:
        acks.close()
    ordered = sorted(latencies) or [0.0]
    print(
        json.dumps(
            {
                "acknowledged": len(latencies),
                "errors": errors[0],
                "seconds": round(wall, 3),
                "events_per_second": round(len(latencies) / wall, 1) if wall else 0.0,
                "p50_ms": round(statistics.median(ordered) * 1000, 2),
                "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
