"""The process-wide secret registry: one redaction point for exceptions, log records and metadata.

A client's own :class:`Redactor` masks what that client writes, but a secret also reaches text
written far from it: an exception's message stored by Dagster in the event log, a log line of
another module, a chained cause, metadata built from a response. Every Redactor therefore registers
its secrets here as well (resources build one when they build their client), and our exceptions
(:class:`~integration_pipelines.lib.http.errors.IntegrationError`), our loggers and metadata helpers
mask whatever is registered. Only values are masked here, never ``key=value`` shapes, so ordinary
messages read as they were written.

Secrets shorter than :data:`MIN_SHARED_SECRET_CHARS` are not registered process-wide: a six-letter
password such as ``public`` would otherwise mask that word in every message of the process; the
client's own Redactor still masks them in what it writes.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from integration_pipelines.lib.http.redact import Redactor

MIN_SHARED_SECRET_CHARS = 8
LOGGER_NAMESPACE = "integration_pipelines"

_registry = Redactor(share=False)


def register(*secrets: str | None) -> None:
    """Mask these values (in every encoding) in all exception messages and log records from now on."""
    for secret in secrets:
        if secret and len(secret) >= MIN_SHARED_SECRET_CHARS:
            _registry.add(secret)


def redact(text: str) -> str:
    """``text`` with every registered secret masked."""
    return _registry.secrets(text)


def redact_value(value: Any) -> Any:
    """Strings redacted, containers walked (for metadata and log arguments); other values as they are."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_value(v) for v in value)
    return value


def scrub_exception_chain(exc: BaseException) -> None:
    """Redact the string arguments of every exception chained to ``exc`` (causes and contexts).

    Dagster stores a failure's whole chain; a foreign exception (an SDK's, httpx's) in it may quote a
    response. Its ``args`` are rewritten in place, which is what ``str()`` of most exceptions reads.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    pending: list[BaseException] = []
    while current is not None or pending:
        if current is None:
            current = pending.pop()
        if id(current) in seen:
            current = None
            continue
        seen.add(id(current))
        with contextlib.suppress(AttributeError, TypeError):  # a class that forbids reassigning args
            current.args = tuple(redact_value(a) for a in current.args)
        for attribute in ("message", "body"):  # SDK errors keep the response text here too
            text = getattr(current, attribute, None)
            if isinstance(text, str | dict | list):
                with contextlib.suppress(AttributeError, TypeError):
                    setattr(current, attribute, redact_value(text))
        if current.__context__ is not None:
            pending.append(current.__context__)
        current = current.__cause__


class RedactingFilter(logging.Filter):
    """Masks registered secrets in a record's message, arguments and formatted traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Render the record's message with redacted arguments; pre-format its traceback, redacted.

    Idempotent (a mask never matches a secret), so the filter and the record factory may both run.
    No marker attribute is set: Dagster's handler forwards unknown record attributes as extras."""
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a malformed record: leave the formatting error to logging
        return record
    record.msg, record.args = redact(message), ()
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


_installed = False


def install_log_redaction() -> None:
    """Redact every record of our ``integration_pipelines.*`` loggers, now and for loggers made later.

    A filter on the ``integration_pipelines`` logger alone would not see records of its children
    (logging runs only the emitting logger's filters), so the record factory is wrapped as well, for
    records in our namespace only: third-party records are untouched. Idempotent.
    """
    global _installed
    if _installed:
        return
    _installed = True
    logging.getLogger(LOGGER_NAMESPACE).addFilter(RedactingFilter())
    previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        name = record.name or ""
        if name == LOGGER_NAMESPACE or name.startswith(LOGGER_NAMESPACE + "."):
            # the message is rendered when the record is made; extra fields arrive afterwards and
            # are structured (numbers, redacted URLs)
            redact_record(record)
        return record

    logging.setLogRecordFactory(factory)


install_log_redaction()  # on import: every module that raises our errors imports this one
