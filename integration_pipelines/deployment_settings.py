"""Every non-secret environment variable the code location reads, with its form and default.

One table rather than reads scattered through the modules, so an operator's whole configuration is
checked at once when the definitions load (:func:`check_environment`): ``dg check defs`` names every
malformed variable in one error instead of one per attempt, and nothing malformed waits for the first
run to fail. Secrets are not here: they stay ``dg.EnvVar``s, resolved by Dagster when a run starts.
The modules that use a setting import it from here (or, for ``lib``, declare it themselves).
"""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import dagster as dg

from integration_pipelines.defs.exports.targets import TARGETS
from integration_pipelines.engines import ENGINES, check_shared_duckdb, check_shared_lake, executor_for
from integration_pipelines.lib import settings
from integration_pipelines.lib.dbt.project import EXPORT_TARGETS as DBT_TARGET_NAMES
from integration_pipelines.lib.environment import ENVIRONMENT as ENVIRONMENT
from integration_pipelines.lib.environment import HOME as HOME
from integration_pipelines.lib.environment import SANDBOX_URL as SANDBOX_URL
from integration_pipelines.lib.environment import get_environment
from integration_pipelines.lib.partitions import PARTITIONS_START as PARTITIONS_START
from integration_pipelines.lib.text.sentiment.resource import Provider
from integration_pipelines.lib.warehouses.redshift_loading import LoadStatement

DEFS_FOLDER = Path(__file__).resolve().parent / "defs"

# How a run executes its steps (unset: in_process locally, multiprocess in prod; see run_executor)
EXECUTOR = settings.choice("INTEGRATION_PIPELINES_EXECUTOR", ENGINES)

# The lake and the working DuckDB file (locally under INTEGRATION_PIPELINES_HOME; in prod required EnvVars)
LAKE_URL = settings.text("INTEGRATION_PIPELINES_LAKE_URL")
DUCKDB_PATH = settings.text("INTEGRATION_PIPELINES_DUCKDB_PATH")

# Exports (unset EXPORT_TARGETS: duckdb locally, none in prod)
EXPORT_TARGETS = settings.choices("EXPORT_TARGETS", tuple(TARGETS))
EXPORT_CRON = settings.cron("EXPORT_CRON", default="0 2 * * *")
EXPORT_TIMEZONE = settings.timezone("EXPORT_TIMEZONE", default="UTC")
EXPORT_CHUNK_ROWS = settings.integer("EXPORT_CHUNK_ROWS", default=100_000, minimum=1)
EXPORT_SCHEMA_PREFIX = settings.identifier_prefix("EXPORT_SCHEMA_PREFIX", default="")
EXPORT_DUCKDB_PATH = settings.text("EXPORT_DUCKDB_PATH")
DBT_TARGET = settings.choice("DBT_TARGET", tuple(DBT_TARGET_NAMES))

# Warehouses: the non-secret halves of their connections
SNOWFLAKE_WAREHOUSE = settings.text("SNOWFLAKE_WAREHOUSE")
SNOWFLAKE_ROLE = settings.text("SNOWFLAKE_ROLE")
BIGQUERY_LOCATION = settings.text("BIGQUERY_LOCATION")
BIGQUERY_API_ENDPOINT = settings.url("BIGQUERY_API_ENDPOINT")
BIGQUERY_ANONYMOUS = settings.flag("BIGQUERY_ANONYMOUS", default=False)
REDSHIFT_PORT = settings.integer("REDSHIFT_PORT", default=5439, minimum=1, maximum=65535)
REDSHIFT_SSLMODE = settings.choice(
    "REDSHIFT_SSLMODE", ("disable", "allow", "prefer", "require", "verify-ca", "verify-full"), default="require"
)
REDSHIFT_IAM_ROLE = settings.text("REDSHIFT_IAM_ROLE")
REDSHIFT_S3_PREFIX = settings.text("REDSHIFT_S3_PREFIX", default="integration_pipelines/staging")
REDSHIFT_LOAD_STATEMENT = settings.choice("REDSHIFT_LOAD_STATEMENT", get_args(LoadStatement), default="copy")
AWS_REGION = settings.text("AWS_REGION")
S3_ENDPOINT_URL = settings.url("S3_ENDPOINT_URL")

# Sentiment scoring (the API key is a secret EnvVar)
SENTIMENT_PROVIDER = settings.choice("SENTIMENT_PROVIDER", get_args(Provider), default="offline")
SENTIMENT_MODEL = settings.text("SENTIMENT_MODEL")
SENTIMENT_BASE_URL = settings.url("SENTIMENT_BASE_URL")
SENTIMENT_AZURE_ENDPOINT = settings.url("SENTIMENT_AZURE_ENDPOINT", schemes=("https",))
SENTIMENT_API_VERSION = settings.text("SENTIMENT_API_VERSION")
SENTIMENT_REGION = settings.text("SENTIMENT_REGION")
SENTIMENT_PROJECT_ID = settings.text("SENTIMENT_PROJECT_ID")
SENTIMENT_REQUESTS_PER_MINUTE = settings.number("SENTIMENT_REQUESTS_PER_MINUTE")
SENTIMENT_CACHE_PATH = settings.text("SENTIMENT_CACHE_PATH")

# every Setting named in this module, the imported lib ones included
SETTINGS: tuple[settings.Setting, ...] = tuple(v for v in list(globals().values()) if isinstance(v, settings.Setting))


def run_executor() -> dg.ExecutorDefinition:
    """The executor of every job (``INTEGRATION_PIPELINES_EXECUTOR``).

    Locally ``in_process``: steps run one after another inside the run's process, so main_job does not
    start a Python process per step (each costs 10-20 s of imports on a small machine; see
    benchmarks/README.md). In prod ``multiprocess``: steps of different vendors run in parallel, and a
    step that crashes its process (out of memory, a native extension) fails alone. What both keep: a
    step that raises fails alone (independent steps still run, downstream ones are skipped), pools
    and step retries work the same. What in_process gives up: a crash of the process (not an
    exception) ends the whole run, and steps never overlap. ``celery`` and ``k8s`` spread the steps over
    a fleet (``integration_pipelines/engines``, docs/deployment.md)."""
    return executor_for(EXECUTOR.read() or ("in_process" if get_environment() == "local" else "multiprocess"))


def _engine() -> str | None:
    """The engine chosen, or None when unset or malformed (a malformed one is named by its own reader)."""
    try:
        return EXECUTOR.read()
    except settings.SettingError:
        return None


def _shared_lake() -> None:
    engine = _engine()
    if engine is not None:
        check_shared_lake(engine, LAKE_URL.read())


def _shared_duckdb() -> None:
    engine = _engine()
    if engine is not None:
        check_shared_duckdb(engine, DUCKDB_PATH.read())


def check_environment() -> None:
    """Read every setting the definitions read and raise one :class:`settings.SettingError` naming each
    malformed variable: the plain settings above, the alert channels' (which also need their companion
    variables) and each vendor component's cron, rate limits, deadlines, freshness window and concurrency (named in its
    ``defs.yaml``)."""
    from integration_pipelines.components.step_retry import STEP_RETRIES, STEP_RETRY_WAIT
    from integration_pipelines.components.sync_schedule import RUN_MAX_RUNTIME
    from integration_pipelines.components.vendor_sync import load_vendor_component
    from integration_pipelines.defs.alerts.settings import alerts_resource_from_env

    readers = [setting.read for setting in (*SETTINGS, RUN_MAX_RUNTIME, STEP_RETRIES, STEP_RETRY_WAIT)] + [
        alerts_resource_from_env,
        _shared_lake,
        _shared_duckdb,
    ]
    for path in sorted(DEFS_FOLDER.glob("*/defs.yaml")):
        component = load_vendor_component(path)
        if component is not None:
            readers += [
                component.cron.cron,
                component.connector_settings,
                component.freshness,
                component.concurrency_degree,
            ]
    settings.check(readers)
