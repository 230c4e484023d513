"""Anthropic's side of the fake model: x-api-key, anthropic-version, its error envelope and message shape."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from vendor_sandbox.dialect import json_response
from vendor_sandbox.dialects.llm.dialect import BadRequest, LLMDialect, text_of
from vendor_sandbox.ratelimits import Limit, WindowState

ANTHROPIC_API_KEY = "sk-ant-sandbox-anthropic-0123456789abcdef"


class AnthropicDialect(LLMDialect):
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
        response = _anthropic_error(
            429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"
        )
        response.headers.update({"retry-after": retry_after, **(self.limit_headers(state) if state else {})})
        return response

    def server_error(self, status_code: int) -> Response:
        kind = "overloaded_error" if status_code == 503 else "api_error"
        return _anthropic_error(status_code, kind, "Overloaded" if status_code == 503 else "Internal server error")

    def limit_headers(self, state: WindowState) -> dict[str, str]:
        return {
            "anthropic-ratelimit-requests-limit": str(state.limit),
            "anthropic-ratelimit-requests-remaining": str(state.remaining),
        }

    def bad_request(self, message: str) -> Response:
        return _anthropic_error(400, "invalid_request_error", message)

    def _items(self, body: dict[str, Any]) -> list[dict[str, str]]:
        if not isinstance(body.get("max_tokens"), int) or body["max_tokens"] < 1:
            raise BadRequest("max_tokens: Field required")
        return super()._items(body)

    def _prompt_texts(self, body: dict[str, Any]) -> list[str]:
        system = body.get("system")
        return [text_of(system) if system else "", *super()._prompt_texts(body)]

    def completion(self, body: dict[str, Any], content: str, input_tokens: int, output_tokens: int) -> object:
        with self._lock:
            number = self.counts["requests"]
        return {
            "id": f"msg_sandbox_{number}",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": [{"type": "text", "text": content}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
        }


def _anthropic_key(request: Request) -> str:
    bearer = request.headers.get("authorization", "")
    return request.headers.get("x-api-key") or (bearer[7:] if bearer.lower().startswith("bearer ") else "")


def _anthropic_error(status_code: int, kind: str, message: str) -> Response:
    return json_response(
        {"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_sandbox"}, status_code
    )
