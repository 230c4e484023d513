"""The webhook receiver: an ASGI app with one route per vendor, ``/healthz`` and ``/metrics``.

Order of work per delivery: size (while reading), signature, parse, store, answer. The 2xx goes out
only after the events are committed to the inbox (deliveries arriving together share a commit); a
rejected request stores nothing but a counter and one log line naming the vendor and the reason (never
a secret, never the body).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from integration_pipelines.lib.webhooks.events import Rejected, SignedRequest, WebhookEvent, WebhookHandler
from integration_pipelines.lib.webhooks.inbox import Inbox
from integration_pipelines.lib.webhooks.metrics import ReceiverMetrics

log = logging.getLogger("integration_pipelines.webhooks")
DEFAULT_MAX_BODY_BYTES = 1_000_000


@dataclass
class ReceiverSettings:
    """``secrets`` per vendor (several while one rotates); ``public_url`` is the scheme and host vendors
    call (signatures that cover the URL are checked against it); ``path_secret`` adds a secret path
    segment, ``/webhooks/{path_secret}/{vendor}``."""

    handlers: Mapping[str, WebhookHandler]
    secrets: Mapping[str, list[str]]
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    public_url: str | None = None
    path_secret: str | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


class TooLarge(Exception):
    pass


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, refused as soon as it passes ``limit`` bytes (never buffered whole first)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


class GroupCommit:
    """Deliveries that arrive while a commit is under way share the next one: each request still gets
    its answer only after its own events are committed, but a burst costs one commit, not one each."""

    def __init__(self, inbox: Inbox) -> None:
        self._inbox = inbox
        self._pending: list[tuple[str, list[WebhookEvent], asyncio.Future[int]]] = []
        self._flushing = False

    async def add(self, vendor: str, events: list[WebhookEvent]) -> int:
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._pending.append((vendor, events, future))
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    counts = await run_in_threadpool(self._inbox.add_batches, [(v, e) for v, e, _ in batch])
                except Exception as error:  # every waiting request fails: none of them is acknowledged
                    for _, _, future in batch:
                        future.set_exception(error)
                else:
                    for (_, _, future), count in zip(batch, counts, strict=True):
                        future.set_result(count)
        finally:
            self._flushing = False


def build_app(settings: ReceiverSettings, inbox: Inbox) -> Starlette:
    metrics = ReceiverMetrics(lambda: inbox)
    commits = GroupCommit(inbox)

    def reject(vendor: str, reason: str, message: str, status: int) -> Response:
        metrics.rejected.labels(vendor=vendor, reason=reason).inc()
        log.warning("webhook rejected: vendor=%s reason=%s status=%s: %s", vendor, reason, status, message)
        return JSONResponse({"error": reason}, status_code=status)

    async def receive(request: Request) -> Response:
        vendor = request.path_params["vendor"]
        if settings.path_secret is not None and request.path_params.get("secret") != settings.path_secret:
            return reject("unknown", "unknown_vendor", "wrong path secret", 404)
        handler = settings.handlers.get(vendor)
        if handler is None:
            return reject("unknown", "unknown_vendor", "no such vendor route", 404)
        try:
            body = await read_limited(request, settings.max_body_bytes)
        except TooLarge:
            return reject(vendor, "too_large", f"body over {settings.max_body_bytes} bytes", 413)
        signed = SignedRequest(
            method=request.method,
            url=_public_url(request, settings.public_url),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
        )
        try:
            handler.verify(signed, settings.secrets.get(vendor, []), settings.clock())
            events = handler.events(signed)
        except Rejected as rejected:
            return reject(vendor, rejected.reason, str(rejected), rejected.status)
        stored = await commits.add(vendor, events)
        metrics.accepted.labels(vendor=vendor).inc(stored)
        metrics.duplicates.labels(vendor=vendor).inc(len(events) - stored)
        content, media_type = handler.acknowledge(events)
        return Response(content, media_type=media_type)

    async def healthz(request: Request) -> Response:
        count = await run_in_threadpool(inbox.count)
        return JSONResponse({"status": "ok", "inbox_events": count, "vendors": sorted(settings.handlers)})

    async def metrics_route(request: Request) -> Response:
        return PlainTextResponse(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    prefix = "/webhooks/{secret}/{vendor}" if settings.path_secret is not None else "/webhooks/{vendor}"
    app = Starlette(
        routes=[Route(prefix, receive, methods=["POST"]), Route("/healthz", healthz), Route("/metrics", metrics_route)]
    )
    app.state.metrics = metrics
    return app


def _public_url(request: Request, public_url: str | None) -> str:
    """The URL as the vendor called it: the configured public scheme+host, this request's path and query."""
    if not public_url:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{public_url.rstrip('/')}{request.url.path}{query}"
