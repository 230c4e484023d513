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
from dagster_duckdb import DuckDBResource

from integration_pipelines import deployment_settings as setting
from integration_pipelines.lib.environment import get_environment, local_home, sandbox_url
from integration_pipelines.lib.lake import LakeResource
from integration_pipelines.lib.text.sentiment.resource import SentimentResource
from integration_pipelines.lib.webhooks.resource import INBOX_URL_VAR, WebhookInboxResource, inbox_url
from integration_pipelines.sources.base import Source


def source_resource(source: Source, pacing: Mapping[str, float]) -> dg.ConfigurableResource:
    """A vendor's connector resource for this environment, paced as its component's settings say."""
    return source.resource(get_environment(), sandbox_url(), **pacing)


def _sentiment(cache_dir: str | None) -> SentimentResource:
    """Offline unless SENTIMENT_PROVIDER names an LLM; its key is only ever an EnvVar."""
    provider = setting.SENTIMENT_PROVIDER.value()
    settings: dict[str, object] = {"provider": provider}
    if provider != "offline":
        settings.update(
            model=setting.SENTIMENT_MODEL.read(),
            api_key=_optional("SENTIMENT_API_KEY"),
            base_url=setting.SENTIMENT_BASE_URL.read(),
            azure_endpoint=setting.SENTIMENT_AZURE_ENDPOINT.read(),
            api_version=setting.SENTIMENT_API_VERSION.read(),
            region=setting.SENTIMENT_REGION.read(),
            project_id=setting.SENTIMENT_PROJECT_ID.read(),
            requests_per_minute=setting.SENTIMENT_REQUESTS_PER_MINUTE.read(),
        )
    cache = setting.SENTIMENT_CACHE_PATH.read() or (f"{cache_dir}/sentiment_cache.sqlite" if cache_dir else None)
    return SentimentResource(cache_path=cache, **settings)


def export_targets() -> tuple[str, ...]:
    """``EXPORT_TARGETS`` (comma-separated); locally DuckDB by default, in prod nothing unless set."""
    if setting.EXPORT_TARGETS.name not in os.environ:  # set but blank means none, locally too
        return ("duckdb",) if get_environment() == "local" else ()
    return setting.EXPORT_TARGETS.read() or ()


def _optional(name: str) -> dg.EnvVar | None:
    """A secret that may be left unset (e.g. one of two alternative credentials)."""
    return dg.EnvVar(name) if os.environ.get(name) else None


def _export_resources(targets: tuple[str, ...], home: Path | None) -> dict[str, object]:
    """Resources for the configured export targets only, so an unused warehouse needs no settings.

    A warehouse's integration (dagster-snowflake, dagster-gcp or dagster-aws, and the SDKs each
    imports) is imported only when its target is configured, so loading the definitions stays light."""
    resources: dict[str, object] = {}
    if "duckdb" in targets:
        path = setting.EXPORT_DUCKDB_PATH.read()
        resources["export_duckdb"] = DuckDBResource(
            database=path or (str(home / "export.duckdb") if home else dg.EnvVar("EXPORT_DUCKDB_PATH"))
        )
    if "snowflake" in targets:
        from dagster_snowflake import SnowflakeResource

        resources["snowflake"] = SnowflakeResource(
            account=dg.EnvVar("SNOWFLAKE_ACCOUNT"),
            user=dg.EnvVar("SNOWFLAKE_USER"),
            password=_optional("SNOWFLAKE_PASSWORD"),
            private_key=_optional("SNOWFLAKE_PRIVATE_KEY"),
            private_key_password=_optional("SNOWFLAKE_PRIVATE_KEY_PASSWORD"),
            database=dg.EnvVar("SNOWFLAKE_DATABASE"),
            warehouse=setting.SNOWFLAKE_WAREHOUSE.read(),
            role=setting.SNOWFLAKE_ROLE.read(),
        )
    if "bigquery" in targets:
        from integration_pipelines.lib.warehouses.bigquery_target import BigQueryTarget

        resources["bigquery"] = BigQueryTarget(
            project=dg.EnvVar("BIGQUERY_PROJECT"),
            location=setting.BIGQUERY_LOCATION.read(),
            gcp_credentials=_optional("BIGQUERY_CREDENTIALS"),
            api_endpoint=setting.BIGQUERY_API_ENDPOINT.read(),
            anonymous=setting.BIGQUERY_ANONYMOUS.value(),
        )
    if "redshift" in targets:
        from dagster_aws.s3 import S3Resource

        from integration_pipelines.lib.warehouses.redshift_target import RedshiftTarget

        resources["redshift"] = RedshiftTarget(
            host=dg.EnvVar("REDSHIFT_HOST"),
            port=setting.REDSHIFT_PORT.value(),
            user=dg.EnvVar("REDSHIFT_USER"),
            password=dg.EnvVar("REDSHIFT_PASSWORD"),
            database=dg.EnvVar("REDSHIFT_DATABASE"),
            sslmode=setting.REDSHIFT_SSLMODE.value(),
            iam_role=setting.REDSHIFT_IAM_ROLE.read(),
            s3_bucket=dg.EnvVar("REDSHIFT_S3_BUCKET"),
            s3_prefix=setting.REDSHIFT_S3_PREFIX.value(),
            load_statement=setting.REDSHIFT_LOAD_STATEMENT.value(),
        )
        # AWS credentials come from boto3's own chain (AWS_ACCESS_KEY_ID/..., profile, instance role)
        resources["s3"] = S3Resource(region_name=setting.AWS_REGION.read(), endpoint_url=setting.S3_ENDPOINT_URL.read())
    return resources


def _local_resources() -> dict[str, object]:
    home = local_home()
    home.mkdir(parents=True, exist_ok=True)
    return {
        "sentiment": _sentiment(str(home)),
        "webhook_inbox": WebhookInboxResource(url=inbox_url()),
        "lake": LakeResource(url=setting.LAKE_URL.read() or str(home / "lake")),
        "duckdb": DuckDBResource(database=setting.DUCKDB_PATH.read() or str(home / "warehouse.duckdb")),
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
