"""Bulk API 2.0 query jobs: create, poll with backoff until JobComplete, then read CSV chunk by chunk.

Results come in locator chunks. With ``result_concurrency`` above 1 the job's result URIs are listed
(``resultPages``, API 58.0+) and up to that many chunks are downloaded at once, handed on in result
order (:mod:`.result_pages`); an org that answers 404 there (an older API version) is read the other
way, one ``Sforce-Locator`` after another (literally ``null`` after the last). Either way each chunk
is parsed, checked against ``Sforce-NumberOfRecords`` and handed on in order, so a pull holds a few
chunks, never the whole job. A chunk cut short in transit is fetched again: a locator stays valid as
long as its job exists.
"""

from __future__ import annotations

import csv
import functools
import io
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass

import httpx

from integration_pipelines.lib.http.client import ApiClient
from integration_pipelines.lib.http.errors import IntegrationError, RetryBudgetExhaustedError
from integration_pipelines.sources.salesforce.result_pages import (
    FetchCancelled,
    ResultPagesUnavailable,
    fetch_in_order,
    result_urls,
)

INTEGRATION = "salesforce"


@dataclass(frozen=True)
class BulkSettings:
    max_records: int = 50_000  # rows per results chunk (maxRecords)
    poll_seconds: float = 1.0  # first wait between job status reads; doubles up to max_poll_seconds
    max_poll_seconds: float = 30.0
    timeout_seconds: float = 3600.0  # a job not complete by then fails the run
    result_concurrency: int = 1  # chunks downloaded at once through resultPages; 1: one locator after another


class IncompleteChunk(Exception):
    """A results chunk that did not arrive whole."""


@dataclass(frozen=True)
class Chunk:
    header: list[str]
    rows: list[list[str]]
    last: bool


class BulkQuery:
    """One queryAll job's lifecycle over the run's ApiClient (its retries, pacing and metrics)."""

    def __init__(
        self, api: ApiClient, version: str, settings: BulkSettings, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.api, self.version, self.settings, self._sleep = api, version, settings, sleep
        self.base = f"services/data/v{version}/jobs/query"  # relative to the instance URL
        self.polls = 0
        self.completed_at: float | None = None  # time.perf_counter() when the job was seen complete

    def run(self, soql: str) -> Iterator[Chunk]:
        job = self.api.request_json(
            "POST",
            self.base,
            json={
                "operation": "queryAll",
                "query": soql,
                "contentType": "CSV",
                "columnDelimiter": "COMMA",
                "lineEnding": "LF",
            },
        )
        job_id = job.get("id") if isinstance(job, dict) else None
        if not isinstance(job_id, str):
            raise IntegrationError(
                INTEGRATION, f"creating a Bulk API query job returned no id: {self.api.redactor.snippet(str(job), 200)}"
            )
        self._wait(job_id)
        self.completed_at = time.perf_counter()
        urls = self._listed_urls(job_id) if self.settings.result_concurrency > 1 else None
        if urls is not None:
            fetch = functools.partial(self._listed_chunk, job_id)
            yield from fetch_in_order(urls, fetch, self.settings.result_concurrency)
            return
        locator: str | None = None
        while True:
            chunk, locator = self._chunk(job_id, locator)
            yield chunk
            if chunk.last:
                return

    def _listed_urls(self, job_id: str) -> Iterator[tuple[str, bool]] | None:
        """The job's result URIs from resultPages, or None (said in the step's log) if the org has none."""
        urls = result_urls(self.api, f"{self.base}/{job_id}/resultPages")
        try:
            first = next(urls, None)
        except ResultPagesUnavailable:
            self.api.progress.logger.info(
                "salesforce: the org does not serve resultPages for Bulk API job %s (HTTP 404; it needs API "
                "version 58.0 or later, api_version is %s): reading its results one locator after another",
                job_id,
                self.version,
            )
            return None
        if first is None:
            urls.close()
            return None
        return _starting_with(first, urls)

    def _wait(self, job_id: str) -> None:
        delay, deadline = self.settings.poll_seconds, time.monotonic() + self.settings.timeout_seconds
        while True:
            info = self.api.request_json("GET", f"{self.base}/{job_id}")
            self.polls += 1
            state = info.get("state") if isinstance(info, dict) else None
            if state == "JobComplete":
                return
            if state in ("Failed", "Aborted"):
                raise IntegrationError(
                    INTEGRATION,
                    f"Bulk API query job {job_id} ended {state}: {info.get('errorMessage') or 'no error message'}",
                )
            if time.monotonic() + delay > deadline:
                raise IntegrationError(
                    INTEGRATION,
                    f"Bulk API query job {job_id} still {state} after "
                    f"{self.settings.timeout_seconds:.0f}s (bulk_timeout_seconds)",
                )
            self._sleep(delay)
            delay = min(delay * 2, self.settings.max_poll_seconds)

    def _chunk(self, job_id: str, locator: str | None) -> tuple[Chunk, str | None]:
        """The chunk at ``locator`` (the first without one) and the next chunk's locator (None after the last)."""
        params: dict[str, str | int] = {"maxRecords": self.settings.max_records}
        if locator:
            params["locator"] = locator
        response, header, rows = self._whole(job_id, f"{self.base}/{job_id}/results", params, None)
        next_locator = response.headers.get("sforce-locator", "null")
        last = next_locator in ("null", "")
        return Chunk(header, rows, last), None if last else next_locator

    def _listed_chunk(self, job_id: str, url: str, last: bool, stop: threading.Event) -> Chunk:
        """The chunk behind one listed resultUrl, taken as it is (its locator fixes where it starts and ends)."""
        _, header, rows = self._whole(job_id, url, None, stop)
        return Chunk(header, rows, last)

    def _whole(
        self, job_id: str, url: str, params: dict[str, str | int] | None, stop: threading.Event | None
    ) -> tuple[httpx.Response, list[str], list[list[str]]]:
        """One results request, fetched again while its CSV arrives cut short (up to ``max_attempts``)."""
        attempt = 0
        while True:
            attempt += 1
            if stop is not None and stop.is_set():
                raise FetchCancelled(url)
            response = self.api.request("GET", url, params=params)
            try:
                header, rows = parse_chunk(response.content, response.headers.get("sforce-numberofrecords"))
            except IncompleteChunk as exc:
                self.api.metrics.record_failure("malformed_bodies")
                if attempt >= self.api.retry.max_attempts:
                    raise RetryBudgetExhaustedError(
                        INTEGRATION,
                        f"results chunk {self.api.redactor.url(str(response.request.url))} of Bulk API job "
                        f"{job_id} arrived incomplete {attempt} "
                        f"times; last problem: {exc}",
                    ) from None
                self.api.metrics.record_retry()
                self._sleep(self.api.retry.backoff(attempt))
                continue
            return response, header, rows


def _starting_with(
    first: tuple[str, bool], rest: Generator[tuple[str, bool], None, None]
) -> Iterator[tuple[str, bool]]:
    """``first`` then ``rest``; closing it closes ``rest`` (which then stops listing)."""
    try:
        yield first
        yield from rest
    finally:
        rest.close()


def parse_chunk(content: bytes, expected: str | None) -> tuple[list[str], list[list[str]]]:
    """Header and rows of one CSV chunk, or IncompleteChunk if it was cut short."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IncompleteChunk(f"not UTF-8 ({exc.reason})") from None
    if not text.endswith("\n"):
        raise IncompleteChunk(f"{len(content)} bytes not ending in a line break")
    try:
        table = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise IncompleteChunk(f"CSV error: {exc}") from None
    if not table:
        raise IncompleteChunk("no header row")
    header, rows = table[0], table[1:]
    if any(len(row) != len(header) for row in rows):
        raise IncompleteChunk("a row has the wrong number of cells")
    if expected is not None and expected.isdigit() and int(expected) != len(rows):
        raise IncompleteChunk(f"{len(rows)} rows, Sforce-NumberOfRecords says {expected}")
    return header, rows
