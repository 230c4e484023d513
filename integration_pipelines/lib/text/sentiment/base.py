"""The contract every sentiment provider keeps, offline or LLM.

Providers receive text that is already normalised and PII-redacted (the raw text never leaves the
preprocessing step), score it in batches, and say who scored each row, so a table can mix rows from
an LLM and from the offline fallback and stay auditable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

Label = Literal["negative", "neutral", "positive"]
LABELS: tuple[Label, ...] = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class SentimentRequest:
    """One message to score: a stable id, redacted text, and the language preprocessing found."""

    id: str
    text: str
    language: str  # "ar" | "en" | "arabizi" | "mixed" | "unknown"
    dialect: str | None = None  # a cheap hint ("gulf", "egyptian", "msa") when preprocessing has one


@dataclass(frozen=True)
class SentimentResult:
    id: str
    label: Label
    score: float  # polarity in [-1, 1]: negative below 0, positive above
    confidence: float  # the model's probability (or stated confidence) for `label`, in [0, 1]
    provider: str  # "offline", "openai", "anthropic", ... — who actually scored this row
    model: str  # model name and version, e.g. "arsarcasm-v2-linear-1+vader-3.3.2"


@dataclass
class ProviderUsage:
    """What scoring cost: reported as materialization metadata."""

    requests: int = 0  # LLM API calls (retries included); the offline model makes none
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    cache_hits: int = 0
    fallbacks: int = 0  # rows scored by the offline model because the LLM path failed
    extra: dict[str, float] = field(default_factory=dict)


class SentimentProvider(Protocol):
    """Scores batches; ``usage`` accumulates over the provider's lifetime (one asset run)."""

    name: str
    model: str
    usage: ProviderUsage

    def score(self, batch: Sequence[SentimentRequest]) -> list[SentimentResult]:
        """One result per request, in the same order."""
        ...
