"""Say so when a request waits long: a step pacing itself to a vendor's quota must not look hung.

Zendesk allows 10 incremental-export requests a minute, so a sync can sit silent for most of a minute
between pages; a 429's Retry-After can ask for longer. Each such wait becomes one line naming the
vendor, the seconds and the budget waited for. Short waits (ordinary pacing) stay quiet, and lines
come at most once per ``interval`` per client, so many worker threads waiting together log once.

The lines go to the ``integration_pipelines.progress`` logger, which the Dagster instance configs
(``dagster.yaml``, ``local_instance.py``) list under ``python_logs: managed_python_loggers``: Dagster
then copies them into the step's log in the UI. It is set to INFO here so the lines are not dropped
by the root logger's default WARNING level (an instance's ``python_log_level`` still overrides it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

PROGRESS_LOGGER = "integration_pipelines.progress"
progress_logger = logging.getLogger(PROGRESS_LOGGER)
if progress_logger.level == logging.NOTSET:
    progress_logger.setLevel(logging.INFO)

REPORT_WAITS_FROM_SECONDS = 2.0
REPORT_INTERVAL_SECONDS = 5.0

WaitCallback = Callable[[float, str], None]


class WaitReporter:
    """Logs ``{integration}: waiting {s} s for {what}`` for waits of at least ``threshold`` seconds,
    at most once per ``interval`` seconds; thread-safe (one per client, shared by its buckets)."""

    def __init__(
        self,
        integration: str,
        logger: logging.Logger | None = None,
        *,
        threshold: float = REPORT_WAITS_FROM_SECONDS,
        interval: float = REPORT_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.integration = integration
        self.logger = logger or progress_logger
        self.threshold = threshold
        self.interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._quiet_until = float("-inf")

    def __call__(self, seconds: float, what: str) -> None:
        if seconds < self.threshold:
            return
        with self._lock:
            now = self._clock()
            if now < self._quiet_until:
                return
            self._quiet_until = now + self.interval
        self.logger.info(
            "%s: waiting %.1f s for %s",
            self.integration,
            seconds,
            what,
            extra={"wait": {"integration": self.integration, "seconds": round(seconds, 1), "for": what}},
        )
