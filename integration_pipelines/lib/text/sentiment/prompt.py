"""The sentiment prompt every LLM provider sends, and the strict check of what comes back.

One prompt format for all vendors keeps the cache key honest (``PROMPT_VERSION`` changes whenever
the wording or format changes, so old answers are not reused) and lets the sandbox's fake models
parse exactly what production sends. Items carry positional ids ("1", "2", ...) and the redacted
text only: the caller's ids (conversation/message ids) never leave the process.

Answers are validated strictly (labels, ranges, every id exactly once). JSON wrapped in prose or a
Markdown fence is salvaged — the object between the first ``{`` and the last ``}`` is parsed —
because the same strict validation still applies to it; anything else is a malformed answer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

PROMPT_VERSION = "sentiment-v1"

SYSTEM_PROMPT = (
    "You label the sentiment of customer-support messages written in Arabic (MSA, Gulf, Egyptian), "
    "English, Arabizi or a mix. Personal data has been replaced by placeholders such as [EMAIL] or "
    "[PHONE]; ignore them. Judge the customer's attitude, including sarcasm (praise that means the "
    "opposite is negative).\n"
    'The user message is a JSON object {"items": [{"id": string, "text": string}, ...]}.\n'
    'Answer with JSON only, no prose: {"results": [{"id": string, "label": '
    '"negative"|"neutral"|"positive", "score": number in [-1, 1] (polarity), '
    '"confidence": number in [0, 1]}]} with exactly one result per input id.'
)

_RESULT_PROPERTIES: dict[str, Any] = {
    "id": {"type": "string"},
    "label": {"type": "string", "enum": ["negative", "neutral", "positive"]},
    "score": {"type": "number"},
    "confidence": {"type": "number"},
}
# Ranges are left to the prompt and pydantic: strict-mode JSON schema support for them varies by vendor.
OUTPUT_JSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": _RESULT_PROPERTIES,
                "required": list(_RESULT_PROPERTIES),
                "additionalProperties": False,
            },
        }
    },
    "required": ["results"],
    "additionalProperties": False,
}
OUTPUT_SCHEMA_NAME = "sentiment_batch"


class MalformedOutputError(ValueError):
    """The model's answer is unusable for this batch (bad JSON, schema, labels or ids)."""

    def __init__(self, kind: str, detail: str) -> None:
        self.kind = kind  # invalid_json | schema | ids | empty | truncated
        super().__init__(f"{kind}: {detail}")


class SentimentItem(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    id: str
    label: Literal["negative", "neutral", "positive"]
    score: float = Field(ge=-1.0, le=1.0)
    confidence: float = Field(ge=0.0, le=1.0)

    @field_validator("label", mode="before")
    @classmethod
    def _tidy_label(cls, value: object) -> object:
        """' Positive' is the same answer; 'mixed' or 'very positive' is not."""
        return value.strip().lower() if isinstance(value, str) else value


class SentimentBatchOutput(BaseModel):
    model_config = ConfigDict(extra="ignore")

    results: list[SentimentItem]


def batch_ids(count: int) -> list[str]:
    """Positional ids for a batch: short (cheap tokens) and free of anything the caller knows."""
    return [str(i) for i in range(1, count + 1)]


def user_message(texts: Sequence[str]) -> str:
    """The user turn: ``{"items": [{"id": "1", "text": ...}, ...]}`` as compact UTF-8 JSON."""
    items = [{"id": i, "text": t} for i, t in zip(batch_ids(len(texts)), texts, strict=True)]
    return json.dumps({"items": items}, ensure_ascii=False, separators=(",", ":"))


def parse_items(content: str) -> list[dict[str, str]]:
    """The inverse of ``user_message`` (what a model, or the sandbox, reads)."""
    data = json.loads(content)
    items = data["items"] if isinstance(data, dict) else None
    if not isinstance(items, list) or not all(
        isinstance(i, dict) and isinstance(i.get("id"), str) and isinstance(i.get("text"), str) for i in items
    ):
        raise ValueError('expected {"items": [{"id": str, "text": str}, ...]}')
    return items


def _load_json(content: str) -> object:
    try:
        return json.loads(content)
    except ValueError:
        pass
    start, end = content.find("{"), content.rfind("}")
    if start == -1 or end <= start:
        raise MalformedOutputError("invalid_json", "no JSON object in the answer")
    try:
        return json.loads(content[start : end + 1])  # salvaged from prose or a ```json fence
    except ValueError as exc:
        raise MalformedOutputError("invalid_json", str(exc)) from None


def parse_output(content: str | None, expected_ids: Sequence[str]) -> dict[str, SentimentItem]:
    """Validate an answer against the batch: returns id → item, or raises MalformedOutputError."""
    if not content or not content.strip():
        raise MalformedOutputError("empty", "the answer has no text")
    try:
        output = SentimentBatchOutput.model_validate(_load_json(content))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise MalformedOutputError("schema", f"{where}: {first['msg']}") from None
    by_id: dict[str, SentimentItem] = {}
    for item in output.results:
        if item.id in by_id:
            raise MalformedOutputError("ids", f"id {item.id!r} answered twice")
        by_id[item.id] = item
    expected = set(expected_ids)
    missing, extra = expected - by_id.keys(), by_id.keys() - expected
    if missing or extra:
        raise MalformedOutputError("ids", f"missing ids {sorted(missing)[:5]}, unexpected ids {sorted(extra)[:5]}")
    return by_id
