"""Live checks, timed: one cheap authenticated request per configured integration.

Sources go through their real connector (``open_client()`` then ``check_credentials()``, an endpoint
every vendor and the sandbox serve), with one attempt and the timeout as every deadline. Each check
runs in a daemon thread and is abandoned at ``timeout`` plus a grace second, so a warehouse driver
stuck in a connect cannot hold the command. Errors are reported redacted: our own errors are masked
by the process-wide registry, anything else passes through it and through the catalog's secrets.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from integration_pipelines.status.catalog import Integration

Status = Literal["healthy", "unhealthy", "skipped"]
GRACE_SECONDS = 1.0
MAX_DETAIL_CHARS = 300


@dataclass(frozen=True)
class Health:
    status: Status
    latency_ms: float | None = None
    detail: str = ""
    quota_remaining: float | None = None


def check_all(integrations: Sequence[Integration], timeout: float) -> list[Health]:
    """One Health per integration, in order; the checks run concurrently."""
    results: list[Health | None] = [None] * len(integrations)
    threads = []
    for index, integration in enumerate(integrations):

        def run(index: int = index, integration: Integration = integration) -> None:
            results[index] = check(integration, timeout)

        thread = threading.Thread(target=run, name=f"status-{integration.name}", daemon=True)
        thread.start()
        threads.append(thread)
    deadline = time.monotonic() + timeout + GRACE_SECONDS
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return [result or Health("unhealthy", None, f"no answer within {timeout:g} s") for result in results]


def check(integration: Integration, timeout: float) -> Health:
    """The integration's check, or why it was skipped."""
    if not integration.configured:
        return Health("skipped", detail="not configured")
    if not integration.enabled:
        return Health("skipped", detail=integration.note or "not in use")
    if integration.open_resource is None:
        return Health("skipped", detail="no resource to check")
    checker = CHECKS[integration.kind] if integration.kind != "warehouse" else WAREHOUSE_CHECKS[integration.name]
    timer = Timer()
    try:
        detail, quota = checker(integration, timeout, timer)
    except BaseException as exc:  # noqa: BLE001 - any failure is the answer, reported redacted
        return Health("unhealthy", timer.ms(), describe(exc))
    return Health("healthy", timer.ms(), detail, quota)


class Timer:
    """Started by a check just before its first request, so the latency excludes imports and set-up."""

    def __init__(self) -> None:
        self.started: float | None = None

    def start(self) -> None:
        self.started = time.perf_counter()

    def ms(self) -> float | None:
        return None if self.started is None else round((time.perf_counter() - self.started) * 1000, 1)


def describe(exc: BaseException) -> str:
    """A failure in one line, secrets masked, cut to a readable length."""
    from integration_pipelines.lib import secrets

    secrets.scrub_exception_chain(exc)
    text = " ".join(str(exc).split()) or type(exc).__name__
    if not _is_ours(exc):
        text = f"{type(exc).__name__}: {text}"
    text = secrets.redact(text)
    return text if len(text) <= MAX_DETAIL_CHARS else text[: MAX_DETAIL_CHARS - 1] + "…"


def _is_ours(exc: BaseException) -> bool:
    from integration_pipelines.lib.http.errors import IntegrationError

    return isinstance(exc, IntegrationError)


def resolve(resource: Any) -> Any:
    """A copy of the resource with its ``dg.EnvVar`` fields read from the environment, as a run would.

    Done here rather than by Dagster's resource initialisation, which builds a throwaway instance
    (SQLite) in the check's thread."""
    import dagster as dg

    fields = {name: getattr(resource, name) for name in type(resource).model_fields}
    return type(resource)(
        **{
            name: os.environ.get(value.env_var_name) if isinstance(value, dg.EnvVar) else value
            for name, value in fields.items()
        }
    )


def quick_overrides(timeout: float) -> dict[str, float]:
    """Connector fields for a check: one attempt, no retry budget, the timeout as every deadline."""
    return {
        "max_attempts": 1,
        "retry_budget": 0,
        "timeout_seconds": timeout,
        "request_deadline_seconds": timeout,
        "step_deadline_seconds": timeout,
    }


def _source(integration: Integration, timeout: float, timer: Timer) -> tuple[str, float | None]:
    assert integration.open_resource is not None
    resource = resolve(integration.open_resource(quick_overrides(timeout)))
    timer.start()
    with resource.open_client() as client:
        check_credentials = getattr(client, "check_credentials", None)
        if check_credentials is not None:
            check_credentials()
        return "credentials accepted", client.api.quota_remaining()


OFFLINE = "offline model"


def _llm(integration: Integration, timeout: float, timer: Timer) -> tuple[str, float | None]:
    """The offline model needs nothing; an LLM scores one word, with no fallback (which would hide a
    failure) and no cache (which would answer without asking)."""
    from integration_pipelines.lib.text.sentiment.base import SentimentRequest

    assert integration.open_resource is not None
    resource = resolve(integration.open_resource({}))
    if resource.provider == "offline":
        return OFFLINE, None
    provider = _llm_provider(resource, timeout)
    timer.start()
    try:
        (result,) = provider.score([SentimentRequest(id="status", text="ok", language="en")])
    finally:
        close = getattr(provider, "close", None)
        if close is not None:
            close()
    return f"scored a test message ({result.model})", None


def _llm_provider(resource: Any, timeout: float) -> Any:
    from integration_pipelines.lib.http.retry import RetryPolicy

    options: dict[str, Any] = {
        "batch_size": 1,
        "max_workers": 1,
        "retry": RetryPolicy(max_attempts=1, budget=0),
        "timeout": timeout,
        "cache": None,
        "fallback": None,
    }
    return resource.build_llm(**options)


def _duckdb(integration: Integration, timeout: float, timer: Timer) -> tuple[str, float | None]:
    import duckdb

    assert integration.open_resource is not None
    path = resolve(integration.open_resource({})).database
    if path != ":memory:" and not Path(path).exists():
        return "no file yet: the first export creates it", None
    timer.start()
    try:
        with duckdb.connect(path, read_only=True) as con:
            con.execute("select 1").fetchone()
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():  # a run is writing it: the file is there and in use
            return "in use by a writer (an export is running)", None
        raise
    return "select 1", None


def _snowflake(integration: Integration, timeout: float, timer: Timer) -> tuple[str, float | None]:
    assert integration.open_resource is not None
    resource = resolve(integration.open_resource({}))
    timer.start()
    with resource.get_connection() as con:
        con.cursor().execute("select 1").fetchone()
    return "select 1", None


def _bigquery(integration: Integration, timeout: float, timer: Timer) -> tuple[str, float | None]:
    assert integration.open_resource is not None
    resource = resolve(integration.open_resource({}))
    timer.start()
    with resource.get_client() as client:
        list(client.query("select 1", timeout=timeout).result(timeout=timeout))
    return "select 1", None


def _redshift(integration: Integration, timeout: float, timer: Timer) -> tuple[str, float | None]:
    assert integration.open_resource is not None
    resource = resolve(integration.open_resource({}))
    timer.start()
    with resource.connect() as con, con.cursor() as cursor:
        cursor.execute("select 1")
        cursor.fetchone()
    return "select 1", None


Checker = Callable[[Integration, float, Timer], tuple[str, float | None]]
CHECKS: Mapping[str, Checker] = {"source": _source, "llm": _llm}
WAREHOUSE_CHECKS: Mapping[str, Checker] = {
    "duckdb": _duckdb,
    "snowflake": _snowflake,
    "bigquery": _bigquery,
    "redshift": _redshift,
}
