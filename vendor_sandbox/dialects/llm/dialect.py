"""OpenAI- and Anthropic-compatible LLM endpoints whose "model" scores sentiment, for provider tests.

``/openai/v1/chat/completions`` and ``/anthropic/v1/messages`` accept what the official SDKs send
(auth headers, request and response shapes, error bodies) and answer the sentiment prompt
(read in ``prompt.py``) with the lexicon model in ``sentiment.py``. The Guard applies
the framework's 429/5xx faults; admin actions add latency and malformed answers and report what the
endpoint saw: requests, texts scored, tokens, the most requests in flight at once, and the last
request bodies (to prove only redacted text left the client).
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections import Counter, deque
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from vendor_sandbox.crm import Crm
from vendor_sandbox.dialect import Dialect, json_response
from vendor_sandbox.dialects.llm import sentiment as model
from vendor_sandbox.dialects.llm.prompt import read_items
from vendor_sandbox.world import World

LAST_REQUESTS = 50


class BadRequest(ValueError):
    """The request is not one the endpoint (or the sentiment prompt) accepts: answered with 400."""


class LLMDialect(Dialect):
    """What both vendors share: the fake model, its behaviour knobs and its counters."""

    def __init__(self, world: World, crm: Crm) -> None:
        super().__init__(world, crm)
        self._lock = threading.Lock()
        self._reset()

    def _reset(self, behaviour: model.Behaviour | None = None) -> None:
        with self._lock:
            self.behaviour = behaviour or model.Behaviour()
            self._rng = random.Random(self.behaviour.seed)
            self.counts: Counter[str] = Counter()
            self.malformed: Counter[str] = Counter()
            self.last_requests: deque[dict[str, Any]] = deque(maxlen=LAST_REQUESTS)
            self.in_flight = 0
            self.max_in_flight = 0

    def admin(self, action: str, payload: dict) -> object:
        if action == "configure":  # see llm_sentiment.Behaviour
            self._reset(model.Behaviour.model_validate(payload))
            return self.behaviour.model_dump()
        if action == "reset":
            self._reset()
            return {}
        if action == "seen":
            return self.counts["texts"]
        if action == "stats":
            with self._lock:
                return {
                    **{k: self.counts[k] for k in ("requests", "texts", "input_tokens", "output_tokens")},
                    "malformed": dict(self.malformed),
                    "max_in_flight": self.max_in_flight,
                    "in_flight": self.in_flight,
                }
        if action == "last_requests":
            with self._lock:
                return list(self.last_requests)[-int(payload.get("limit", LAST_REQUESTS)) :]
        raise KeyError(action)

    def routes(self) -> Sequence[BaseRoute]:
        return [Route(self.path, self._handle, methods=["POST"])]

    async def _handle(self, request: Request) -> Response:
        try:
            body = json.loads(await request.body())
            if not isinstance(body, dict):
                raise BadRequest("the body must be a JSON object")
            items = self._items(body)
        except (ValueError, KeyError, TypeError) as exc:  # BadRequest and bad JSON alike
            return self.bad_request(str(exc))
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.last_requests.append(body)
            latency = self.behaviour.latency_seconds
        try:
            if latency:
                await asyncio.sleep(latency)
            kind = self._draw_malformed()
            results = model.answer(items)
            content = model.render(results[::-1] if self.behaviour.reverse_order else results, kind)
            input_tokens = model.count_tokens(*self._prompt_texts(body))
            output_tokens = model.count_tokens(content)
            with self._lock:
                self.counts.update(requests=1, texts=len(items), input_tokens=input_tokens, output_tokens=output_tokens)
                if kind:
                    self.malformed[kind] += 1
            return json_response(self.completion(body, content, input_tokens, output_tokens))
        finally:
            with self._lock:
                self.in_flight -= 1

    def _draw_malformed(self) -> model.MalformedKind | None:
        with self._lock:
            if self.behaviour.malformed_rate and self._rng.random() < self.behaviour.malformed_rate:
                return self._rng.choice(self.behaviour.malformed_kinds)
            return None

    def _items(self, body: dict[str, Any]) -> list[dict[str, str]]:
        if not isinstance(body.get("model"), str) or not body["model"]:
            raise BadRequest("model is required")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise BadRequest("messages must be a non-empty list")
        users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
        if not users:
            raise BadRequest("no user message")
        try:
            return read_items(text_of(users[-1].get("content")))
        except ValueError as exc:
            raise BadRequest(f"the sandbox model reads the sentiment prompt only: {exc}") from None

    def _prompt_texts(self, body: dict[str, Any]) -> list[str]:
        return [text_of(m.get("content")) for m in body["messages"] if isinstance(m, dict)]

    # vendor-specific parts
    path: str

    def completion(self, body: dict[str, Any], content: str, input_tokens: int, output_tokens: int) -> object:
        raise NotImplementedError

    def bad_request(self, message: str) -> Response:
        raise NotImplementedError


def text_of(content: object) -> str:
    """A message's text: a string, or the text parts of a list of content blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    raise BadRequest("message content must be a string or a list of text parts")
