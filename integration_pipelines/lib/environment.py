"""The one environment switch: ``local`` (sandbox APIs + DuckDB, the default) or ``prod``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, cast

from integration_pipelines.lib import settings

Environment = Literal["local", "prod"]
ENV_VAR = "INTEGRATION_PIPELINES_ENV"
DEFAULT_SANDBOX_URL = "http://127.0.0.1:8765"

ENVIRONMENT = settings.choice(ENV_VAR, ("local", "prod"), default="local")
HOME = settings.text("INTEGRATION_PIPELINES_HOME", default=".local")
SANDBOX_URL = settings.url("INTEGRATION_PIPELINES_SANDBOX_URL", default=DEFAULT_SANDBOX_URL)


def get_environment() -> Environment:
    return cast(Environment, ENVIRONMENT.value())


def local_home() -> Path:
    """Where local runs keep the lake and DuckDB (``INTEGRATION_PIPELINES_HOME``, default ``./.local``)."""
    return Path(HOME.value()).resolve()


def sandbox_url() -> str:
    return SANDBOX_URL.value().rstrip("/")
