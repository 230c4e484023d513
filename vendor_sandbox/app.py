"""The sandbox ASGI app: mounts each dialect behind one guard that applies faults, auth and limits.

Admin endpoints under ``/_sandbox`` let tests and benchmarks change faults and rate limits at run
time and read what the server did (requests served, faults injected, 429s sent); the change feed's
(``changefeed/routes.py``) make changes in the vendors' data and send their webhooks.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import Counter
from collections.abc import AsyncIterator, Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vendor_sandbox.changefeed.feed import ChangeFeed
from vendor_sandbox.changefeed.routes import change_routes
from vendor_sandbox.changefeed.settings import WebhookSettings
from vendor_sandbox.dialect import Dialect, json_response
from vendor_sandbox.faults import FaultConfig, FaultInjector
from vendor_sandbox.poison import poison_routes
from vendor_sandbox.ratelimits import FixedWindowLimiter


class SandboxStats:
    """Per-dialect counters of what the server did, for assertions and benchmark reports."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, Counter[str]] = {}
        self.in_flight = 0  # requests still being answered (e.g. slow faults a client gave up on)

    def enter(self) -> None:
        with self._lock:
            self.in_flight += 1

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def count(self, dialect: str, what: str) -> None:
        with self._lock:
            self._counts.setdefault(dialect, Counter())[what] += 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {name: dict(counter) for name, counter in self._counts.items()}

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


class Guard:
    """ASGI middleware around one dialect: faults first, then account, auth and rate limit."""

    def __init__(
        self, app: ASGIApp, dialect: Dialect, faults: FaultInjector, limiter: FixedWindowLimiter, stats: SandboxStats
    ) -> None:
        self.app, self.dialect, self.faults, self.limiter, self.stats = app, dialect, faults, limiter, stats

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.stats.enter()
        try:
            await self._guarded(scope, receive, send)
        finally:
            self.stats.leave()

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = self.dialect.name
        request = Request(scope, receive)
        self.stats.count(name, "requests")
        fault = self.faults.draw()
        if fault in ("429", "500", "503", "slow"):  # applied here; drop/truncate only once a body exists
            self.stats.count(name, f"fault_{fault}")
        if fault == "429":
            await self.dialect.throttled(self.faults.retry_after(), None)(scope, receive, send)
            return
        if fault in ("500", "503"):
            await self.dialect.server_error(int(fault))(scope, receive, send)
            return
        if fault == "slow":
            await asyncio.sleep(self.faults.config.slow_seconds)
        early = self.dialect.preflight(request)
        credential = None if early else self.dialect.credential(request)
        if early is None and credential is None:
            early = self.dialect.unauthorized(request)
            self.stats.count(name, "unauthorized")
        if early is not None:
            await early(scope, receive, send)
            return
        state = self.limiter.hit(self.dialect.limit_group(request), credential)
        if state is not None and not state.allowed:
            self.stats.count(name, "rate_limited")
            retry_after = self.faults.retry_after(state.reset_after)
            await self.dialect.throttled(retry_after, state)(scope, receive, send)
            return
        extra = self.dialect.limit_headers(state) if state is not None else {}
        await self._respond(scope, receive, send, extra, fault)

    async def _respond(
        self, scope: Scope, receive: Receive, send: Send, extra_headers: dict[str, str], fault: str | None
    ) -> None:
        """Run the dialect's handler, buffering its response so faults can damage it."""
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        assert start is not None, "dialect handler sent no response"
        body = b"".join(chunks)
        if fault in ("drop", "truncate", "trickle"):
            self.stats.count(self.dialect.name, f"fault_{fault}")
        extra = [(k.lower().encode(), v.encode()) for k, v in extra_headers.items()]
        replaced = {k for k, _ in extra} | {b"content-length"}  # the guard's values win over the handler's
        headers = [(k, v) for k, v in start["headers"] if k.lower() not in replaced] + extra
        if fault == "truncate" and len(body) > 1:
            body = body[: len(body) // 2]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": start["status"], "headers": headers})
        if fault == "drop":
            await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
            raise ConnectionAbortedError("sandbox fault: connection dropped mid-body")
        if fault == "trickle":
            await self._trickle(receive, send, body)
            return
        await send({"type": "http.response.body", "body": body})

    async def _trickle(self, receive: Receive, send: Send, body: bytes) -> None:
        """Send ``body`` one byte per interval, stopping when the client hangs up (the server's own
        ``send`` would go on silently, keeping the request in flight for the whole body)."""

        async def hung_up() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        gone = asyncio.ensure_future(hung_up())
        try:
            for index in range(len(body)):
                await send({"type": "http.response.body", "body": body[index : index + 1], "more_body": True})
                await asyncio.wait({gone}, timeout=self.faults.config.trickle_interval_seconds)
                if gone.done():
                    return
            await send({"type": "http.response.body", "body": b""})
        finally:
            gone.cancel()


def build_app(
    dialects: Sequence[Dialect],
    faults: FaultInjector | None = None,
    rate_limit_scale: float | None = 1.0,
    webhooks: WebhookSettings | None = None,
) -> Starlette:
    """Assemble the sandbox for the given dialects; ``rate_limit_scale=None`` disables limits.

    The change feed is always there (tests pass a receiver URL per request); its background task
    runs only when ``webhooks.interval`` is set, and only under a server that runs the lifespan."""
    faults = faults or FaultInjector()
    feed = ChangeFeed(dialects, webhooks or WebhookSettings())
    stats = SandboxStats()
    limiters = {d.name: FixedWindowLimiter(dict(d.rate_limits), rate_limit_scale) for d in dialects}

    async def get_faults(request: Request) -> Response:
        return json_response(faults.config.model_dump())

    async def put_faults(request: Request) -> Response:
        try:
            faults.configure(FaultConfig.model_validate(await request.json()))
        except ValueError as exc:  # pydantic's ValidationError is a ValueError too
            return json_response({"error": str(exc)}, 422)
        return json_response(faults.config.model_dump())

    async def put_rate_limits(request: Request) -> Response:
        body = await request.json()
        scale, window_scale = body.get("scale"), float(body.get("window_scale", 1.0))
        for limiter in limiters.values():
            limiter.set_scale(None if scale is None else float(scale), window_scale)
        return json_response({"scale": scale, "window_scale": window_scale})

    async def get_stats(request: Request) -> Response:
        return json_response(stats.snapshot())

    async def delete_stats(request: Request) -> Response:
        stats.reset()
        return json_response({})

    by_name = {d.name: d for d in dialects}

    async def dialect_admin(request: Request) -> Response:
        dialect = by_name.get(request.path_params["dialect"])
        if dialect is None:
            return json_response({"error": "no such dialect"}, 404)
        try:
            result = dialect.admin(request.path_params["action"], await request.json())
        except KeyError as exc:
            return json_response({"error": f"unknown action {exc}"}, 404)
        except ValueError as exc:
            return json_response({"error": str(exc)}, 422)
        return json_response(result)

    async def health(request: Request) -> Response:
        return json_response({"status": "ok", "dialects": [d.name for d in dialects], "in_flight": stats.in_flight})

    admin = [
        Route("/_sandbox/health", health),
        Route("/_sandbox/faults", get_faults, methods=["GET"]),
        Route("/_sandbox/faults", put_faults, methods=["PUT"]),
        Route("/_sandbox/rate-limits", put_rate_limits, methods=["PUT"]),
        Route("/_sandbox/stats", get_stats, methods=["GET"]),
        Route("/_sandbox/stats", delete_stats, methods=["DELETE"]),
        *change_routes(feed),
        *poison_routes(dialects),
        Route("/_sandbox/{dialect}/{action}", dialect_admin, methods=["POST"]),
    ]
    mounts = [Mount(d.mount, app=Guard(Router(list(d.routes())), d, faults, limiters[d.name], stats)) for d in dialects]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        background = None
        if feed.settings.interval:
            background = asyncio.create_task(feed.run_background(feed.settings.interval))
        try:
            yield
        finally:
            if background is not None:
                background.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await background
            await feed.sender.close()

    app = Starlette(routes=admin + mounts, lifespan=lifespan)
    app.state.faults, app.state.stats, app.state.limiters, app.state.feed = faults, stats, limiters, feed
    return app
