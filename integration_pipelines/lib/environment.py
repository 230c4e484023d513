"""The one environment switch: ``local`` (sandbox APIs + DuckDB, the default) or ``prod``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

Environment = Literal["local", "prod"]
ENV_VAR = "INTEGRATION_PIPELINES_ENV"
DEFAULT_SANDBOX_URL = "http://127.0.0.1:8765"


def get_environment() -> Environment:
    value = os.environ.get(ENV_VAR, "local").strip().lower()
    if value not in ("local", "prod"):
        raise ValueError(f"{ENV_VAR} must be 'local' or 'prod', not {value!r}")
    return value  # type: ignore[return-value]


def local_home() -> Path:
    """Where local runs keep the lake and DuckDB (``INTEGRATION_PIPELINES_HOME``, default ``./.local``)."""
    return Path(os.environ.get("INTEGRATION_PIPELINES_HOME", ".local")).resolve()


def sandbox_url() -> str:
    return os.environ.get("INTEGRATION_PIPELINES_SANDBOX_URL", DEFAULT_SANDBOX_URL).rstrip("/")
