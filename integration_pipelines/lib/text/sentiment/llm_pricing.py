"""What LLM tokens cost, so each run can report its spend next to its token counts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ModelPrice:
    """USD per million tokens."""

    input_per_million: float
    output_per_million: float

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return input_tokens * self.input_per_million / 1e6 + output_tokens * self.output_per_million / 1e6


# List prices at the time of writing; override per deployment with ``prices=`` (e.g. from config).
DEFAULT_PRICES: dict[str, ModelPrice] = {
    "gpt-4o-mini": ModelPrice(0.15, 0.60),
    "gpt-4o": ModelPrice(2.50, 10.00),
    "gpt-4.1-nano": ModelPrice(0.10, 0.40),
    "gpt-4.1-mini": ModelPrice(0.40, 1.60),
    "gpt-4.1": ModelPrice(2.00, 8.00),
    "claude-3-haiku": ModelPrice(0.25, 1.25),
    "claude-3-5-haiku": ModelPrice(0.80, 4.00),
    "claude-haiku-4-5": ModelPrice(1.00, 5.00),
    "claude-sonnet-4": ModelPrice(3.00, 15.00),
}


def find_price(model: str, prices: Mapping[str, ModelPrice]) -> ModelPrice | None:
    """Exact name, else the longest listed prefix ("gpt-4o-mini-2024-07-18" → "gpt-4o-mini")."""
    if model in prices:
        return prices[model]
    prefixes = [name for name in prices if model.startswith(name)]
    return prices[max(prefixes, key=len)] if prefixes else None
