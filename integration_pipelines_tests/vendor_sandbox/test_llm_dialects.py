"""The sandbox's OpenAI and Anthropic endpoints over real HTTP: shapes, auth, the fake model, admin knobs.

Plain ``httpx`` (no SDK, no provider) so these tests pin down what the fake vendors promise the
providers; the sandbox runs as its own process (fixtures ``llm_server`` / ``llm_sandbox``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from integration_pipelines.lib.text.sentiment.prompt import (
    SYSTEM_PROMPT,
    MalformedOutputError,
    parse_output,
    user_message,
)
from vendor_sandbox.dialects.llm import (
    ANTHROPIC_API_KEY,
    OPENAI_API_KEY,
)
from vendor_sandbox.dialects.llm import sentiment as llm_sentiment
from vendor_sandbox.faults import FaultConfig
from vendor_sandbox.process import SandboxProcess

OPENAI_HEADERS = {"Authorization": f"Bearer {OPENAI_API_KEY}"}
ANTHROPIC_HEADERS = {"x-api-key": ANTHROPIC_API_KEY, "anthropic-version": "2023-06-01"}
TEXTS = [
    "Thanks, great service! 👍",
    "The app keeps crashing, terrible 😡",
    "Where is my order?",
    "شكراً على الخدمة الممتازة",
    "الطلب متأخر وخدمة سيئة",
    "الخدمة مو زين",
]
EXPECTED = ["positive", "negative", "neutral", "positive", "negative", "negative"]


def openai_body(texts: Sequence[str] = TEXTS) -> dict[str, object]:
    return {
        "model": "gpt-4o-mini",
        "temperature": 0,
        "response_format": {"type": "json_object"},
        "messages": [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user_message(texts)}],
    }


def anthropic_body(texts: Sequence[str] = TEXTS) -> dict[str, object]:
    return {
        "model": "claude-haiku-4-5",
        "max_tokens": 512,
        "system": SYSTEM_PROMPT,
        "messages": [{"role": "user", "content": [{"type": "text", "text": user_message(texts)}]}],
    }


def post_openai(sandbox: SandboxProcess, body: object, headers: dict[str, str] = OPENAI_HEADERS) -> httpx.Response:
    return httpx.post(f"{sandbox.url}/openai/v1/chat/completions", json=body, headers=headers, timeout=10)


def post_anthropic(
    sandbox: SandboxProcess, body: object, headers: dict[str, str] = ANTHROPIC_HEADERS
) -> httpx.Response:
    return httpx.post(f"{sandbox.url}/anthropic/v1/messages", json=body, headers=headers, timeout=10)


def content_of(response: httpx.Response) -> str:
    data = response.json()
    return data["choices"][0]["message"]["content"] if "choices" in data else data["content"][0]["text"]


# ---------------------------------------------------------------- shapes and the fake model


def test_openai_chat_completion_shape_and_labels(llm_sandbox: SandboxProcess) -> None:
    """A chat completion as the OpenAI API returns it, whose content answers the prompt in order."""
    response = post_openai(llm_sandbox, openai_body())
    assert response.status_code == 200
    data = response.json()
    assert data["object"] == "chat.completion" and data["model"] == "gpt-4o-mini"
    assert data["id"].startswith("chatcmpl-") and isinstance(data["created"], int)
    choice = data["choices"][0]
    assert choice["index"] == 0 and choice["finish_reason"] == "stop"
    assert choice["message"]["role"] == "assistant"
    results = json.loads(choice["message"]["content"])["results"]
    assert [r["id"] for r in results] == ["1", "2", "3", "4", "5", "6"]
    assert [r["label"] for r in results] == EXPECTED
    usage = data["usage"]
    expected_input = llm_sentiment.count_tokens(SYSTEM_PROMPT, user_message(TEXTS))
    assert usage["prompt_tokens"] == expected_input
    assert usage["completion_tokens"] == llm_sentiment.count_tokens(choice["message"]["content"])
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_anthropic_message_shape_and_labels(llm_sandbox: SandboxProcess) -> None:
    response = post_anthropic(llm_sandbox, anthropic_body())
    assert response.status_code == 200
    data = response.json()
    assert data["type"] == "message" and data["role"] == "assistant" and data["stop_reason"] == "end_turn"
    assert data["id"].startswith("msg_") and data["model"] == "claude-haiku-4-5"
    assert [r["label"] for r in json.loads(data["content"][0]["text"])["results"]] == EXPECTED
    assert data["usage"] == {
        "input_tokens": llm_sentiment.count_tokens(SYSTEM_PROMPT, user_message(TEXTS)),
        "output_tokens": llm_sentiment.count_tokens(data["content"][0]["text"]),
    }


def test_the_fake_model_is_deterministic_per_text(llm_sandbox: SandboxProcess) -> None:
    """The same text gets the same answer alone, in another batch, and on another vendor."""
    first = json.loads(content_of(post_openai(llm_sandbox, openai_body(TEXTS))))["results"]
    alone = json.loads(content_of(post_openai(llm_sandbox, openai_body(TEXTS[3:4]))))["results"]
    other = json.loads(content_of(post_anthropic(llm_sandbox, anthropic_body(TEXTS))))["results"]
    assert first == other
    assert {k: v for k, v in alone[0].items() if k != "id"} == {k: v for k, v in first[3].items() if k != "id"}


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("not good at all", "negative"),
        ("7elw awi, shukran", "positive"),
        ("الخدمة مو زين", "negative"),
        ("😍😍", "positive"),
        ("I have a question", "neutral"),
        ("refund please, charged twice 😞", "negative"),
    ],
)
def test_lexicon_labels(text: str, label: str) -> None:
    result = llm_sentiment.score_text(text)
    assert result["label"] == label
    assert -1 <= float(result["score"]) <= 1 and 0 <= float(result["confidence"]) <= 1  # type: ignore[arg-type]


# ---------------------------------------------------------------- auth and bad requests


def test_wrong_keys_get_vendor_401s_that_echo_the_key(llm_sandbox: SandboxProcess) -> None:
    """Both 401s echo the presented key on purpose, so provider tests prove their own redaction."""
    response = post_openai(llm_sandbox, openai_body(), {"Authorization": "Bearer sk-wrong-key-123456"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"
    assert "sk-wrong-key-123456" in response.text
    response = post_anthropic(
        llm_sandbox, anthropic_body(), {"x-api-key": "sk-ant-wrong-999999", "anthropic-version": "2023-06-01"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"
    assert "sk-ant-wrong-999999" in response.text
    assert llm_sandbox.stats()["openai"]["unauthorized"] == 1
    assert llm_sandbox.stats()["anthropic"]["unauthorized"] == 1


def test_anthropic_accepts_bearer_keys_and_requires_a_version(llm_sandbox: SandboxProcess) -> None:
    """anthropic SDK 2.x sends the key as a bearer token; the version header stays required."""
    bearer = {"Authorization": f"Bearer {ANTHROPIC_API_KEY}", "anthropic-version": "2026-10-21"}
    assert post_anthropic(llm_sandbox, anthropic_body(), bearer).status_code == 200
    response = post_anthropic(llm_sandbox, anthropic_body(), {"x-api-key": ANTHROPIC_API_KEY})
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    "body",
    [
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "How are you?"}]},
        {"model": "gpt-4o-mini", "messages": []},
        {"messages": [{"role": "user", "content": user_message(TEXTS)}]},
        [1, 2, 3],
    ],
    ids=["not-the-prompt", "no-messages", "no-model", "not-an-object"],
)
def test_requests_outside_the_prompt_format_get_400(llm_sandbox: SandboxProcess, body: object) -> None:
    response = post_openai(llm_sandbox, body)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert llm_sandbox.admin("openai", "seen") == 0


def test_anthropic_requires_max_tokens(llm_sandbox: SandboxProcess) -> None:
    body = anthropic_body()
    del body["max_tokens"]
    response = post_anthropic(llm_sandbox, body)
    assert response.status_code == 400 and "max_tokens" in response.json()["error"]["message"]


# ---------------------------------------------------------------- admin: counters, last bodies, behaviour


def test_seen_stats_and_last_requests(llm_sandbox: SandboxProcess) -> None:
    bodies = [openai_body(TEXTS[:2]), openai_body(TEXTS[2:])]
    answers = [post_openai(llm_sandbox, body).json() for body in bodies]
    assert llm_sandbox.admin("openai", "seen") == len(TEXTS)
    assert llm_sandbox.admin("anthropic", "seen") == 0
    stats = llm_sandbox.admin("openai", "stats")
    assert stats["requests"] == 2 and stats["texts"] == len(TEXTS)
    assert stats["input_tokens"] == sum(a["usage"]["prompt_tokens"] for a in answers)
    assert stats["output_tokens"] == sum(a["usage"]["completion_tokens"] for a in answers)
    assert llm_sandbox.admin("openai", "last_requests") == bodies
    assert llm_sandbox.admin("openai", "last_requests", limit=1) == bodies[-1:]
    llm_sandbox.admin("openai", "reset")
    assert llm_sandbox.admin("openai", "seen") == 0 and llm_sandbox.admin("openai", "last_requests") == []


@pytest.mark.parametrize("kind", llm_sentiment.MALFORMED_KINDS)
def test_each_malformed_kind_fails_validation_except_prose(llm_sandbox: SandboxProcess, kind: str) -> None:
    """Every kind breaks the strict check, except prose-wrapped JSON, which the parser salvages."""
    llm_sandbox.admin("anthropic", "configure", malformed_rate=1.0, malformed_kinds=[kind])
    content = content_of(post_anthropic(llm_sandbox, anthropic_body()))
    ids = [str(i) for i in range(1, len(TEXTS) + 1)]
    if kind == "prose":
        assert content.startswith("Sure!") and "```json" in content
        assert [parse_output(content, ids)[i].label for i in ids] == EXPECTED
    else:
        with pytest.raises(MalformedOutputError):
            parse_output(content, ids)
    assert llm_sandbox.admin("anthropic", "stats")["malformed"] == {kind: 1}


def test_malformed_rate_is_seeded(llm_sandbox: SandboxProcess) -> None:
    def run() -> list[bool]:
        llm_sandbox.admin("openai", "configure", malformed_rate=0.3, seed=5)
        flags = []
        for _ in range(20):
            try:
                parse_output(content_of(post_openai(llm_sandbox, openai_body())), [str(i) for i in range(1, 7)])
                flags.append(False)
            except MalformedOutputError:
                flags.append(True)
        return flags

    first = run()
    assert first == run()
    assert 0 < sum(llm_sandbox.admin("openai", "stats")["malformed"].values()) < 20


def test_reverse_order_answers_are_still_valid(llm_sandbox: SandboxProcess) -> None:
    llm_sandbox.admin("openai", "configure", reverse_order=True)
    results = json.loads(content_of(post_openai(llm_sandbox, openai_body())))["results"]
    assert [r["id"] for r in results] == ["6", "5", "4", "3", "2", "1"]
    assert [
        parse_output(json.dumps({"results": results}), [str(i) for i in range(1, 7)])[str(i)].label for i in range(1, 7)
    ] == EXPECTED


def test_configure_rejects_bad_values(llm_sandbox: SandboxProcess) -> None:
    with pytest.raises(httpx.HTTPStatusError) as caught:
        llm_sandbox.admin("openai", "configure", malformed_rate=2)
    assert caught.value.response.status_code == 422
    with pytest.raises(httpx.HTTPStatusError):
        llm_sandbox.admin("openai", "configure", malformed_kinds=["sarcastic"])


def test_latency_and_max_in_flight(llm_sandbox: SandboxProcess) -> None:
    llm_sandbox.admin("openai", "configure", latency_seconds=0.2)
    started = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda _: post_openai(llm_sandbox, openai_body()).status_code, range(4)))
    assert statuses == [200] * 4
    assert time.perf_counter() - started >= 0.2
    stats = llm_sandbox.admin("openai", "stats")
    assert stats["max_in_flight"] == 4 and stats["in_flight"] == 0


# ---------------------------------------------------------------- the framework's faults apply


def test_guard_faults_use_vendor_error_shapes(llm_sandbox: SandboxProcess) -> None:
    llm_sandbox.set_faults(FaultConfig(rate_429=1.0, retry_after_seconds=3))
    response = post_openai(llm_sandbox, openai_body())
    assert response.status_code == 429 and response.headers["Retry-After"] == "3"
    assert response.json()["error"]["code"] == "rate_limit_exceeded"
    response = post_anthropic(llm_sandbox, anthropic_body())
    assert response.status_code == 429 and response.headers["retry-after"] == "3"
    assert response.json()["error"]["type"] == "rate_limit_error"
    llm_sandbox.set_faults(FaultConfig(rate_503=1.0))
    assert post_openai(llm_sandbox, openai_body()).json()["error"]["type"] == "server_error"
    response = post_anthropic(llm_sandbox, anthropic_body())
    assert response.status_code == 503 and response.json()["error"]["type"] == "overloaded_error"
    assert llm_sandbox.admin("openai", "seen") == 0  # faulted requests never reach the model
