"""Typed readers for settings an operator sets through environment variables.

A malformed value should stop the code location when it loads, with a message an operator can act
on without reading code: the variable's name, what was found (unless the variable is secret) and
the form expected, e.g. ``EXPORT_TIMEZONE must be an IANA time zone (e.g. UTC or Europe/Berlin),
not 'Mars/Base'``. Python's own errors (``could not convert string to float``, a
``ModuleNotFoundError`` from ``zoneinfo``) name none of these. Each variable is one :class:`Setting`
declared once (the code location's in :mod:`integration_pipelines.deployment_settings`), so
:func:`check` can read them all at once and report every bad variable in one error, not one per attempt.
"""

from __future__ import annotations

import os
import re
import zoneinfo
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Generic, NoReturn, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
IDENTIFIER_PREFIX = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class SettingError(ValueError):
    """An environment variable holds a value its setting cannot use; the message names the variable."""


class _Invalid(ValueError):
    """A parser's own complaint, worth adding to the message (Python's, like "invalid literal for
    int()", only repeat what the expected form already says)."""


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One environment variable: ``parse`` turns its stripped text into a value or raises ``ValueError``;
    unset means ``default``, and so does blank unless ``blank_is_default`` is off (then blank is malformed)."""

    name: str
    parse: Callable[[str], T]
    expected: str
    default: T | None = None
    secret: bool = False
    blank_is_default: bool = True

    def read(self, env: Mapping[str, str] | None = None) -> T | None:
        value = (os.environ if env is None else env).get(self.name)
        if value is None or (self.blank_is_default and not value.strip()):
            return self.default
        value = value.strip()
        try:
            return self.parse(value)
        except ValueError as error:
            found = "a value that is not shown (secret)" if self.secret else repr(value)
            detail = f" ({error})" if isinstance(error, _Invalid) and str(error) else ""
            raise SettingError(f"{self.name} must be {self.expected}, not {found}{detail}") from None

    def value(self, env: Mapping[str, str] | None = None) -> T:
        """:meth:`read` for a setting that has a default, so never None."""
        result = self.read(env)
        if result is None:
            raise SettingError(f"{self.name} must be set ({self.expected})")
        return result


def check(readers: Iterable[Callable[[], object]]) -> None:
    """Call every reader; if any raise :class:`SettingError`, raise one naming all of them."""
    problems = []
    for reader in readers:
        try:
            reader()
        except SettingError as error:
            problems.append(str(error))
    if len(problems) == 1:
        raise SettingError(problems[0])
    if problems:
        raise SettingError(f"{len(problems)} settings need fixing:\n" + "\n".join(f"- {p}" for p in problems))


def _fail(detail: str = "") -> NoReturn:
    raise _Invalid(detail)


def text(name: str, default: str | None = None, *, secret: bool = False) -> Setting[str]:
    """Any non-blank text (names, paths, ARNs): nothing to validate, declared so it is documented."""
    return Setting(name, str, "text", default, secret)


def integer(
    name: str, default: int | None = None, *, minimum: int | None = None, maximum: int | None = None
) -> Setting[int]:
    if minimum is not None and maximum is not None:
        bounds = f" from {minimum} to {maximum}"
    elif minimum is not None or maximum is not None:
        bounds = f" of at least {minimum}" if minimum is not None else f" of at most {maximum}"
    else:
        bounds = ""
    expected = f"an integer{bounds}" + (f" (e.g. {default})" if default is not None else "")

    def parse(value: str) -> int:
        number = int(value)  # ValueError on "abc" or "1.5"
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            _fail()
        return number

    return Setting(name, parse, expected, default)


def number(name: str, default: float | None = None) -> Setting[float]:
    """A finite number above 0 (rates, timeouts)."""

    def parse(value: str) -> float:
        result = float(value)
        if not 0 < result < float("inf"):
            _fail()
        return result

    return Setting(name, parse, f"a number greater than 0 (e.g. {default if default is not None else 60})", default)


def flag(name: str, default: bool = False) -> Setting[bool]:
    def parse(value: str) -> bool:
        if value.lower() not in TRUE + FALSE:
            _fail()
        return value.lower() in TRUE

    return Setting(name, parse, "true or false (also 1/0, yes/no, on/off)", default)


def choice(name: str, options: Sequence[str], default: str | None = None) -> Setting[str]:
    """One of ``options``, case-insensitively (returned as listed)."""
    by_lower = {option.lower(): option for option in options}

    def parse(value: str) -> str:
        if value.lower() not in by_lower:
            _fail()
        return by_lower[value.lower()]

    return Setting(name, parse, f"one of {', '.join(options)}", default)


def choices(name: str, options: Sequence[str], default: tuple[str, ...] | None = None) -> Setting[tuple[str, ...]]:
    """A comma-separated list of ``options`` (case-insensitive, duplicates dropped, order kept)."""
    by_lower = {option.lower(): option for option in options}

    def parse(value: str) -> tuple[str, ...]:
        names = list(dict.fromkeys(n.strip().lower() for n in value.split(",") if n.strip()))
        unknown = [n for n in names if n not in by_lower]
        if unknown:
            _fail(f"unknown: {', '.join(unknown)}")
        return tuple(by_lower[n] for n in names)

    return Setting(name, parse, f"a comma-separated list of {', '.join(options)}", default)


def iso_date(name: str, default: date | None = None) -> Setting[date]:
    def parse(value: str) -> date:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            _fail()
        return date.fromisoformat(value)  # ValueError on 2025-02-30

    return Setting(name, parse, f"a date as YYYY-MM-DD (e.g. {default or '2025-01-01'})", default)


def cron(name: str, default: str | None = None) -> Setting[str]:
    """A cron expression Dagster schedules accept (five fields or an @daily-style alias)."""
    import dagster as dg

    def parse(value: str) -> str:
        try:  # Dagster's own validity check, through its public API
            dg.ScheduleDefinition(name="setting_check", cron_schedule=value, job_name="setting_check")
        except dg.DagsterInvalidDefinitionError:
            _fail()
        return value

    return Setting(name, parse, f"a cron expression (e.g. {default or '0 2 * * *'!r})", default)


def timezone(name: str, default: str | None = "UTC") -> Setting[str]:
    """An IANA time zone name. ``zoneinfo`` raises ZoneInfoNotFoundError for unknown names, but
    ValueError, OSError or ModuleNotFoundError for odd ones (``../x``, very long names, ``Mars/Base``
    via tzdata), so all of them count as "not a time zone"."""

    def parse(value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError, ImportError):
            _fail()
        return value

    return Setting(name, parse, "an IANA time zone (e.g. UTC or Europe/Berlin)", default)


def url(name: str, default: str | None = None, *, schemes: tuple[str, ...] = ("http", "https")) -> Setting[str]:
    def parse(value: str) -> str:
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError on a port that is not a number
        except ValueError:
            _fail()
        if parts.scheme not in schemes or not parts.hostname:
            _fail()
        return value

    example = default or "https://example.com"
    return Setting(name, parse, f"a {' or '.join(schemes)} URL (e.g. {example})", default)


def identifier_prefix(name: str, default: str = "") -> Setting[str]:
    """Text put in front of SQL identifiers, so it must keep them valid unquoted in every warehouse."""

    def parse(value: str) -> str:
        if not IDENTIFIER_PREFIX.fullmatch(value):
            _fail()
        return value

    return Setting(name, parse, "letters, digits and underscores, not starting with a digit (e.g. ip_)", default)
