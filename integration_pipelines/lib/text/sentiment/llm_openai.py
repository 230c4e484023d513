"""Sentiment through the OpenAI Chat Completions API: OpenAI, Azure OpenAI, or any compatible endpoint.

Compatible endpoints (vLLM, JAIS deployments, gateways) are reached by ``base_url``; those without
JSON-schema support take ``response_format="json_object"`` (or ``"none"``) and rely on the prompt
plus our own validation.
"""

from __future__ import annotations

from typing import Any, Literal, Unpack

import httpx
import openai

from integration_pipelines.lib.http.errors import ConfigurationError
from integration_pipelines.lib.text.sentiment.llm import Completion, LLMOptions, LLMSentimentProvider
from integration_pipelines.lib.text.sentiment.prompt import OUTPUT_JSON_SCHEMA, OUTPUT_SCHEMA_NAME

ResponseFormat = Literal["json_schema", "json_object", "none"]


class OpenAICompatibleProvider(LLMSentimentProvider):
    """Scores with ``openai.OpenAI`` (or ``openai.AzureOpenAI`` when ``azure_endpoint`` is given)."""

    _sdk = openai

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        azure_endpoint: str | None = None,
        api_version: str | None = None,
        name: str | None = None,
        response_format: ResponseFormat = "json_schema",
        temperature: float | None = 0.0,
        max_output_tokens: int | None = None,
        http_client: httpx.Client | None = None,
        client: openai.OpenAI | None = None,
        **options: Unpack[LLMOptions],
    ) -> None:
        name = name or ("azure_openai" if azure_endpoint else "openai")
        super().__init__(name=name, model=model, secrets=[api_key], **options)
        self.response_format, self.temperature, self.max_output_tokens = response_format, temperature, max_output_tokens
        if client is not None:
            self._client = client
            return
        if not api_key:
            raise ConfigurationError(name, "api_key is required (local endpoints without auth accept any value)")
        common: dict[str, Any] = {
            "api_key": api_key,
            "max_retries": 0,
            "timeout": self.timeout,
            "http_client": http_client,
        }
        if azure_endpoint:
            if not api_version:
                raise ConfigurationError(name, "api_version is required with azure_endpoint (e.g. 2024-10-21)")
            # ``model`` is the Azure deployment name
            self._client = openai.AzureOpenAI(azure_endpoint=azure_endpoint, api_version=api_version, **common)
        else:
            self._client = openai.OpenAI(base_url=base_url, **common)

    def _complete(self, system: str, user: str, count: int) -> Completion:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
        }
        if self.temperature is not None:
            kwargs["temperature"] = self.temperature
        if self.response_format == "json_schema":
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": OUTPUT_SCHEMA_NAME, "schema": OUTPUT_JSON_SCHEMA, "strict": True},
            }
        elif self.response_format == "json_object":
            kwargs["response_format"] = {"type": "json_object"}
        if self.max_output_tokens is not None:
            kwargs["max_completion_tokens"] = self.max_output_tokens
        response = self._client.chat.completions.create(**kwargs)
        choice = response.choices[0] if response.choices else None
        usage = response.usage
        return Completion(
            text=choice.message.content if choice else None,  # None on a refusal: treated as malformed
            input_tokens=usage.prompt_tokens if usage else 0,
            output_tokens=usage.completion_tokens if usage else 0,
            model=response.model or None,
            truncated=choice is not None and choice.finish_reason == "length",
        )

    def close(self) -> None:
        self._client.close()
