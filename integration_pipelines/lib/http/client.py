"""The one HTTP client every connector uses: pooling, pacing, retries, metrics and redacted logs.

Why our own loop rather than a generic retry decorator: the retry decision, the rate limiter and
the metrics all feed each other (a 429's Retry-After pauses the shared bucket; a malformed body
is retried like a dropped connection; every attempt is counted and logged without secrets).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import orjson

from integration_pipelines.lib.http.deadline import (
    REQUEST_DEADLINE_SECONDS,
    RequestDeadlineExceeded,
    send_within,
)
from integration_pipelines.lib.http.errors import (
    AuthenticationError,
    ConfigurationError,
    IntegrationError,
    QuotaExhaustedError,
    ResponseError,
    RetryBudgetExhaustedError,
    StepDeadlineExceededError,
)
from integration_pipelines.lib.http.metrics import RequestMetrics
from integration_pipelines.lib.http.progress import WaitReporter
from integration_pipelines.lib.http.ratelimit import RateLimit, RateLimitHeaders, TokenBucket
from integration_pipelines.lib.http.redact import Redactor
from integration_pipelines.lib.http.retry import (
    RETRYABLE_EXCEPTIONS,
    RetryPolicy,
    is_retryable_status,
    parse_retry_after,
)

logger = logging.getLogger("integration_pipelines.http")

ErrorClassifier = Callable[[httpx.Response], IntegrationError | None]
_UNRESOLVABLE_HOST = re.compile(
    r"Name or service not known|nodename nor servname|No address associated|getaddrinfo failed|"
    r"Temporary failure in name resolution",
    re.IGNORECASE,
)
_BODY_SNIPPET = 300
# an integer literal of 19+ digits may not fit in 64 bits, where orjson returns a float and json an int.
# Found by mapping every ASCII digit to "0" and all else to "x", then a substring search: the same answer
# as re.search(rb"[0-9]{19}"), about 12x faster (a regex re-scans each shorter run of digits once per digit,
# which cost as much as orjson's parse of the page)
_DIGITS_AS_ZERO = bytes(48 if 48 <= byte <= 57 else 120 for byte in range(256))
_LONG_DIGIT_RUN = b"0" * 19


def _has_long_digit_run(content: bytes) -> bool:
    return _LONG_DIGIT_RUN in content.translate(_DIGITS_AS_ZERO)


@functools.lru_cache(maxsize=4)
def _ssl_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """httpx's default verifying context, built once per CA setting (loading the CA bundle took ~40 ms
    per client, i.e. per run step); the arguments are the environment it reads, as the cache key."""
    return httpx.create_ssl_context()


class _Retry(Exception):
    """Internal signal: the attempt failed transiently; carries the reason and a wait hint."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


class ApiClient:
    """A pooled ``httpx.Client`` for one integration and one run; use as a context manager."""

    def __init__(
        self,
        integration: str,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        rate_limits: Mapping[str, RateLimit | None] | None = None,
        rate_limit_headers: RateLimitHeaders | None = None,
        redactor: Redactor | None = None,
        classify_error: ErrorClassifier | None = None,
        on_unauthorized: Callable[[], bool] | None = None,
        max_connections: int = 8,
        sleep: Callable[[float], None] = time.sleep,
        request_deadline: float = REQUEST_DEADLINE_SECONDS,
        step_deadline: float | None = None,
        progress_logger: logging.Logger | None = None,
    ) -> None:
        """``timeout`` bounds each network operation; ``request_deadline`` a whole attempt (connect and
        every read of the body: a trickling server is cut there and retried); ``step_deadline`` the
        client's life from now, i.e. the run step that opened it (past it a request fails the step).
        Long waits (rate limits, backoff) are reported to ``progress_logger`` (default: the
        ``integration_pipelines.progress`` logger Dagster copies into the step's log)."""
        if request_deadline <= 0 or (step_deadline is not None and step_deadline <= 0):
            raise ValueError("deadlines must be positive")
        self.integration = integration
        self.request_deadline = request_deadline
        self.step_deadline = step_deadline
        self._step_ends = None if step_deadline is None else time.monotonic() + step_deadline
        self.retry = retry or RetryPolicy()
        self.metrics = RequestMetrics()
        self.redactor = redactor or Redactor()
        self.progress = WaitReporter(integration, progress_logger)
        self.buckets = {
            group: TokenBucket(limit, sleep=sleep, name=group, on_wait=self.progress)
            for group, limit in (rate_limits or {"default": None}).items()
        }
        self.buckets.setdefault("default", TokenBucket(None, sleep=sleep, on_wait=self.progress))
        self._rate_limit_headers = rate_limit_headers or RateLimitHeaders()
        self._classify_error = classify_error
        self._on_unauthorized = on_unauthorized
        self._sleep = sleep
        self._retries_used = 0
        self._retry_lock = threading.Lock()  # connectors may share one client across worker threads
        self._http = httpx.Client(
            base_url=base_url,
            auth=auth,
            headers=dict(headers or {}),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            follow_redirects=False,
            verify=_ssl_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")),
        )

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def set_header(self, name: str, value: str) -> None:
        """Replace a default header (e.g. a refreshed bearer token) for all later requests."""
        self._http.headers[name] = value

    def set_base_url(self, base_url: str) -> None:
        self._http.base_url = httpx.URL(base_url)

    def quota_remaining(self) -> float | None:
        """The smallest 'remaining' any response reported for this client's limits, if any did."""
        reported = [b.last_state.remaining for b in self.buckets.values() if b.last_state.remaining is not None]
        return min(reported) if reported else None

    def request(self, method: str, url: str, *, limit_group: str = "default", **kwargs: Any) -> httpx.Response:
        """Send a request with pacing and retries; returns a 2xx response or raises IntegrationError."""
        return self._send(method, url, limit_group, kwargs, parse_json=False)[0]

    def request_json(self, method: str, url: str, *, limit_group: str = "default", **kwargs: Any) -> Any:
        """Like ``request`` but also retries bodies that are not valid JSON (truncated transfers)."""
        return self._send(method, url, limit_group, kwargs, parse_json=True)[1]

    def _send(
        self, method: str, url: str, limit_group: str, kwargs: dict[str, Any], *, parse_json: bool
    ) -> tuple[httpx.Response, Any]:
        bucket = self.buckets.get(limit_group, self.buckets["default"])
        attempt = 0
        refreshed = False
        while True:
            attempt += 1
            self.metrics.record_wait(bucket.acquire())
            deadline, deadline_seconds, what = self._attempt_deadline(method, url)
            started = time.perf_counter()
            try:
                response = send_within(self._http, method, url, kwargs, deadline, deadline_seconds, what)
                elapsed_ms = (time.perf_counter() - started) * 1000
                self.metrics.record_response(elapsed_ms, len(response.content))
                bucket.observe(self._rate_limit_headers.read(response.headers))
                self._log(method, response.request.url, response.status_code, elapsed_ms, attempt)
                if response.status_code == 401 and not refreshed and self._on_unauthorized:
                    refreshed = True
                    if self._on_unauthorized():
                        attempt -= 1  # a credential refresh is not a retry of a transient failure
                        continue
                self._raise_for_status(method, response, bucket)
                return response, (self._parse(response) if parse_json else None)
            except _Retry as signal:
                self._wait_before_retry(method, response.request.url, attempt, signal.reason, signal.wait)
            except RETRYABLE_EXCEPTIONS as exc:
                if isinstance(exc, RequestDeadlineExceeded) and exc.what == "step":
                    raise self._step_expired(method, self._request_url(exc, url)) from None
                elapsed_ms = (time.perf_counter() - started) * 1000
                reason = self._describe_exception(exc)
                if isinstance(exc, httpx.ConnectError) and _UNRESOLVABLE_HOST.search(str(exc)):
                    raise ConfigurationError(
                        self.integration,
                        f"cannot resolve the host of {self._url(self._http.base_url)}: check the "
                        "subdomain / base URL setting",
                    ) from None
                self.metrics.record_failure("transport_errors")
                sent_to = self._request_url(exc, url)
                self._log(method, sent_to, None, elapsed_ms, attempt, reason)
                self._wait_before_retry(method, sent_to, attempt, reason, None)

    def _attempt_deadline(self, method: str, url: str) -> tuple[float, float, str]:
        """(monotonic deadline, its length, "request" or "step") for the attempt about to start:
        the request's own deadline, or the step's when that comes first."""
        now = time.monotonic()
        if self._step_ends is not None and now >= self._step_ends:
            raise self._step_expired(method, self._http.base_url.join(url))
        if self._step_ends is not None and self._step_ends < now + self.request_deadline:
            return self._step_ends, float(self.step_deadline or 0), "step"
        return now + self.request_deadline, self.request_deadline, "request"

    def _step_expired(self, method: str, url: httpx.URL) -> StepDeadlineExceededError:
        return StepDeadlineExceededError(
            self.integration,
            f"the step ran past its {self.step_deadline:g}s deadline (step_deadline_seconds of the "
            f"{self.integration} resource) at {method} {self._url(url)}; the run fails here instead of "
            "holding the vendor's pool. Raise the setting for long backfills, or run fewer days at once",
        )

    def _raise_for_status(self, method: str, response: httpx.Response, bucket: TokenBucket) -> None:
        status = response.status_code
        if 200 <= status < 300:
            return
        if self._classify_error is not None:
            error = self._classify_error(response)
            if error is not None:
                raise error
        where = f"{method} {self._url(response.request.url)}"
        if status == 429:
            self.metrics.record_failure("throttled")
            wait = parse_retry_after(response.headers.get("Retry-After"))
            reason = "HTTP 429 with Retry-After"
            if wait is None:
                wait, reason = self._rate_limit_headers.read(response.headers).reset_after, "HTTP 429 until the reset"
            if wait is not None and wait > self.retry.max_retry_after:
                raise QuotaExhaustedError(
                    self.integration,
                    f"rate limited on {where} for {wait:.0f}s, longer than the "
                    f"{self.retry.max_retry_after:.0f}s a run will wait; run again later",
                )
            if wait is not None:
                bucket.pause(wait, reason)
            raise _Retry("HTTP 429 Too Many Requests", 0.0 if wait is not None else None)
        if is_retryable_status(status):
            self.metrics.record_failure("server_errors")
            raise _Retry(f"HTTP {status}", parse_retry_after(response.headers.get("Retry-After")))
        body = self.redactor.snippet(response.text, _BODY_SNIPPET)  # redact, then cut: no half secret
        if status in (401, 403):
            raise AuthenticationError(
                self.integration,
                f"the credentials were rejected (HTTP {status}) on {where}: check the "
                f"{self.integration} credential settings. Response: {body}",
            )
        raise ResponseError(self.integration, f"HTTP {status} on {where}: {body}", status)

    def _parse(self, response: httpx.Response) -> Any:
        """JSON of a 2xx body; a body that does not parse is retried (a truncated transfer looks so).

        Bytes that are not UTF-8 inside an otherwise whole document are the vendor's data, not a
        transfer fault: retrying cannot fix them and used to fail the run as "malformed JSON". They
        are decoded as lone surrogates (``surrogateescape``), which record conversion repairs to
        U+FFFD and counts. A truncated body still fails ``json.loads`` and is retried as before.

        orjson parses the usual body (plain UTF-8, 64-bit integers) several times faster, to the same
        objects; anything it refuses or might read differently (lone surrogate escapes, ``NaN``, a
        byte order mark, other encodings, long digit runs) takes the ``json`` path below."""
        content = response.content
        if not _has_long_digit_run(content):
            try:
                return orjson.loads(content)
            except orjson.JSONDecodeError:
                pass
        encoding = json.detect_encoding(content)
        try:
            text = content.decode(encoding, "surrogatepass")  # what json.loads(bytes) does
        except UnicodeDecodeError:
            text = content.decode(encoding, "surrogateescape")
            logger.warning(
                "integration=%s url=%s body is not valid %s; undecodable bytes kept for repair",
                self.integration,
                self._url(response.request.url),
                encoding,
            )
        try:
            return json.loads(text)
        except ValueError:
            self.metrics.record_failure("malformed_bodies")
            raise _Retry(f"malformed JSON body ({len(content)} bytes)") from None

    def _request_url(self, exc: httpx.HTTPError, url: str) -> httpx.URL:
        """The URL actually requested (base URL path included), for logs and errors."""
        try:
            return exc.request.url
        except RuntimeError:  # an exception raised before httpx attached the request
            return self._http.base_url.join(url)

    def _wait_before_retry(self, method: str, url: httpx.URL, attempt: int, reason: str, wait: float | None) -> None:
        with self._retry_lock:
            exhausted = attempt >= self.retry.max_attempts or self._retries_used >= self.retry.budget
            if not exhausted:
                self._retries_used += 1
            used = self._retries_used
        if exhausted:
            raise RetryBudgetExhaustedError(
                self.integration,
                f"gave up on {method} {self._url(url)} after {attempt} "
                f"attempt(s) ({used} retries used of this run's budget of "
                f"{self.retry.budget}); last error: {reason}",
            ) from None
        self.metrics.record_retry()
        delay = self.retry.backoff(attempt) if wait is None else wait
        if delay > 0:
            self.progress(delay, f"retry {attempt} of {self.retry.max_attempts - 1} ({reason})")
            self._sleep(delay)

    def _describe_exception(self, exc: Exception) -> str:
        """Class and message, redacted (a transport error may quote a URL with a key in it)."""
        return self.redactor.text(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)

    def _url(self, url: httpx.URL | str) -> str:
        return self.redactor.url(str(url))

    def _log(
        self, method: str, url: httpx.URL, status: int | None, elapsed_ms: float, attempt: int, error: str | None = None
    ) -> None:
        fields = {
            "integration": self.integration,
            "method": method,
            "url": self._url(url),
            "status": status,
            "elapsed_ms": round(elapsed_ms, 1),
            "attempt": attempt,
        }
        if error:
            fields["error"] = error
        ok = status is not None and status < 400
        level = logging.DEBUG if ok else logging.WARNING
        if logger.isEnabledFor(level):
            logger.log(level, " ".join(f"{k}={v}" for k, v in fields.items()), extra={"http": fields})
