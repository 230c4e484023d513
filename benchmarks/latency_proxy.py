"""A reverse proxy that adds a fixed delay to every request, so both tools meet the same network latency.

Run as ``python -m benchmarks.latency_proxy --upstream URL --delay-ms 50``; it prints
``LATENCY PROXY READY http://127.0.0.1:PORT`` once it listens. Each request waits ``delay`` before it
is forwarded (requests in flight wait side by side, as on a real network), then the upstream's answer
is returned as is. The ``Host`` header is passed through, so URLs the upstream builds from it (Zendesk's
``after_url``) point back at the proxy.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Sequence

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

READY = "LATENCY PROXY READY "
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


def build_app(upstream: str, delay: float) -> Starlette:
    """Every method and path forwarded to ``upstream`` after ``delay`` seconds."""
    client = httpx.AsyncClient(base_url=upstream, timeout=120, limits=httpx.Limits(max_connections=256))

    async def forward(request: Request) -> Response:
        await asyncio.sleep(delay)
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP]
        answer = await client.request(
            request.method,
            request.url.path,
            params=request.url.query,
            headers=headers,
            content=await request.body(),
        )
        kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
        return Response(answer.content, status_code=answer.status_code, headers=kept)

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await client.aclose()

    return Starlette(routes=[Route("/{path:path}", forward, methods=methods)], lifespan=lifespan)


class LatencyProxy:
    """The proxy as a child process on a free loopback port; a context manager."""

    def __init__(self, upstream: str, delay_ms: float) -> None:
        command = [sys.executable, "-m", "benchmarks.latency_proxy", "--upstream", upstream]
        self._proc = subprocess.Popen([*command, "--delay-ms", str(delay_ms)], stdout=subprocess.PIPE, text=True)
        found: list[str] = []

        def read() -> None:
            assert self._proc.stdout is not None
            for line in self._proc.stdout:
                if line.startswith(READY):
                    found.append(line[len(READY) :].strip())
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(30)
        if not found:
            self._proc.kill()
            raise RuntimeError("latency proxy did not start")
        self.url = found[0]

    def __enter__(self) -> LatencyProxy:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._proc.terminate()
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", required=True, help="base URL requests are forwarded to")
    parser.add_argument("--delay-ms", type=float, default=50.0, help="added to every request (default 50)")
    args = parser.parse_args(argv)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(build_app(args.upstream, args.delay_ms / 1000), log_level="critical", access_log=False)
    server = uvicorn.Server(config)

    async def serve() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            await asyncio.sleep(0.01)
        print(f"{READY}http://127.0.0.1:{port}", flush=True)
        await task

    asyncio.run(serve())


if __name__ == "__main__":
    main()
