"""OpenAI- and Anthropic-compatible endpoints around one fake sentiment model (``sentiment.py``)."""

from vendor_sandbox.dialects.llm.anthropic import ANTHROPIC_API_KEY, AnthropicDialect
from vendor_sandbox.dialects.llm.dialect import BadRequest, LLMDialect
from vendor_sandbox.dialects.llm.openai import OPENAI_API_KEY, OpenAIDialect

DIALECTS = (OpenAIDialect, AnthropicDialect)

__all__ = [
    "ANTHROPIC_API_KEY",
    "DIALECTS",
    "OPENAI_API_KEY",
    "AnthropicDialect",
    "BadRequest",
    "LLMDialect",
    "OpenAIDialect",
]
