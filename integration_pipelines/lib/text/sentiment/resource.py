"""Which sentiment provider scores the feedback, as one Dagster resource.

``offline`` (default) needs no network and no credentials. The LLM providers always get the offline
model as their fallback, so a run past its retry budget still finishes, rows marked with who scored
them, and a cache so unchanged text is never paid for twice.
"""

from __future__ import annotations

from typing import Any, Literal

import dagster as dg
from pydantic import Field

from integration_pipelines.lib.text.sentiment.base import SentimentProvider
from integration_pipelines.lib.text.sentiment.cache import SentimentCache

Provider = Literal["offline", "openai", "azure_openai", "anthropic", "bedrock", "vertex"]


class SentimentResource(dg.ConfigurableResource):
    """Sentiment scoring settings (SENTIMENT_PROVIDER, SENTIMENT_MODEL, SENTIMENT_API_KEY, ...)."""

    provider: Provider = Field(
        default="offline",
        description="offline | openai | azure_openai | anthropic | bedrock | vertex (SENTIMENT_PROVIDER).",
    )
    model: str | None = Field(default=None, description="LLM model or deployment name (SENTIMENT_MODEL).")
    api_key: str | None = Field(default=None, repr=False, description="LLM API key (SENTIMENT_API_KEY); a secret.")
    base_url: str | None = Field(
        default=None,
        description="Any OpenAI-compatible endpoint (JAIS, vLLM, ...) or an Anthropic proxy (SENTIMENT_BASE_URL).",
    )
    azure_endpoint: str | None = Field(
        default=None, description="Azure OpenAI resource URL (SENTIMENT_AZURE_ENDPOINT)."
    )
    api_version: str | None = Field(default=None, description="Azure OpenAI API version (SENTIMENT_API_VERSION).")
    region: str | None = Field(default=None, description="AWS region (bedrock) or GCP region (vertex).")
    project_id: str | None = Field(default=None, description="GCP project (vertex).")
    batch_size: int = Field(default=20, ge=1, le=200, description="Texts per LLM request.")
    max_workers: int = Field(default=4, ge=1, le=64, description="LLM requests in flight at once.")
    requests_per_minute: float | None = Field(default=None, gt=0, description="Your LLM quota, for pacing.")
    cache_path: str | None = Field(default=None, description="SQLite file caching scores by text hash.")
    only_customers: bool = Field(
        default=True,
        description="Score customer messages only (agents' replies cost tokens and say little about satisfaction).",
    )

    def build(self) -> SentimentProvider:
        from integration_pipelines.lib.text.sentiment.offline import OfflineSentimentProvider

        offline = OfflineSentimentProvider()
        if self.provider == "offline":
            return offline
        if not self.model:
            raise dg.Failure(f"SENTIMENT_MODEL is required for the {self.provider} provider")
        return self.build_llm(
            batch_size=self.batch_size,
            max_workers=self.max_workers,
            requests_per_minute=self.requests_per_minute,
            fallback=offline,
            cache=SentimentCache(self.cache_path) if self.cache_path else None,
        )

    def build_llm(self, **options: Any) -> SentimentProvider:
        """The configured LLM provider with the given client options (batching, retry, fallback,
        cache); ``build`` passes the sync's, a health probe its own."""
        if self.provider in ("openai", "azure_openai"):
            from integration_pipelines.lib.text.sentiment.llm_openai import OpenAICompatibleProvider

            return OpenAICompatibleProvider(
                self.model,
                api_key=self.api_key,
                base_url=self.base_url,
                azure_endpoint=self.azure_endpoint,
                api_version=self.api_version,
                **options,
            )
        from integration_pipelines.lib.text.sentiment.llm_anthropic import AnthropicProvider

        platform_options: dict[str, object] = {}
        if self.provider == "bedrock":
            platform_options = {"aws_region": self.region}
        elif self.provider == "vertex":
            platform_options = {"vertex_region": self.region, "vertex_project_id": self.project_id}
        return AnthropicProvider(
            self.model,
            api_key=self.api_key,
            base_url=self.base_url,
            platform="anthropic" if self.provider == "anthropic" else self.provider,
            **platform_options,
            **options,
        )
