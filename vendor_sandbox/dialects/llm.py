"""OpenAI- and Anthropic-compatible LLM endpoints whose "model" scores sentiment, for provider tests.

``/openai/v1/chat/completions`` and ``/anthropic/v1/messages`` accept what the official SDKs send
(auth headers, request and response shapes, error bodies) and answer the sentiment prompt
(``lib/text/sentiment/prompt.py``) with the lexicon model in ``llm_sentiment``. The Guard applies
the framework's 429/5xx faults; admin actions add latency and malformed answers and report what the
endpoint saw: requests, texts scored, tokens, the most requests in flight at once, and the last
request bodies (to prove only redacted text left the client).
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from vendor_sandbox.crm import Crm
from vendor_sandbox.dialect import Dialect, json_response
from vendor_sandbox.dialects import llm_sentiment as model
from vendor_sandbox.ratelimits import Limit, WindowState
from vendor_sandbox.world import World

OPENAI_API_KEY = "sk-sandbox-openai-0123456789abcdef"
ANTHROPIC_API_KEY = "sk-ant-sandbox-anthropic-0123456789abcdef"
LAST_REQUESTS = 50


class BadRequest(ValueError):
    """The request is not one the endpoint (or the sentiment prompt) accepts: answered with 400."""


class _LLMDialect(Dialect):
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
                return {**{k: self.counts[k] for k in ("requests", "texts", "input_tokens", "output_tokens")},
                        "malformed": dict(self.malformed), "max_in_flight": self.max_in_flight,
                        "in_flight": self.in_flight}
        if action == "last_requests":
            with self._lock:
                return list(self.last_requests)[-int(payload.get("limit", LAST_REQUESTS)):]
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
                self.counts.update(requests=1, texts=len(items), input_tokens=input_tokens,
                                   output_tokens=output_tokens)
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
            return read_items(_text_of(users[-1].get("content")))
        except ValueError as exc:
            raise BadRequest(f"the sandbox model reads the sentiment prompt only: {exc}") from None

    def _prompt_texts(self, body: dict[str, Any]) -> list[str]:
        return [_text_of(m.get("content")) for m in body["messages"] if isinstance(m, dict)]

    # vendor-specific parts
    path: str

    def completion(self, body: dict[str, Any], content: str, input_tokens: int, output_tokens: int) -> object:
        raise NotImplementedError

    def bad_request(self, message: str) -> Response:
        raise NotImplementedError


def read_items(content: str) -> list[dict[str, str]]:
    """The texts a sentiment request asks about, as a model reads its user turn.

    Written from the wire format (``{"items": [{"id": "1", "text": "..."}, ...]}``), not from the
    client's code, so a client that drifts from it gets a 400 here rather than a matching mistake.
    """
    try:
        data = json.loads(content)
    except ValueError:
        raise ValueError("the user message is not JSON") from None
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ValueError('the user message must be {"items": [...]}')
    read = []
    for position, item in enumerate(items):
        if not (isinstance(item, dict) and isinstance(item.get("id"), str) and isinstance(item.get("text"), str)):
            raise ValueError(f"item {position} needs a string id and a string text")
        read.append({"id": item["id"], "text": item["text"]})
    return read


def _text_of(content: object) -> str:
    """A message's text: a string, or the text parts of a list of content blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    raise BadRequest("message content must be a string or a list of text parts")


class OpenAIDialect(_LLMDialect):
    """The OpenAI Chat Completions API (also what Azure OpenAI, vLLM and JAIS endpoints speak)."""

    name = "openai"
    mount = "/openai"
    path = "/v1/chat/completions"
    rate_limits = {"default": Limit(500, 60)}  # gpt-4o-mini, usage tier 1: 500 requests/minute

    def credential(self, request: Request) -> str | None:
        return "api-key" if request.headers.get("authorization") == f"Bearer {OPENAI_API_KEY}" else None

    def unauthorized(self, request: Request) -> Response:
        # Echoes the whole key (OpenAI shows a masked one): worse than the vendor, on purpose, so
        # tests prove the provider's redaction rather than the vendor's manners.
        presented = request.headers.get("authorization", "").removeprefix("Bearer ")
        return json_response({"error": {"message": f"Incorrect API key provided: {presented}.",
                                         "type": "invalid_request_error", "param": None,
                                         "code": "invalid_api_key"}}, 401)

    def throttled(self, retry_after: str, state: WindowState | None) -> Response:
        headers = {"Retry-After": retry_after, **(self.limit_headers(state) if state else {})}
        return json_response({"error": {"message": "Rate limit reached for requests", "type": "requests",
                                        "param": None, "code": "rate_limit_exceeded"}}, 429, headers)

    def server_error(self, status_code: int) -> Response:
        return json_response({"error": {"message": "The server had an error while processing your request.",
                                        "type": "server_error", "param": None, "code": None}}, status_code)

    def limit_headers(self, state: WindowState) -> dict[str, str]:
        return {"x-ratelimit-limit-requests": str(state.limit),
                "x-ratelimit-remaining-requests": str(state.remaining),
                "x-ratelimit-reset-requests": f"{state.reset_after}s"}

    def bad_request(self, message: str) -> Response:
        return json_response({"error": {"message": message, "type": "invalid_request_error", "param": None,
                                        "code": None}}, 400)

    def completion(self, body: dict[str, Any], content: str, input_tokens: int, output_tokens: int) -> object:
        with self._lock:
            number = self.counts["requests"]
        return {
            "id": f"chatcmpl-sandbox-{number}", "object": "chat.completion", "created": int(time.time()),
            "model": body["model"], "system_fingerprint": "fp_sandbox",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": None},
                         "logprobs": None, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": input_tokens, "completion_tokens": output_tokens,
                      "total_tokens": input_tokens + output_tokens},
        }


class AnthropicDialect(_LLMDialect):
    """The Anthropic Messages API."""

    name = "anthropic"
    mount = "/anthropic"
    path = "/v1/messages"
    rate_limits = {"default": Limit(50, 60)}  # usage tier 1: 50 requests/minute

    def preflight(self, request: Request) -> Response | None:
        if "anthropic-version" not in request.headers:
            return self.bad_request("anthropic-version: header is required")
        return None

    def credential(self, request: Request) -> str | None:
        # the documented x-api-key header, or the bearer form that anthropic SDK 2.x sends the key in
        return "api-key" if _anthropic_key(request) == ANTHROPIC_API_KEY else None

    def unauthorized(self, request: Request) -> Response:
        presented = _anthropic_key(request)  # echoed on purpose, as for OpenAI above
        return _anthropic_error(401, "authentication_error", f"invalid x-api-key {presented}")

    def throttled(self, retry_after: str, state: WindowState | None) -> Response:
        response = _anthropic_error(429, "rate_limit_error", "Number of request tokens has exceeded your "
                                                             "per-minute rate limit")
        response.headers.update({"retry-after": retry_after, **(self.limit_headers(state) if state else {})})
        return response

    def server_error(self, status_code: int) -> Response:
        kind = "overloaded_error" if status_code == 503 else "api_error"
        return _anthropic_error(status_code, kind, "Overloaded" if status_code == 503 else "Internal server error")

    def limit_headers(self, state: WindowState) -> dict[str, str]:
        return {"anthropic-ratelimit-requests-limit": str(state.limit),
                "anthropic-ratelimit-requests-remaining": str(state.remaining)}

    def bad_request(self, message: str) -> Response:
        return _anthropic_error(400, "invalid_request_error", message)

    def _items(self, body: dict[str, Any]) -> list[dict[str, str]]:
        if not isinstance(body.get("max_tokens"), int) or body["max_tokens"] < 1:
            raise BadRequest("max_tokens: Field required")
        return super()._items(body)

    def _prompt_texts(self, body: dict[str, Any]) -> list[str]:
        system = body.get("system")
        return [_text_of(system) if system else "", *super()._prompt_texts(body)]

    def completion(self, body: dict[str, Any], content: str, input_tokens: int, output_tokens: int) -> object:
        with self._lock:
            number = self.counts["requests"]
        return {
            "id": f"msg_sandbox_{number}", "type": "message", "role": "assistant", "model": body["model"],
            "content": [{"type": "text", "text": content}], "stop_reason": "end_turn", "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
        }


def _anthropic_key(request: Request) -> str:
    bearer = request.headers.get("authorization", "")
    return request.headers.get("x-api-key") or (bearer[7:] if bearer.lower().startswith("bearer ") else "")


def _anthropic_error(status_code: int, kind: str, message: str) -> Response:
    return json_response({"type": "error", "error": {"type": kind, "message": message},
                          "request_id": "req_sandbox"}, status_code)
