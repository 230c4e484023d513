"""A long pull says it is moving: a progress line at most every PROGRESS_SECONDS, each page at debug."""

from __future__ import annotations

import logging

import pytest

from integration_pipelines.components import raw_pull
from integration_pipelines.components.raw_pull import PullProgress


def test_pages_log_at_debug_and_progress_lines_are_spaced(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = logging.getLogger("pull-progress-test")
    caplog.set_level(logging.DEBUG, logger=log.name)
    progress = PullProgress(log, "zendesk/tickets")
    for _ in range(50):  # a fast pull: no progress line before the interval has passed
        progress.page(100)
    info = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert info == [] and len(debug) == 50 and debug[-1] == "zendesk/tickets: page 50, 100 rows"

    monkeypatch.setattr(raw_pull, "PROGRESS_SECONDS", 0.0)  # every page is past the interval now
    progress.page(100)
    progress.done()
    info = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert info[0].startswith("zendesk/tickets: 51 pages, 5100 rows so far (")
    assert info[1].startswith("zendesk/tickets: pulled 5100 rows in 51 pages (")
    assert progress.pages == 51 and set(progress.rates(5100)) == {"seconds", "rows_per_second"}
