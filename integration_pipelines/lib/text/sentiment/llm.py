"""LLM sentiment providers: what every vendor shares — batching, workers, pacing, retries, cache, cost, fallback.

Vendors differ only in how one batch is sent (``llm_openai``, ``llm_anthropic``). The SDKs' own
retries are off so that our loop owns them: the per-run budget, Retry-After pausing a shared token
bucket, and, past the budget or after repeatedly malformed answers, handing the batch to the
fallback provider (the offline model) instead of failing the run. Authentication and configuration
errors do fail the run: a fallback would hide them. Secrets never reach logs or exception text.

Pricing is in ``llm_pricing`` and the handling of failed calls in ``llm_errors``; their names stay
importable from here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from types import ModuleType
from typing import Any, TypedDict

from integration_pipelines.lib.http.errors import AuthenticationError, ConfigurationError
from integration_pipelines.lib.http.ratelimit import RateLimit, TokenBucket
from integration_pipelines.lib.http.redact import Redactor
from integration_pipelines.lib.http.retry import RetryPolicy
from integration_pipelines.lib.text.sentiment.base import (
    ProviderUsage,
    SentimentProvider,
    SentimentRequest,
    SentimentResult,
)
from integration_pipelines.lib.text.sentiment.cache import CachedScore, SentimentCache
from integration_pipelines.lib.text.sentiment.llm_errors import (
    CallFailure,
    LLMUnavailableError,
    classify_failure,
    retry_after,
)
from integration_pipelines.lib.text.sentiment.llm_pricing import DEFAULT_PRICES, ModelPrice, find_price
from integration_pipelines.lib.text.sentiment.prompt import (
    PROMPT_VERSION,
    SYSTEM_PROMPT,
    MalformedOutputError,
    batch_ids,
    parse_output,
    user_message,
)

# Re-exported so providers, resources and tests keep importing the whole LLM surface from this module.
__all__ = [
    "DEFAULT_PRICES",
    "CallFailure",
    "Completion",
    "LLMOptions",
    "LLMSentimentProvider",
    "LLMUnavailableError",
    "ModelPrice",
    "classify_failure",
    "find_price",
    "per_minute",
    "retry_after",
]

logger = logging.getLogger("integration_pipelines.sentiment")


class LLMOptions(TypedDict, total=False):
    """Options every LLM provider takes (see ``LLMSentimentProvider.__init__``)."""

    batch_size: int
    max_workers: int
    requests_per_minute: float | None
    retry: RetryPolicy | None
    max_output_attempts: int
    timeout: float
    cache: SentimentCache | None
    prompt_version: str
    prices: Mapping[str, ModelPrice] | None
    fallback: SentimentProvider | None
    sleep: Callable[[float], None]


@dataclass(frozen=True)
class Completion:
    """One answer as the vendor returned it."""

    text: str | None
    input_tokens: int
    output_tokens: int
    model: str | None = None
    truncated: bool = False  # stopped by the output-token limit


@dataclass(frozen=True)
class _Scored:
    label: str
    score: float
    confidence: float
    provider: str
    model: str
    fallback: bool = False


class LLMSentimentProvider:
    """Base class; subclasses implement ``_complete`` (one SDK call) and set ``_sdk`` (its errors)."""

    _sdk: ModuleType

    def __init__(
        self,
        *,
        name: str,
        model: str,
        secrets: Iterable[str | None] = (),
        batch_size: int = 20,
        max_workers: int = 4,
        requests_per_minute: float | None = None,
        retry: RetryPolicy | None = None,
        max_output_attempts: int = 3,
        timeout: float = 60.0,
        cache: SentimentCache | None = None,
        prompt_version: str = PROMPT_VERSION,
        prices: Mapping[str, ModelPrice] | None = None,
        fallback: SentimentProvider | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if batch_size < 1 or max_workers < 1 or max_output_attempts < 1:
            raise ValueError("batch_size, max_workers and max_output_attempts must be at least 1")
        self.name, self.model = name, model
        self.usage = ProviderUsage()
        self.batch_size, self.max_workers, self.max_output_attempts = batch_size, max_workers, max_output_attempts
        self.timeout, self.cache, self.prompt_version, self.fallback = timeout, cache, prompt_version, fallback
        self.retry = retry or RetryPolicy()
        self.redactor = Redactor(secrets)
        self.price = find_price(model, {**DEFAULT_PRICES, **(prices or {})})
        if self.price is None:
            self.usage.extra["unpriced_model"] = 1.0
            logger.warning("no price listed for model %s of %s: its cost is reported as 0", model, name)
        self._sleep = sleep
        self._bucket = TokenBucket(per_minute(requests_per_minute), sleep=sleep)
        self._slots = threading.BoundedSemaphore(max_workers)  # the limit holds across concurrent score() calls
        self._lock = threading.Lock()
        self._fallback_lock = threading.Lock()  # the fallback need not be thread-safe
        self._retries_used = 0

    # ------------------------------------------------------------------ the protocol

    def score(self, batch: Sequence[SentimentRequest]) -> list[SentimentResult]:
        """One result per request, in order: cached answers first, the rest in batches on N workers."""
        if not batch:
            return []
        keys = [SentimentCache.key(r.text, self.name, self.model, self.prompt_version) for r in batch]
        cached = self.cache.get_many(keys) if self.cache is not None else {}
        scored: dict[str, _Scored] = {
            k: _Scored(v.label, v.score, v.confidence, self.name, v.model) for k, v in cached.items()
        }
        pending: dict[str, SentimentRequest] = {}
        for key, request in zip(keys, batch, strict=True):
            if key not in scored:
                pending.setdefault(key, request)  # the same text twice in one call is sent once
        chunks = [list(pending.items())[i : i + self.batch_size] for i in range(0, len(pending), self.batch_size)]
        if chunks:
            stop = threading.Event()  # a bad key fails the call once, not once per batch
            with ThreadPoolExecutor(min(self.max_workers, len(chunks)), thread_name_prefix=self.name) as pool:
                futures = [pool.submit(self._score_chunk, chunk, stop) for chunk in chunks]
                try:
                    for future in as_completed(futures):
                        scored.update(future.result())
                except BaseException:
                    stop.set()
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise
        results = [
            SentimentResult(r.id, s.label, s.score, s.confidence, s.provider, s.model)  # type: ignore[arg-type]
            for r, s in ((r, scored[k]) for r, k in zip(batch, keys, strict=True))
        ]
        hits = sum(1 for k in keys if k in cached)
        with self._lock:
            self.usage.cache_hits += hits
            self.usage.fallbacks += sum(1 for k in keys if scored[k].fallback)
        self._add_extra("deduplicated", len(batch) - len(pending) - hits)
        return results

    # ------------------------------------------------------------------ one batch

    def _complete(self, system: str, user: str, count: int) -> Completion:
        """Send one batch through the vendor's SDK (retries off) and return its answer."""
        raise NotImplementedError

    def _score_chunk(self, chunk: list[tuple[str, SentimentRequest]], stop: threading.Event) -> dict[str, _Scored]:
        ids = batch_ids(len(chunk))
        user = user_message([request.text for _, request in chunk])
        attempt = malformed = 0
        while not stop.is_set():
            attempt += 1
            self._add_extra("rate_limit_wait_seconds", self._bucket.acquire())
            with self._lock:
                self.usage.requests += 1
            try:
                with self._slots:
                    completion = self._complete(SYSTEM_PROMPT, user, len(chunk))
            except Exception as exc:  # noqa: BLE001 - classified below; unknown errors re-raise
                failure = self._classify(exc)
                if failure.kind in ("auth", "config"):
                    stop.set()
                    error = AuthenticationError if failure.kind == "auth" else ConfigurationError
                    raise error(self.name, failure.reason) from None
                if failure.kind == "reject":  # e.g. a content filter's 400: this batch only
                    self._add_extra("rejected_batches", 1)
                    return self._fall_back(chunk, failure.reason)
                if failure.wait is not None and failure.wait > self.retry.max_retry_after:
                    return self._fall_back(chunk, f"{failure.reason}; asked to wait {failure.wait:.0f}s")
                if not self._take_retry(attempt, failure.reason):
                    return self._fall_back(chunk, f"gave up after {attempt} attempt(s): {failure.reason}")
                if failure.throttled and failure.wait is not None:
                    self._bucket.pause(failure.wait)  # every worker waits, not just this one
                else:
                    self._sleep(failure.wait if failure.wait is not None else self.retry.backoff(attempt))
                continue
            self._add_tokens(completion)
            try:
                if completion.truncated:
                    raise MalformedOutputError("truncated", "the answer hit the output-token limit")
                items = parse_output(completion.text, ids)
            except MalformedOutputError as exc:
                malformed += 1
                self._add_extra("malformed_outputs", 1)
                reason = f"malformed answer ({exc})"
                if malformed >= self.max_output_attempts or not self._take_retry(attempt, reason):
                    return self._fall_back(chunk, f"{reason} {malformed} time(s)")
                continue
            model = completion.model or self.model
            part = {
                key: _Scored(items[i].label, items[i].score, items[i].confidence, self.name, model)
                for i, (key, _) in zip(ids, chunk, strict=True)
            }
            if self.cache is not None:
                self.cache.put_many((k, CachedScore(s.label, s.score, s.confidence, s.model)) for k, s in part.items())
            return part
        return {}  # another batch failed the call

    def _take_retry(self, attempt: int, reason: str) -> bool:
        """Spend one retry of the run's budget, unless this batch or the run has none left."""
        with self._lock:
            if attempt >= self.retry.max_attempts or self._retries_used >= self.retry.budget:
                return False
            self._retries_used += 1
            self.usage.extra["retries"] = self.usage.extra.get("retries", 0.0) + 1
        logger.info("%s: retrying a batch (attempt %d): %s", self.name, attempt, self.redactor.text(reason))
        return True

    def _fall_back(self, chunk: list[tuple[str, SentimentRequest]], reason: str) -> dict[str, _Scored]:
        reason = self.redactor.text(reason)
        if self.fallback is None:
            raise LLMUnavailableError(
                self.name,
                f"a batch of {len(chunk)} could not be scored and no fallback provider is configured: {reason}",
            )
        logger.warning(
            "%s: %d text(s) scored by the fallback %s: %s",
            self.name,
            len(chunk),
            getattr(self.fallback, "name", "provider"),
            reason,
        )
        with self._fallback_lock:
            results = self.fallback.score([request for _, request in chunk])
        return {
            key: _Scored(r.label, r.score, r.confidence, r.provider, r.model, fallback=True)
            for (key, _), r in zip(chunk, results, strict=True)
        }

    # ------------------------------------------------------------------ errors and usage

    def _classify(self, exc: Exception) -> CallFailure:
        """A method so a vendor can refine the mapping; anything that is not an SDK API error re-raises."""
        return classify_failure(exc, self._sdk, self.redactor, self.name, self.model)

    def _add_tokens(self, completion: Completion) -> None:
        with self._lock:
            self.usage.input_tokens += completion.input_tokens
            self.usage.output_tokens += completion.output_tokens
            if self.price is not None:  # from the totals, so the reported cost is exactly tokens × price
                self.usage.cost_usd = self.price.cost(self.usage.input_tokens, self.usage.output_tokens)

    def _add_extra(self, name: str, value: float) -> None:
        if value:
            with self._lock:
                self.usage.extra[name] = self.usage.extra.get(name, 0.0) + value


def per_minute(requests_per_minute: float | None) -> RateLimit | None:
    """Pace to ``requests_per_minute`` in windows of a second (or the time one request takes), so the
    minute's allowance is not spent in one burst that the vendor's shorter windows would reject."""
    if not requests_per_minute:
        return None
    window = max(1.0, 60.0 / requests_per_minute)
    return RateLimit(requests_per_minute * window / 60.0, window)


def __getattr__(name: str) -> Any:
    """The vendor classes, imported on first use so that importing this module loads no SDK."""
    if name == "OpenAICompatibleProvider":
        from integration_pipelines.lib.text.sentiment.llm_openai import OpenAICompatibleProvider

        return OpenAICompatibleProvider
    if name == "AnthropicProvider":
        from integration_pipelines.lib.text.sentiment.llm_anthropic import AnthropicProvider

        return AnthropicProvider
    raise AttributeError(name)
