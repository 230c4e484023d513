"""The one place that maps the environment to resources.

local (default): the sandbox's Zendesk on ``INTEGRATION_PIPELINES_SANDBOX_URL`` with its public
test credentials, a lake folder and a DuckDB file under ``INTEGRATION_PIPELINES_HOME``.
prod: real endpoints; every credential is a ``dg.EnvVar`` so values never enter code or metadata.
"""

import os

import dagster as dg
from dagster_duckdb import DuckDBResource

from integration_pipelines.lib.connectors.hubspot import HubSpotResource
from integration_pipelines.lib.connectors.intercom import IntercomResource
from integration_pipelines.lib.connectors.zendesk import ZendeskResource
from integration_pipelines.lib.environment import get_environment, local_home, sandbox_url
from integration_pipelines.lib.lake import LakeResource
from integration_pipelines.lib.sandbox.dialects import hubspot as hubspot_sandbox
from integration_pipelines.lib.sandbox.dialects import intercom as intercom_sandbox
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
        "hubspot": HubSpotResource(
            access_token=hubspot_sandbox.ACCESS_TOKEN,  # the sandbox's published test token
            base_url=f"{sandbox_url()}/hubspot",
        ),
        "intercom": IntercomResource(
            access_token=intercom_sandbox.ACCESS_TOKEN,  # the sandbox's published test token
            base_url=f"{sandbox_url()}/intercom",
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


def _hubspot_prod() -> HubSpotResource:
    if os.environ.get("HUBSPOT_REFRESH_TOKEN"):
        credentials = {name: dg.EnvVar(f"HUBSPOT_{name.upper()}")
                       for name in ("client_id", "client_secret", "refresh_token")}
    else:
        credentials = {"access_token": dg.EnvVar("HUBSPOT_ACCESS_TOKEN")}
    return HubSpotResource(
        requests_per_10s=float(os.environ.get("HUBSPOT_REQUESTS_PER_10S", "100")),
        **credentials,
    )


def _intercom_prod() -> IntercomResource:
    return IntercomResource(
        access_token=dg.EnvVar("INTERCOM_ACCESS_TOKEN"),
        base_url=os.environ.get("INTERCOM_BASE_URL", "https://api.intercom.io"),
        api_version=os.environ.get("INTERCOM_API_VERSION", "2.11"),
        requests_per_minute=float(os.environ.get("INTERCOM_REQUESTS_PER_MINUTE", "10000")),
    )


def _prod_resources() -> dict[str, object]:
    return {
        "zendesk": _zendesk_prod(),
        "hubspot": _hubspot_prod(),
        "intercom": _intercom_prod(),
        "lake": LakeResource(url=dg.EnvVar("INTEGRATION_PIPELINES_LAKE_URL")),
        "duckdb": DuckDBResource(database=dg.EnvVar("INTEGRATION_PIPELINES_DUCKDB_PATH")),
    }


def build_resources() -> dict[str, object]:
    return _local_resources() if get_environment() == "local" else _prod_resources()


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=build_resources())
