"""OpenAI's side of the fake model: its key, error bodies, x-ratelimit headers and completion shape."""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from vendor_sandbox.dialect import json_response
from vendor_sandbox.dialects.llm.dialect import LLMDialect
from vendor_sandbox.ratelimits import Limit, WindowState

OPENAI_API_KEY = "sk-sandbox-openai-0123456789abcdef"


class OpenAIDialect(LLMDialect):
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
        return json_response(
            {
                "error": {
                    "message": f"Incorrect API key provided: {presented}.",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "invalid_api_key",
                }
            },
            401,
        )

    def throttled(self, retry_after: str, state: WindowState | None) -> Response:
        headers = {"Retry-After": retry_after, **(self.limit_headers(state) if state else {})}
        return json_response(
            {
                "error": {
                    "message": "Rate limit reached for requests",
                    "type": "requests",
                    "param": None,
                    "code": "rate_limit_exceeded",
                }
            },
            429,
            headers,
        )

    def server_error(self, status_code: int) -> Response:
        return json_response(
            {
                "error": {
                    "message": "The server had an error while processing your request.",
                    "type": "server_error",
                    "param": None,
                    "code": None,
                }
            },
            status_code,
        )

    def limit_headers(self, state: WindowState) -> dict[str, str]:
        return {
            "x-ratelimit-limit-requests": str(state.limit),
            "x-ratelimit-remaining-requests": str(state.remaining),
            "x-ratelimit-reset-requests": f"{state.reset_after}s",
        }

    def bad_request(self, message: str) -> Response:
        return json_response(
            {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}}, 400
        )

    def completion(self, body: dict[str, Any], content: str, input_tokens: int, output_tokens: int) -> object:
        with self._lock:
            number = self.counts["requests"]
        return {
            "id": f"chatcmpl-sandbox-{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "system_fingerprint": "fp_sandbox",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": input_tokens,
                "completion_tokens": output_tokens,
                "total_tokens": input_tokens + output_tokens,
            },
        }
