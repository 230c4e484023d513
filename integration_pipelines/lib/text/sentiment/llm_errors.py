"""How a failed LLM call is handled: retried, fatal for the run, or given up to the fallback.

Vendors' SDKs raise differently shaped errors; mapping them to one ``CallFailure`` here keeps the
retry loop in ``llm`` vendor-neutral. The vendor's response text is redacted before it joins a reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Literal

from integration_pipelines.lib.http.errors import IntegrationError
from integration_pipelines.lib.http.redact import Redactor
from integration_pipelines.lib.http.retry import is_retryable_status, parse_retry_after


class LLMUnavailableError(IntegrationError):
    """A batch could not be scored by the LLM and no fallback provider was configured."""


@dataclass(frozen=True)
class CallFailure:
    """How to treat a failed call: retry (after ``wait``), fail the run, or give the batch up."""

    kind: Literal["retry", "auth", "config", "reject"]
    reason: str  # already redacted
    wait: float | None = None
    throttled: bool = False


def classify_failure(exc: Exception, sdk: ModuleType, redactor: Redactor, name: str, model: str) -> CallFailure:
    """Map the SDK's exception to our handling; anything that is not an SDK API error re-raises."""
    if isinstance(exc, sdk.APIStatusError):
        status = exc.status_code
        wait = retry_after(exc.response.headers)
        reason = f"HTTP {status} ({type(exc).__name__})"
        if status == 429:
            return CallFailure("retry", reason, wait, throttled=True)
        if status >= 500 or is_retryable_status(status):
            return CallFailure("retry", reason, wait)
        detail = redactor.snippet(str(getattr(exc, "message", "")), 300)  # redact, then cut: no half key
        if status in (401, 403):
            return CallFailure(
                "auth", f"the API key was rejected ({reason}): check the {name} api_key setting. Response: {detail}"
            )
        if status == 404:
            return CallFailure("config", f"{reason}: check the {name} base URL and model {model!r}. Response: {detail}")
        return CallFailure("reject", f"{reason}: {detail}")
    if isinstance(exc, sdk.APIConnectionError):  # APITimeoutError is one too
        return CallFailure("retry", type(exc).__name__)
    if isinstance(exc, json.JSONDecodeError | sdk.APIResponseValidationError):  # a cut-off 200 body
        return CallFailure("retry", f"unreadable response body ({type(exc).__name__})")
    raise exc


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked us to wait: ``retry-after-ms`` (OpenAI, Anthropic) or ``Retry-After``."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    return parse_retry_after(headers.get("retry-after"))
