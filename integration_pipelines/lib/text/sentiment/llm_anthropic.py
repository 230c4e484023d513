"""Sentiment through the Anthropic Messages API: directly, on Amazon Bedrock or on Google Vertex AI.

The Bedrock and Vertex clients need optional packages (boto3, google-auth); they are built only
when that platform is asked for, and a missing package is a clear configuration error.
"""

from __future__ import annotations

import importlib.util
from typing import Any, Literal, Unpack

import anthropic
import httpx

from integration_pipelines.lib.http.errors import ConfigurationError
from integration_pipelines.lib.text.sentiment.llm import Completion, LLMOptions, LLMSentimentProvider
from integration_pipelines.lib.text.sentiment.prompt import OUTPUT_JSON_SCHEMA

Platform = Literal["anthropic", "bedrock", "vertex"]
_EXTRAS = {"bedrock": ("boto3", "anthropic[bedrock]"), "vertex": ("google.auth", "anthropic[vertex]")}


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a missing parent package ("google")
        return False


class AnthropicProvider(LLMSentimentProvider):
    """Scores with ``anthropic.Anthropic`` (``AnthropicBedrock`` / ``AnthropicVertex`` by ``platform``)."""

    _sdk = anthropic

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        platform: Platform = "anthropic",
        aws_region: str | None = None,
        aws_profile: str | None = None,
        aws_access_key: str | None = None,
        aws_secret_key: str | None = None,
        aws_session_token: str | None = None,
        vertex_region: str | None = None,
        vertex_project_id: str | None = None,
        name: str | None = None,
        temperature: float | None = None,
        max_output_tokens: int | None = None,
        structured_output: bool = False,
        http_client: httpx.Client | None = None,
        client: anthropic.Anthropic | None = None,
        **options: Unpack[LLMOptions],
    ) -> None:
        name = name or ("anthropic" if platform == "anthropic" else f"anthropic_{platform}")
        super().__init__(name=name, model=model, secrets=[api_key, aws_secret_key, aws_session_token], **options)
        self.temperature, self.max_output_tokens = temperature, max_output_tokens
        self.structured_output = structured_output  # output_config json_schema: only on models that support it
        if client is not None:
            self._client: Any = client
            return
        common: dict[str, Any] = {
            "base_url": base_url,
            "max_retries": 0,
            "timeout": self.timeout,
            "http_client": http_client,
        }
        if platform in _EXTRAS:
            module, extra = _EXTRAS[platform]
            if not _installed(module):
                raise ConfigurationError(
                    name, f"platform={platform!r} needs the {module} package: pip install '{extra}'"
                )
        if platform == "bedrock":
            self._client = anthropic.AnthropicBedrock(
                aws_region=aws_region,
                aws_profile=aws_profile,
                aws_access_key=aws_access_key,
                aws_secret_key=aws_secret_key,
                aws_session_token=aws_session_token,
                **common,
            )
        elif platform == "vertex":
            self._client = anthropic.AnthropicVertex(region=vertex_region, project_id=vertex_project_id, **common)
        elif platform == "anthropic":
            if not api_key:
                raise ConfigurationError(name, "api_key is required")
            self._client = anthropic.Anthropic(api_key=api_key, **common)
        else:
            raise ConfigurationError(name, f"unknown platform {platform!r}: anthropic, bedrock or vertex")

    def _complete(self, system: str, user: str, count: int) -> Completion:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_output_tokens or 64 + 48 * count,  # ~25 tokens per result, with room
            "system": system,
            "messages": [{"role": "user", "content": user}],
        }
        if self.temperature is not None:  # this SDK version has no temperature argument; older models take it
            kwargs["extra_body"] = {"temperature": self.temperature}
        if self.structured_output:
            kwargs["output_config"] = {"format": {"type": "json_schema", "schema": OUTPUT_JSON_SCHEMA}}
        message = self._client.messages.create(**kwargs)
        text = "".join(block.text for block in message.content if getattr(block, "type", None) == "text")
        return Completion(
            text=text,
            input_tokens=message.usage.input_tokens,
            output_tokens=message.usage.output_tokens,
            model=message.model or None,
            truncated=message.stop_reason == "max_tokens",
        )

    def close(self) -> None:
        self._client.close()
