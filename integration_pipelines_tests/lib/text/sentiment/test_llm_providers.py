"""The OpenAI and Anthropic sentiment providers through their official SDKs against the sandbox.

Real HTTP to the sandbox's fake vendors: batching, id mapping, the cache, cost, retries on 429/5xx
and on malformed answers, the concurrency limit, fallback to another provider, what the request
bodies contain, and that the API key never shows up in errors or logs.
"""

from __future__ import annotations

import json
import math
import re
import socket
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

import pytest

from integration_pipelines.lib.http.errors import AuthenticationError, ConfigurationError
from integration_pipelines.lib.http.retry import RetryPolicy
from integration_pipelines.lib.text.sentiment.base import ProviderUsage, SentimentRequest, SentimentResult
from integration_pipelines.lib.text.sentiment.cache import CachedScore, SentimentCache
from integration_pipelines.lib.text.sentiment.llm import (
    DEFAULT_PRICES,
    AnthropicProvider,
    LLMSentimentProvider,
    LLMUnavailableError,
    ModelPrice,
    OpenAICompatibleProvider,
    find_price,
)
from integration_pipelines.lib.text.sentiment.prompt import parse_items
from vendor_sandbox.dialects.llm import ANTHROPIC_API_KEY, OPENAI_API_KEY
from vendor_sandbox.dialects.llm_sentiment import MALFORMED_KINDS, score_text
from vendor_sandbox.faults import FaultConfig, FaultInjector
from vendor_sandbox.process import SandboxProcess

VENDORS = ("openai", "anthropic")
MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-haiku-4-5"}
FAST = RetryPolicy(max_attempts=4, budget=200, base_delay=0.001, max_delay=0.005)


class TinyOffline:
    """A deterministic stand-in for the offline provider: everything is neutral."""

    name = "offline"
    model = "tiny-offline-1"

    def __init__(self) -> None:
        self.usage = ProviderUsage()
        self.calls = 0

    def score(self, batch: Sequence[SentimentRequest]) -> list[SentimentResult]:
        self.calls += 1
        return [SentimentResult(r.id, "neutral", 0.0, 0.5, self.name, self.model) for r in batch]


def make(vendor: str, sandbox: SandboxProcess, **options: object) -> LLMSentimentProvider:
    """A provider pointed at the sandbox with fast retries; ``options`` override anything."""
    settings: dict[str, object] = {"retry": FAST, "timeout": 10.0, "max_workers": 4, **options}
    settings.setdefault("model", MODELS[vendor])
    if vendor == "openai":
        settings.setdefault("api_key", OPENAI_API_KEY)
        return OpenAICompatibleProvider(base_url=f"{sandbox.url}/openai/v1", **settings)  # type: ignore[arg-type]
    settings.setdefault("api_key", ANTHROPIC_API_KEY)
    return AnthropicProvider(base_url=f"{sandbox.url}/anthropic", **settings)  # type: ignore[arg-type]


POSITIVE = ("Thanks {i}, great service!", "شكراً على الخدمة الممتازة رقم {i}", "order {i} arrived, perfect 👍")
NEGATIVE = ("Order {i} is late again, terrible", "الطلب {i} متأخر والخدمة سيئة", "app crash #{i} 😡")
NEUTRAL = ("Question {i} about my invoice", "رقم الطلب {i}")


def texts(n: int, start: int = 0) -> list[str]:
    pools = POSITIVE + NEGATIVE + NEUTRAL
    return [pools[i % len(pools)].format(i=i) for i in range(start, start + n)]


def requests_for(items: Sequence[str], prefix: str = "msg") -> list[SentimentRequest]:
    return [
        SentimentRequest(f"{prefix}-{i}", t, "ar" if re.search("[\u0600-\u06ff]", t) else "en")
        for i, t in enumerate(items)
    ]


def model_calls(sandbox: SandboxProcess, vendor: str) -> int:
    return sandbox.admin(vendor, "stats")["requests"]


# ---------------------------------------------------------------- batching and mapping


@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize("batch_size", [20, 7])
def test_batches_over_http_map_back_in_order(llm_sandbox: SandboxProcess, vendor: str, batch_size: int) -> None:
    """45 texts in ceil(45/batch) requests; each result has its request's id, in order, with the
    label the sandbox model gives that text — even when the model answers items in reverse."""
    llm_sandbox.admin(vendor, "configure", reverse_order=True)
    batch = requests_for(texts(45))
    provider = make(vendor, llm_sandbox, batch_size=batch_size)
    results = provider.score(batch)
    assert [r.id for r in results] == [r.id for r in batch]
    assert [r.label for r in results] == [score_text(r.text)["label"] for r in batch]
    assert {r.label for r in results} == {"positive", "negative", "neutral"}
    assert [r.score for r in results] == [score_text(r.text)["score"] for r in batch]
    assert {(r.provider, r.model) for r in results} == {(vendor, MODELS[vendor])}
    calls = math.ceil(45 / batch_size)
    assert model_calls(llm_sandbox, vendor) == calls == provider.usage.requests
    assert llm_sandbox.stats()[vendor]["requests"] == calls  # the SDK sent nothing more
    assert llm_sandbox.admin(vendor, "seen") == 45
    assert provider.usage.fallbacks == 0 and provider.usage.cache_hits == 0


def test_empty_batch_sends_nothing(llm_sandbox: SandboxProcess) -> None:
    assert make("openai", llm_sandbox).score([]) == []
    assert llm_sandbox.stats() == {}


# ---------------------------------------------------------------- cache


@pytest.mark.parametrize("vendor", VENDORS)
def test_cache_hits_send_nothing_and_changes_miss(llm_sandbox: SandboxProcess, vendor: str, tmp_path: Path) -> None:
    batch = requests_for(texts(25))
    with SentimentCache(tmp_path / "sentiment.sqlite") as cache:
        first = make(vendor, llm_sandbox, cache=cache).score(batch)
        assert llm_sandbox.admin(vendor, "seen") == 25
        again = make(vendor, llm_sandbox, cache=cache)
        assert again.score(batch) == first
        assert llm_sandbox.admin(vendor, "seen") == 25
        assert again.usage.cache_hits == 25 and again.usage.requests == 0
        make(vendor, llm_sandbox, cache=cache, prompt_version="sentiment-v2-test").score(batch)
        assert llm_sandbox.admin(vendor, "seen") == 50
        make(vendor, llm_sandbox, cache=cache, model=MODELS[vendor] + "-2099").score(batch)
        assert llm_sandbox.admin(vendor, "seen") == 75
    with SentimentCache(tmp_path / "sentiment.sqlite") as reopened:  # persists across runs
        rerun = make(vendor, llm_sandbox, cache=reopened)
        assert rerun.score(batch) == first and rerun.usage.cache_hits == 25
    assert llm_sandbox.admin(vendor, "seen") == 75


def test_same_text_twice_in_one_call_is_sent_once(llm_sandbox: SandboxProcess) -> None:
    batch = requests_for(["Thanks, great!", "Thanks,  great! ", "late, terrible", "Thanks, great!"])
    provider = make("openai", llm_sandbox, cache=SentimentCache())
    results = provider.score(batch)
    assert llm_sandbox.admin("openai", "seen") == 2  # whitespace differences normalise away
    assert [r.id for r in results] == [r.id for r in batch]
    assert [r.label for r in results] == ["positive", "positive", "negative", "positive"]
    assert provider.usage.extra["deduplicated"] == 2


def test_cache_keys_and_thread_safety(tmp_path: Path) -> None:
    key = SentimentCache.key
    assert key("شكراً  جزيلاً\n", "openai", "m", "v1") == key("شكراً جزيلاً", "openai", "m", "v1")
    assert (
        len(
            {
                key("hi", "openai", "m", "v1"),
                key("Hi", "openai", "m", "v1"),
                key("hi", "anthropic", "m", "v1"),
                key("hi", "openai", "m2", "v1"),
                key("hi", "openai", "m", "v2"),
            }
        )
        == 5
    )
    cache = SentimentCache(tmp_path / "c.sqlite")

    def work(worker: int) -> None:
        for i in range(50):
            cache.put_many([(f"k{worker}-{i}", CachedScore("positive", 0.5, 0.9, "m"))])
            assert cache.get_many([f"k{worker}-{i}"])[f"k{worker}-{i}"].score == 0.5

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) == 400
    assert len(cache.get_many([f"k3-{i}" for i in range(50)] + ["missing"])) == 50
    cache.close()


# ---------------------------------------------------------------- cost


@pytest.mark.parametrize("vendor", VENDORS)
def test_usage_tokens_match_the_sandbox_and_cost_is_tokens_times_price(
    llm_sandbox: SandboxProcess, vendor: str
) -> None:
    provider = make(vendor, llm_sandbox, batch_size=10)
    provider.score(requests_for(texts(33)))
    stats = llm_sandbox.admin(vendor, "stats")
    assert (provider.usage.input_tokens, provider.usage.output_tokens) == (
        stats["input_tokens"],
        stats["output_tokens"],
    )
    price = DEFAULT_PRICES[MODELS[vendor]]
    assert provider.usage.cost_usd == (
        stats["input_tokens"] * price.input_per_million / 1e6 + stats["output_tokens"] * price.output_per_million / 1e6
    )
    assert provider.usage.cost_usd > 0 and "unpriced_model" not in provider.usage.extra


def test_price_overrides_prefixes_and_unknown_models(llm_sandbox: SandboxProcess) -> None:
    assert find_price("gpt-4o-mini-2024-07-18", DEFAULT_PRICES) == DEFAULT_PRICES["gpt-4o-mini"]
    assert find_price("gpt-4o-2024-08-06", DEFAULT_PRICES) == DEFAULT_PRICES["gpt-4o"]
    custom = make("openai", llm_sandbox, model="jais-30b-chat", prices={"jais-30b-chat": ModelPrice(1.25, 7.5)})
    custom.score(requests_for(texts(5)))
    assert custom.usage.cost_usd == custom.usage.input_tokens * 1.25 / 1e6 + custom.usage.output_tokens * 7.5 / 1e6
    unknown = make("openai", llm_sandbox, model="mystery-model")
    unknown.score(requests_for(texts(5)))
    assert unknown.usage.input_tokens > 0
    assert unknown.usage.cost_usd == 0.0 and unknown.usage.extra["unpriced_model"] == 1.0


# ---------------------------------------------------------------- failures: fallback and retries


@pytest.mark.parametrize("vendor", VENDORS)
def test_503_always_falls_back_without_raising(llm_sandbox: SandboxProcess, vendor: str) -> None:
    llm_sandbox.set_faults(FaultConfig(rate_503=1.0))
    fallback = TinyOffline()
    provider = make(vendor, llm_sandbox, batch_size=10, fallback=fallback)
    batch = requests_for(texts(25))
    results = provider.score(batch)
    assert [r.id for r in results] == [r.id for r in batch]
    assert {(r.provider, r.model) for r in results} == {("offline", "tiny-offline-1")}
    assert provider.usage.fallbacks == 25 and fallback.calls == 3
    assert llm_sandbox.stats()[vendor]["fault_503"] == 3 * FAST.max_attempts == provider.usage.requests
    assert provider.usage.extra["retries"] == 3 * (FAST.max_attempts - 1)


@pytest.mark.parametrize("vendor", VENDORS)
def test_mixed_transport_faults_are_retried_to_a_full_answer(llm_sandbox: SandboxProcess, vendor: str) -> None:
    """429, 500, 503, dropped connections and cut-off 200 bodies at 30 % in all (seeded, one worker)."""
    llm_sandbox.set_faults(FaultConfig.mixed(0.06, rate_slow=0.0, retry_after_seconds=0, seed=2))
    provider = make(
        vendor,
        llm_sandbox,
        batch_size=2,
        max_workers=1,
        fallback=TinyOffline(),
        retry=RetryPolicy(max_attempts=10, base_delay=0.001, max_delay=0.002),
    )
    batch = requests_for(texts(40))
    results = provider.score(batch)
    assert [r.label for r in results] == [score_text(r.text)["label"] for r in batch]
    assert provider.usage.fallbacks == 0 and {r.provider for r in results} == {vendor}
    faults = {k: v for k, v in llm_sandbox.stats()[vendor].items() if k.startswith("fault_")}
    assert sum(faults.values()) == provider.usage.extra["retries"] > 0
    assert {"fault_drop", "fault_truncate"} <= faults.keys(), faults


@pytest.mark.parametrize("fault", ["rate_truncate", "rate_drop"])
def test_unreadable_bodies_always_fall_back(llm_sandbox: SandboxProcess, fault: str) -> None:
    llm_sandbox.set_faults(FaultConfig.model_validate({fault: 1.0}))
    provider = make("anthropic", llm_sandbox, fallback=TinyOffline())
    assert {r.provider for r in provider.score(requests_for(texts(4)))} == {"offline"}
    assert provider.usage.requests == FAST.max_attempts


def test_fallback_rows_are_not_cached(llm_sandbox: SandboxProcess) -> None:
    cache = SentimentCache()
    llm_sandbox.set_faults(FaultConfig(rate_503=1.0))
    batch = requests_for(texts(5))
    make("openai", llm_sandbox, cache=cache, fallback=TinyOffline()).score(batch)
    assert len(cache) == 0
    llm_sandbox.set_faults(FaultConfig())
    assert {r.provider for r in make("openai", llm_sandbox, cache=cache).score(batch)} == {"openai"}


def test_the_retry_budget_is_shared_by_the_run(llm_sandbox: SandboxProcess) -> None:
    llm_sandbox.set_faults(FaultConfig(rate_500=1.0))
    provider = make(
        "anthropic",
        llm_sandbox,
        batch_size=5,
        max_workers=1,
        fallback=TinyOffline(),
        retry=RetryPolicy(max_attempts=4, budget=2, base_delay=0.001, max_delay=0.002),
    )
    provider.score(requests_for(texts(15)))
    assert provider.usage.extra["retries"] == 2 and provider.usage.fallbacks == 15
    assert provider.usage.requests == 3 + 2  # one attempt per batch, plus the two retries the budget allowed


def test_without_a_fallback_the_failure_is_raised(llm_sandbox: SandboxProcess) -> None:
    llm_sandbox.set_faults(FaultConfig(rate_503=1.0))
    with pytest.raises(LLMUnavailableError, match=r"\[openai\] .*HTTP 503"):
        make("openai", llm_sandbox).score(requests_for(texts(3)))


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_connection_errors_are_retried_then_fall_back() -> None:
    provider = OpenAICompatibleProvider(
        "gpt-4o-mini",
        api_key=OPENAI_API_KEY,
        base_url=f"http://127.0.0.1:{closed_port()}/v1",
        retry=FAST,
        timeout=2.0,
        fallback=TinyOffline(),
    )
    results = provider.score(requests_for(texts(3)))
    assert {r.provider for r in results} == {"offline"}
    assert provider.usage.requests == FAST.max_attempts


def test_a_rejected_request_falls_back_for_that_batch_only(llm_sandbox: SandboxProcess) -> None:
    """A 400 (here: an empty model name; in production e.g. a content filter) is not retried."""
    provider = make("openai", llm_sandbox, model="", fallback=TinyOffline())
    assert {r.provider for r in provider.score(requests_for(texts(4)))} == {"offline"}
    assert provider.usage.requests == 1 and provider.usage.extra["rejected_batches"] == 1


def test_a_wrong_base_url_is_a_configuration_error(llm_sandbox: SandboxProcess) -> None:
    provider = OpenAICompatibleProvider(
        "gpt-4o-mini", api_key=OPENAI_API_KEY, base_url=f"{llm_sandbox.url}/nope/v1", retry=FAST, fallback=TinyOffline()
    )
    with pytest.raises(ConfigurationError, match="base URL"):
        provider.score(requests_for(texts(3)))


@pytest.mark.parametrize("vendor", VENDORS)
def test_malformed_answers_at_30_percent_are_retried(llm_sandbox: SandboxProcess, vendor: str) -> None:
    """Seeded, one worker: deterministic. Every id gets exactly one valid LLM result."""
    llm_sandbox.admin(vendor, "configure", malformed_rate=0.3, seed=3)
    provider = make(
        vendor,
        llm_sandbox,
        batch_size=6,
        max_workers=1,
        max_output_attempts=6,
        retry=RetryPolicy(max_attempts=8, base_delay=0.001, max_delay=0.002),
    )
    batch = requests_for(texts(60))
    results = provider.score(batch)
    assert [r.id for r in results] == [r.id for r in batch]
    assert all(r.provider == vendor for r in results) and provider.usage.fallbacks == 0
    assert [r.label for r in results] == [score_text(r.text)["label"] for r in batch]
    malformed = llm_sandbox.admin(vendor, "stats")["malformed"]
    rejected = sum(n for kind, n in malformed.items() if kind != "prose")  # prose is salvaged
    assert rejected > 0
    assert provider.usage.extra["malformed_outputs"] == rejected
    assert provider.usage.requests == 10 + rejected == model_calls(llm_sandbox, vendor)


@pytest.mark.parametrize("kind", MALFORMED_KINDS)
def test_each_malformed_kind(llm_sandbox: SandboxProcess, kind: str) -> None:
    """Always malformed: prose-wrapped JSON is salvaged (LLM rows, one request); every other kind
    is rejected, retried ``max_output_attempts`` times, then the batch falls back."""
    llm_sandbox.admin("openai", "configure", malformed_rate=1.0, malformed_kinds=[kind])
    provider = make("openai", llm_sandbox, max_output_attempts=2, fallback=TinyOffline())
    results = provider.score(requests_for(texts(8)))
    assert len(results) == 8 and len({r.id for r in results}) == 8
    if kind == "prose":
        assert {r.provider for r in results} == {"openai"} and provider.usage.requests == 1
        assert "malformed_outputs" not in provider.usage.extra
    else:
        assert {r.provider for r in results} == {"offline"} and provider.usage.fallbacks == 8
        assert provider.usage.requests == 2 and provider.usage.extra["malformed_outputs"] == 2
        assert provider.usage.input_tokens > 0  # malformed answers are still billed and counted


def _seed_with_429_first() -> int:
    """A fault seed whose first draw is a 429 and second is not (burst of one)."""
    for seed in range(10_000):
        injector = FaultInjector(FaultConfig(rate_429=0.5, burst_429=1, retry_after_seconds=1, seed=seed))
        if [injector.draw() for _ in range(2)] == ["429", None]:
            return seed
    raise AssertionError("no seed found")


@pytest.mark.parametrize("vendor", VENDORS)
def test_429_retry_after_is_honoured(llm_sandbox: SandboxProcess, vendor: str) -> None:
    """The wait is the server's Retry-After (1 s), not our millisecond backoff."""
    llm_sandbox.set_faults(FaultConfig(rate_429=0.5, burst_429=1, retry_after_seconds=1, seed=_seed_with_429_first()))
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        time.sleep(seconds)

    provider = make(vendor, llm_sandbox, max_workers=1, sleep=sleep)
    started = time.monotonic()
    results = provider.score(requests_for(texts(5)))
    assert time.monotonic() - started >= 0.95
    assert {r.provider for r in results} == {vendor}
    assert llm_sandbox.stats()[vendor]["fault_429"] == 1 and provider.usage.requests == 2
    assert sum(sleeps) >= 0.95 and provider.usage.extra["rate_limit_wait_seconds"] >= 0.95


def test_concurrency_limit_is_respected(llm_sandbox: SandboxProcess) -> None:
    llm_sandbox.admin("anthropic", "configure", latency_seconds=0.1)
    provider = make("anthropic", llm_sandbox, batch_size=5, max_workers=3)
    provider.score(requests_for(texts(45)))
    stats = llm_sandbox.admin("anthropic", "stats")
    assert stats["requests"] == 9
    assert stats["max_in_flight"] == 3  # used, and never exceeded


def test_requests_per_minute_paces_calls(llm_sandbox: SandboxProcess) -> None:
    """1,200/minute is 20 a second: 30 one-text calls take at least half a second past the first 20."""
    provider = make("openai", llm_sandbox, batch_size=1, requests_per_minute=1200)
    started = time.monotonic()
    provider.score(requests_for(texts(30)))
    assert time.monotonic() - started >= 0.45
    assert provider.usage.requests == 30 and provider.usage.extra["rate_limit_wait_seconds"] >= 0.45


def test_a_rejected_key_fails_fast_across_batches(llm_sandbox: SandboxProcess) -> None:
    provider = make("openai", llm_sandbox, api_key="sk-wrong-0000000000", batch_size=1, max_workers=2)
    with pytest.raises(AuthenticationError):
        provider.score(requests_for(texts(40)))
    assert llm_sandbox.stats()["openai"]["unauthorized"] <= 2  # batches not yet started are cancelled


# ---------------------------------------------------------------- what leaves the process


EMAIL_OR_PHONE = re.compile(r"[\w.+-]+@[\w-]+\.\w+|\+?\d[\d\s-]{7,}\d")


@pytest.mark.parametrize("vendor", VENDORS)
def test_request_bodies_hold_exactly_the_given_texts(llm_sandbox: SandboxProcess, vendor: str) -> None:
    """Only the (already redacted) texts and positional ids leave: not the caller's ids, which may
    carry PII, nor language hints or anything else."""
    given = ["Call me on [PHONE] or write to [EMAIL], the refund is late", "شكراً [NAME]، تم الحل"]
    batch = [
        SentimentRequest("customer-jane.doe@example.com-1", given[0], "en", None),
        SentimentRequest("+966 55 123 4567", given[1], "ar", "gulf"),
    ]
    make(vendor, llm_sandbox).score(batch)
    [body] = llm_sandbox.admin(vendor, "last_requests")
    expected_keys = (
        {"model", "messages", "temperature", "response_format"}
        if vendor == "openai"
        else {"model", "max_tokens", "system", "messages"}
    )
    assert set(body) == expected_keys
    user = [m for m in body["messages"] if m["role"] == "user"]
    assert len(user) == 1
    content = user[0]["content"] if isinstance(user[0]["content"], str) else user[0]["content"][0]["text"]
    assert parse_items(content) == [{"id": "1", "text": given[0]}, {"id": "2", "text": given[1]}]
    raw = json.dumps(body, ensure_ascii=False)
    assert not EMAIL_OR_PHONE.search(raw)
    assert "jane" not in raw and "gulf" not in raw


WRONG_KEYS = {"openai": "sk-live-WRONG-0f9e8d7c6b5a4f3e2d1c", "anthropic": "sk-ant-WRONG-a1b2c3d4e5f6a7b8c9d0"}


@pytest.mark.parametrize("vendor", VENDORS)
def test_api_key_never_appears_in_errors_or_logs(
    llm_sandbox: SandboxProcess, vendor: str, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """The sandbox's 401 echoes the whole key; it must not survive into our error, its traceback,
    any log record (SDK and httpx debug logs included) or the console."""
    key = WRONG_KEYS[vendor]
    caplog.set_level("DEBUG")
    provider = make(vendor, llm_sandbox, api_key=key, fallback=TinyOffline())
    with pytest.raises(AuthenticationError) as caught:
        provider.score(requests_for(texts(3)))
    assert llm_sandbox.stats()[vendor]["unauthorized"] == 1  # a 401 is not retried
    message = str(caught.value)
    assert message.startswith(f"[{vendor}] the API key was rejected (HTTP 401")
    assert "***" in message  # the echoed key, masked
    rendered = "".join(traceback.format_exception(caught.value))
    captured = capsys.readouterr()
    for where in (message, rendered, caplog.text, captured.out, captured.err, *(str(r.args) for r in caplog.records)):
        assert key not in where
        assert key[8:] not in where


# ---------------------------------------------------------------- construction


def test_bedrock_builds_a_bedrock_client_without_sdk_retries() -> None:
    """boto3 is a project dependency (dagster-aws), so the Bedrock platform is always constructible."""
    import anthropic

    provider = AnthropicProvider(
        "anthropic.claude-3-5-haiku-20241022-v1:0",
        platform="bedrock",
        aws_region="eu-west-1",
        aws_access_key="AKIA" + "X" * 16,
        aws_secret_key="s" * 40,
    )
    assert provider.name == "anthropic_bedrock"
    assert isinstance(provider._client, anthropic.AnthropicBedrock) and provider._client.max_retries == 0


def test_vertex_builds_a_vertex_client_without_sdk_retries() -> None:
    """google-auth ships with the project (dagster-gcp), so the Vertex platform is always constructible."""
    import anthropic

    provider = AnthropicProvider(
        "claude-haiku-4-5@20251001", platform="vertex", vertex_region="europe-west1", vertex_project_id="p"
    )
    assert provider.name == "anthropic_vertex"
    assert isinstance(provider._client, anthropic.AnthropicVertex) and provider._client.max_retries == 0


def test_vertex_without_google_auth_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """An install without google-auth (None in sys.modules makes its import fail, as if absent) gets an
    error naming the extra to install, not an ImportError from inside the SDK."""
    monkeypatch.setitem(sys.modules, "google.auth", None)
    with pytest.raises(ConfigurationError, match=r"google.auth package: pip install 'anthropic\[vertex\]'"):
        AnthropicProvider(
            "claude-haiku-4-5@20251001", platform="vertex", vertex_region="europe-west1", vertex_project_id="p"
        )


def test_azure_needs_an_api_version_and_builds_an_azure_client() -> None:
    import openai

    with pytest.raises(ConfigurationError, match="api_version"):
        OpenAICompatibleProvider("my-deployment", api_key="k" * 20, azure_endpoint="https://x.openai.azure.com")
    provider = OpenAICompatibleProvider(
        "my-deployment", api_key="k" * 20, azure_endpoint="https://x.openai.azure.com", api_version="2024-10-21"
    )
    assert provider.name == "azure_openai"
    assert isinstance(provider._client, openai.AzureOpenAI) and provider._client.max_retries == 0
