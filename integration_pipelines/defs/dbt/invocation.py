"""What a dbt invocation needs besides its arguments: the partition window as vars and the
connection settings the profile reads from the environment.

dbt reads its connection only from environment variables (``profiles.yml``). Two of them cannot be
taken as they are: the local DuckDB file must be the one this code location's ``export_duckdb``
resource writes (not whatever the shell's working directory implies), and BigQuery's
``BIGQUERY_CREDENTIALS`` is base64 of a key, which dbt's BigQuery adapter cannot read, so it is
written to a private file for Application Default Credentials. dagster-dbt copies ``os.environ``
when it starts the subprocess; :func:`environment` changes it only around that start.
"""

from __future__ import annotations

import base64
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg

VAR_FORMAT = "%Y-%m-%d %H:%M:%S"


def window_vars(context: dg.AssetExecutionContext) -> dict[str, str]:
    """``min_date`` / ``max_date`` (UTC) of the run's partition window, for the incremental models."""
    if not (context.has_partition_key or context.has_partition_key_range):
        return {}
    window = context.partition_time_window
    return {"min_date": _utc(window.start), "max_date": _utc(window.end)}


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(VAR_FORMAT)


@contextmanager
def connection_environment(export_target: str, resources: Any) -> Iterator[dict[str, str]]:
    """Environment variables the dbt profile needs beyond the process's own, valid for the block."""
    if export_target == "duckdb":
        yield {"EXPORT_DUCKDB_PATH": str(Path(resources.export_duckdb.database).resolve())}
        return
    overrides: dict[str, str] = {}
    encoded = os.environ.get("BIGQUERY_CREDENTIALS") if export_target == "bigquery" else None
    if not encoded:
        yield overrides
        return
    with tempfile.TemporaryDirectory(prefix="dbt-bigquery-") as folder:
        key = Path(folder) / "credentials.json"
        key.touch(mode=0o600)
        key.write_bytes(base64.b64decode(encoded))
        yield {**overrides, "GOOGLE_APPLICATION_CREDENTIALS": str(key)}


@contextmanager
def environment(overrides: Mapping[str, str]) -> Iterator[None]:
    """``os.environ`` with ``overrides`` for the block, restored after (dbt's subprocess keeps its copy)."""
    saved = {name: os.environ.get(name) for name in overrides}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
