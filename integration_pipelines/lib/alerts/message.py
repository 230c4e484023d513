"""What an alert says: one message, rendered long (Slack, email) and short (SMS).

Error text is the only part that can carry a secret (a vendor echoing a token, a URL with its key), so
it is redacted before anything else touches it, and cut to length only afterwards: cutting first could
leave half a secret the redactor no longer recognises.
"""

from __future__ import annotations

from dataclasses import dataclass

from integration_pipelines.lib.http.redact import Redactor

LONG_ERROR_CHARS = 1500
SHORT_ERROR_CHARS = 200
MAX_STEPS_LISTED = 5


@dataclass(frozen=True)
class StepError:
    step_key: str
    error: str


@dataclass(frozen=True)
class FailedRun:
    """The facts of a failed run, as read from the Dagster instance (raw: nothing redacted yet)."""

    job_name: str
    run_id: str
    run_url: str
    partition: str | None = None
    partition_range: tuple[str, str] | None = None
    steps: tuple[StepError, ...] = ()
    run_error: str | None = None  # why the run failed when no step did (e.g. its process died)

    def partitions_text(self) -> str | None:
        if self.partition:
            return self.partition
        if self.partition_range:
            first, last = self.partition_range
            return first if first == last else f"{first} to {last}"
        return None


@dataclass(frozen=True)
class AlertMessage:
    subject: str
    text: str
    short_text: str


def cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, marked when shortened."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def build_message(
    run: FailedRun, redactor: Redactor, error_chars: int = LONG_ERROR_CHARS, short_error_chars: int = SHORT_ERROR_CHARS
) -> AlertMessage:
    """The alert for ``run``; every error passes through ``redactor`` before it is cut or rendered."""
    partitions = run.partitions_text()
    steps = [StepError(s.step_key, redactor.text(s.error)) for s in run.steps]
    run_error = redactor.text(run.run_error) if run.run_error else None
    where = f" [{partitions}]" if partitions else ""
    subject = f"Dagster run failed: {run.job_name}{where}"

    lines = [f"Run failed: {run.job_name}"]
    if partitions:
        several = run.partition_range is not None and run.partition_range[0] != run.partition_range[1]
        lines.append(f"{'Partitions' if several else 'Partition'}: {partitions}")
    for step in steps[:MAX_STEPS_LISTED]:
        lines += [f"Failed step: {step.step_key}", f"Error: {cut(step.error, error_chars)}"]
    if len(steps) > MAX_STEPS_LISTED:
        more = ", ".join(s.step_key for s in steps[MAX_STEPS_LISTED:])
        lines.append(f"Also failed: {cut(more, error_chars)}")
    if not steps and run_error:
        lines.append(f"Error: {cut(run_error, error_chars)}")
    lines += [f"Run ID: {run.run_id}", f"Open in Dagster: {run.run_url}"]

    first = steps[0] if steps else None
    short = [f"Dagster run failed: {run.job_name}{where}"]
    if first:
        others = f" (+{len(steps) - 1} more)" if len(steps) > 1 else ""
        short.append(f"step {first.step_key}{others}: {cut(first.error, short_error_chars)}")
    elif run_error:
        short.append(cut(run_error, short_error_chars))
    short.append(run.run_url)
    return AlertMessage(subject=subject, text="\n".join(lines), short_text="\n".join(short))
