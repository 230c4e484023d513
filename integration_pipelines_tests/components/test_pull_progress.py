"""A long pull says it is moving: a progress line at most every PROGRESS_SECONDS; pages at debug,
gathered into one line at most every PAGE_LINE_SECONDS (each log line is an event Dagster stores)."""

from __future__ import annotations

import logging

import pytest

from integration_pipelines.components import raw_pull
from integration_pipelines.components.raw_pull import PullProgress


def _messages(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == level]


def test_pages_log_at_debug_and_progress_lines_are_spaced(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """50 fast pages, then the intervals forced past: no info line and no page line before an interval
    has passed; then every page is in exactly one debug line, before the progress and final lines."""
    log = logging.getLogger("pull-progress-test")
    caplog.set_level(logging.DEBUG, logger=log.name)
    progress = PullProgress(log, "zendesk/tickets")
    for _ in range(50):  # a fast pull: no line of either kind before its interval has passed
        progress.page(100)
    assert _messages(caplog, logging.INFO) == [] and _messages(caplog, logging.DEBUG) == []

    monkeypatch.setattr(raw_pull, "PROGRESS_SECONDS", 0.0)  # every page is past the interval now
    progress.page(100)
    progress.done()
    info, debug = _messages(caplog, logging.INFO), _messages(caplog, logging.DEBUG)
    assert debug == ["zendesk/tickets: pages 1-51: " + ", ".join(["100"] * 51) + " rows"]
    assert info[0].startswith("zendesk/tickets: 51 pages, 5100 rows so far (")
    assert info[1].startswith("zendesk/tickets: pulled 5100 rows in 51 pages (")
    assert progress.pages == 51 and set(progress.rates(5100)) == {"seconds", "rows_per_second"}


def test_page_lines_are_gathered_at_most_every_interval(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the page-line interval forced to zero, each page gets its own debug line (the count of
    lines follows the interval); a pull that fails part-way still logs the pages it read."""
    log = logging.getLogger("pull-progress-test")
    caplog.set_level(logging.DEBUG, logger=log.name)
    monkeypatch.setattr(raw_pull, "PAGE_LINE_SECONDS", 0.0)
    progress = PullProgress(log, "hubspot/contacts")
    progress.page(200)
    progress.page(166)
    assert _messages(caplog, logging.DEBUG) == [
        "hubspot/contacts: page 1: 200 rows",
        "hubspot/contacts: page 2: 166 rows",
    ]

    monkeypatch.setattr(raw_pull, "PAGE_LINE_SECONDS", 3600.0)
    progress.page(7)
    progress.page(8)
    assert len(_messages(caplog, logging.DEBUG)) == 2  # gathered, not yet written
    progress.flush()  # what pull_object does when a pull fails
    assert _messages(caplog, logging.DEBUG)[-1] == "hubspot/contacts: pages 3-4: 7, 8 rows"
    assert _messages(caplog, logging.INFO) == []
