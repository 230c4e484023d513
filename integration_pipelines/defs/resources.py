"""The one place that maps the environment to resources.

local (default): the sandbox's Zendesk on ``INTEGRATION_PIPELINES_SANDBOX_URL`` with its public
test credentials, a lake folder and a DuckDB file under ``INTEGRATION_PIPELINES_HOME``.
prod: real endpoints; every credential is a ``dg.EnvVar`` so values never enter code or metadata.
"""

import os

import dagster as dg
from dagster_duckdb import DuckDBResource

from integration_pipelines.lib.connectors.zendesk import ZendeskResource
from integration_pipelines.lib.environment import get_environment, local_home, sandbox_url
from integration_pipelines.lib.lake import LakeResource
from integration_pipelines.lib.sandbox.dialects import zendesk as zendesk_sandbox


def _zendesk_limits() -> dict[str, float]:
    """Plan-dependent limits (High Volume add-on: 30 exports/min; Enterprise: 700 requests/min)."""
    return {
        "export_requests_per_minute": float(os.environ.get("ZENDESK_EXPORT_REQUESTS_PER_MINUTE", "10")),
        "requests_per_minute": float(os.environ.get("ZENDESK_REQUESTS_PER_MINUTE", "700")),
    }


def _local_resources() -> dict[str, object]:
    home = local_home()
    home.mkdir(parents=True, exist_ok=True)
    return {
        "zendesk": ZendeskResource(
            subdomain=zendesk_sandbox.SUBDOMAIN,
            email=zendesk_sandbox.EMAIL,
            api_token=zendesk_sandbox.API_TOKEN,  # the sandbox's published test token, not a secret
            base_url=f"{sandbox_url()}/zendesk/{{subdomain}}",
            **_zendesk_limits(),
        ),
        "lake": LakeResource(url=os.environ.get("INTEGRATION_PIPELINES_LAKE_URL", str(home / "lake"))),
        "duckdb": DuckDBResource(database=os.environ.get("INTEGRATION_PIPELINES_DUCKDB_PATH",
                                                         str(home / "warehouse.duckdb"))),
    }


def _zendesk_prod() -> ZendeskResource:
    if os.environ.get("ZENDESK_OAUTH_TOKEN"):
        credentials = {"oauth_token": dg.EnvVar("ZENDESK_OAUTH_TOKEN")}
    else:
        credentials = {"email": dg.EnvVar("ZENDESK_EMAIL"), "api_token": dg.EnvVar("ZENDESK_API_TOKEN")}
    return ZendeskResource(
        subdomain=dg.EnvVar("ZENDESK_SUBDOMAIN"),
        **_zendesk_limits(),
        **credentials,
    )


def _prod_resources() -> dict[str, object]:
    return {
        "zendesk": _zendesk_prod(),
        "lake": LakeResource(url=dg.EnvVar("INTEGRATION_PIPELINES_LAKE_URL")),
        "duckdb": DuckDBResource(database=dg.EnvVar("INTEGRATION_PIPELINES_DUCKDB_PATH")),
    }


def build_resources() -> dict[str, object]:
    return _local_resources() if get_environment() == "local" else _prod_resources()


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=build_resources())
