"""The one place that maps the environment to resources.

local (default): the sandbox's vendor APIs on ``INTEGRATION_PIPELINES_SANDBOX_URL`` with their public
test credentials, a lake folder and a DuckDB file under ``INTEGRATION_PIPELINES_HOME``.
prod: real endpoints; every credential is a ``dg.EnvVar`` so values never enter code or metadata.
Vendor resources are declared by each vendor's component (``defs/{vendor}/defs.yaml``), which asks
:func:`source_resource` for the environment's settings; the shared ones are defined here.
"""

import os
from collections.abc import Mapping
from pathlib import Path

import dagster as dg
from dagster_aws.s3 import S3Resource
from dagster_duckdb import DuckDBResource
from dagster_snowflake import SnowflakeResource

from integration_pipelines.defs.exports.targets import parse_targets
from integration_pipelines.lib.environment import get_environment, local_home, sandbox_url
from integration_pipelines.lib.lake import LakeResource
from integration_pipelines.lib.text.sentiment.resource import SentimentResource
from integration_pipelines.lib.warehouses.targets import BigQueryTarget, RedshiftTarget
from integration_pipelines.lib.webhooks.resource import INBOX_URL_VAR, WebhookInboxResource, inbox_url
from integration_pipelines.sources.base import Source


def source_resource(source: Source, pacing: Mapping[str, float]) -> dg.ConfigurableResource:
    """A vendor's connector resource for this environment, paced as its component's settings say."""
    return source.resource(get_environment(), sandbox_url(), **pacing)


def _sentiment(cache_dir: str | None) -> SentimentResource:
    """Offline unless SENTIMENT_PROVIDER names an LLM; its key is only ever an EnvVar."""
    provider = os.environ.get("SENTIMENT_PROVIDER", "offline")
    settings: dict[str, object] = {"provider": provider}
    if provider != "offline":
        settings.update(
            model=os.environ.get("SENTIMENT_MODEL"),
            api_key=dg.EnvVar("SENTIMENT_API_KEY") if os.environ.get("SENTIMENT_API_KEY") else None,
            base_url=os.environ.get("SENTIMENT_BASE_URL"),
            azure_endpoint=os.environ.get("SENTIMENT_AZURE_ENDPOINT"),
            api_version=os.environ.get("SENTIMENT_API_VERSION"),
            region=os.environ.get("SENTIMENT_REGION"),
            project_id=os.environ.get("SENTIMENT_PROJECT_ID"),
        )
        if os.environ.get("SENTIMENT_REQUESTS_PER_MINUTE"):
            settings["requests_per_minute"] = float(os.environ["SENTIMENT_REQUESTS_PER_MINUTE"])
    cache = os.environ.get("SENTIMENT_CACHE_PATH") or (f"{cache_dir}/sentiment_cache.sqlite" if cache_dir else None)
    return SentimentResource(cache_path=cache, **settings)


def export_targets() -> tuple[str, ...]:
    """``EXPORT_TARGETS`` (comma-separated); locally DuckDB by default, in prod nothing unless set."""
    value = os.environ.get("EXPORT_TARGETS")
    if value is None:
        value = "duckdb" if get_environment() == "local" else ""
    return parse_targets(value)


def _optional(name: str) -> dg.EnvVar | None:
    """A secret that may be left unset (e.g. one of two alternative credentials)."""
    return dg.EnvVar(name) if os.environ.get(name) else None


def _export_resources(targets: tuple[str, ...], home: Path | None) -> dict[str, object]:
    """Resources for the configured export targets only, so an unused warehouse needs no settings."""
    resources: dict[str, object] = {}
    if "duckdb" in targets:
        path = os.environ.get("EXPORT_DUCKDB_PATH")
        resources["export_duckdb"] = DuckDBResource(
            database=path or (str(home / "export.duckdb") if home else dg.EnvVar("EXPORT_DUCKDB_PATH"))
        )
    if "snowflake" in targets:
        resources["snowflake"] = SnowflakeResource(
            account=dg.EnvVar("SNOWFLAKE_ACCOUNT"),
            user=dg.EnvVar("SNOWFLAKE_USER"),
            password=_optional("SNOWFLAKE_PASSWORD"),
            private_key=_optional("SNOWFLAKE_PRIVATE_KEY"),
            private_key_password=_optional("SNOWFLAKE_PRIVATE_KEY_PASSWORD"),
            database=dg.EnvVar("SNOWFLAKE_DATABASE"),
            warehouse=os.environ.get("SNOWFLAKE_WAREHOUSE"),
            role=os.environ.get("SNOWFLAKE_ROLE"),
        )
    if "bigquery" in targets:
        resources["bigquery"] = BigQueryTarget(
            project=dg.EnvVar("BIGQUERY_PROJECT"),
            location=os.environ.get("BIGQUERY_LOCATION"),
            gcp_credentials=_optional("BIGQUERY_CREDENTIALS"),
            api_endpoint=os.environ.get("BIGQUERY_API_ENDPOINT"),
            anonymous=os.environ.get("BIGQUERY_ANONYMOUS", "").lower() in ("1", "true", "yes"),
        )
    if "redshift" in targets:
        resources["redshift"] = RedshiftTarget(
            host=dg.EnvVar("REDSHIFT_HOST"),
            port=int(os.environ.get("REDSHIFT_PORT", "5439")),
            user=dg.EnvVar("REDSHIFT_USER"),
            password=dg.EnvVar("REDSHIFT_PASSWORD"),
            database=dg.EnvVar("REDSHIFT_DATABASE"),
            sslmode=os.environ.get("REDSHIFT_SSLMODE", "require"),
            iam_role=os.environ.get("REDSHIFT_IAM_ROLE"),
            s3_bucket=dg.EnvVar("REDSHIFT_S3_BUCKET"),
            s3_prefix=os.environ.get("REDSHIFT_S3_PREFIX", "integration_pipelines/staging"),
            load_statement=os.environ.get("REDSHIFT_LOAD_STATEMENT", "copy"),
        )
        # AWS credentials come from boto3's own chain (AWS_ACCESS_KEY_ID/..., profile, instance role)
        resources["s3"] = S3Resource(
            region_name=os.environ.get("AWS_REGION"), endpoint_url=os.environ.get("S3_ENDPOINT_URL")
        )
    return resources


def _local_resources() -> dict[str, object]:
    home = local_home()
    home.mkdir(parents=True, exist_ok=True)
    return {
        "sentiment": _sentiment(str(home)),
        "webhook_inbox": WebhookInboxResource(url=inbox_url()),
        "lake": LakeResource(url=os.environ.get("INTEGRATION_PIPELINES_LAKE_URL", str(home / "lake"))),
        "duckdb": DuckDBResource(
            database=os.environ.get("INTEGRATION_PIPELINES_DUCKDB_PATH", str(home / "warehouse.duckdb"))
        ),
        **_export_resources(export_targets(), home),
    }


def _prod_resources() -> dict[str, object]:
    return {
        "sentiment": _sentiment(None),
        "webhook_inbox": WebhookInboxResource(
            url=dg.EnvVar(INBOX_URL_VAR) if os.environ.get(INBOX_URL_VAR) else inbox_url()
        ),
        "lake": LakeResource(url=dg.EnvVar("INTEGRATION_PIPELINES_LAKE_URL")),
        "duckdb": DuckDBResource(database=dg.EnvVar("INTEGRATION_PIPELINES_DUCKDB_PATH")),
        **_export_resources(export_targets(), None),
    }


def build_resources() -> dict[str, object]:
    return _local_resources() if get_environment() == "local" else _prod_resources()


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=build_resources())
