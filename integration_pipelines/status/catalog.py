"""Which integrations exist and which environment variables each needs.

Sources are read through ``defs/resources.py:source_resource`` (the vendor's own ``prod_settings``
decide between alternative credentials), so the variables a source needs are exactly the
``dg.EnvVar``s its resource would resolve at run time. The LLM providers and warehouses take some
credentials optionally (``_optional`` in ``defs/resources.py``: set one of two), so their needs are
tabled here. Only variable NAMES are ever kept: values stay in the environment.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import dagster as dg

Kind = Literal["source", "llm", "warehouse"]
Requirement = str | tuple[str, ...]  # one variable, or alternatives of which one must be set

# Names whose values are secrets even when no resource field says so (belt and braces for redaction).
SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|PRIVATE_KEY|API_KEY|CREDENTIALS)", re.IGNORECASE)

LLM_VARIABLES: Mapping[str, tuple[Requirement, ...]] = {
    "offline": (),
    "openai": ("SENTIMENT_MODEL", "SENTIMENT_API_KEY"),
    "azure_openai": ("SENTIMENT_MODEL", "SENTIMENT_API_KEY", "SENTIMENT_AZURE_ENDPOINT", "SENTIMENT_API_VERSION"),
    "anthropic": ("SENTIMENT_MODEL", "SENTIMENT_API_KEY"),
    "bedrock": ("SENTIMENT_MODEL",),  # AWS credentials and region from boto3's chain
    "vertex": ("SENTIMENT_MODEL", "SENTIMENT_REGION", "SENTIMENT_PROJECT_ID"),
}

WAREHOUSES: Mapping[str, str] = {
    "duckdb": "DuckDB",
    "snowflake": "Snowflake",
    "bigquery": "BigQuery",
    "redshift": "Redshift",
}
WAREHOUSE_VARIABLES: Mapping[str, tuple[Requirement, ...]] = {
    "duckdb": (),  # locally $HOME/export.duckdb; in prod EXPORT_DUCKDB_PATH (added below)
    "snowflake": (
        "SNOWFLAKE_ACCOUNT",
        "SNOWFLAKE_USER",
        "SNOWFLAKE_DATABASE",
        ("SNOWFLAKE_PASSWORD", "SNOWFLAKE_PRIVATE_KEY"),
    ),
    "bigquery": ("BIGQUERY_PROJECT",),  # credentials: BIGQUERY_CREDENTIALS or Google's default credentials
    "redshift": ("REDSHIFT_HOST", "REDSHIFT_USER", "REDSHIFT_PASSWORD", "REDSHIFT_DATABASE", "REDSHIFT_S3_BUCKET"),
}
RESOURCE_KEYS = {"duckdb": "export_duckdb"}  # warehouse name -> its key in build_resources()


@dataclass(frozen=True)
class Integration:
    """One row of the catalog: what it is, whether its variables are set, how to open it for a check.

    ``open_resource(overrides)`` returns the integration's resource with its ``dg.EnvVar``s still
    unresolved (the health check resolves them); ``overrides`` are resource fields a quick check
    tightens (retries, timeouts), honoured by the sources only."""

    kind: Kind
    name: str
    title: str
    provider: str
    configured: bool
    missing: tuple[str, ...] = ()
    enabled: bool = True  # used by the pipelines (a warehouse: listed in EXPORT_TARGETS)
    note: str = ""
    secret_variables: tuple[str, ...] = ()
    open_resource: Callable[[Mapping[str, Any]], Any] | None = field(default=None, compare=False, repr=False)


def unset(requirements: Sequence[Requirement]) -> tuple[str, ...]:
    """The requirements not met, alternatives written ``A or B``; blank counts as unset."""
    missing = []
    for requirement in requirements:
        names = (requirement,) if isinstance(requirement, str) else requirement
        if not any(os.environ.get(name) for name in names):
            missing.append(" or ".join(names))
    return tuple(missing)


def env_var_fields(resource: dg.ConfigurableResource) -> dict[str, str]:
    """Field name -> environment variable, for every field the resource reads from a ``dg.EnvVar``."""
    return {
        name: value.env_var_name
        for name in type(resource).model_fields
        if isinstance(value := getattr(resource, name, None), dg.EnvVar)
    }


def secret_fields(resource_type: type) -> set[str]:
    """Fields declared ``repr=False``: the resource's own word for "a secret"."""
    return {name for name, info in getattr(resource_type, "model_fields", {}).items() if info.repr is False}


def secret_values() -> list[str]:
    """Every value in the environment whose variable name says it is a secret (for the output's last
    redaction pass, whatever the resources declare)."""
    return [value for name, value in os.environ.items() if value and SECRET_NAME.search(name)]


def catalog() -> list[Integration]:
    """Sources, the sentiment provider and the warehouses, in the order an admin screen shows them."""
    from integration_pipelines.defs.resources import build_resources, export_targets
    from integration_pipelines.lib.environment import get_environment

    environment = get_environment()
    try:
        resources: Mapping[str, Any] = build_resources()
        targets = export_targets()
        problem = ""
    except Exception as exc:  # noqa: BLE001 - a malformed setting: shown on the rows it affects
        resources, targets, problem = {}, (), _describe(exc)
    return [
        *_sources(environment),
        _llm(resources.get("sentiment"), problem),
        *(_warehouse(name, environment, targets, resources, problem) for name in WAREHOUSES),
    ]


def _sources(environment: str) -> list[Integration]:
    from integration_pipelines.components.vendor_sync import vendor_components
    from integration_pipelines.defs.resources import source_resource
    from integration_pipelines.lib.environment import sandbox_url
    from integration_pipelines.sources import registry

    components = vendor_components()
    found = []
    for name, source in registry.sources().items():
        component = components.get(name)
        try:
            pacing = component.connector_settings() if component is not None else {}
            resource = source_resource(source, pacing)
        except Exception as exc:  # noqa: BLE001 - e.g. a malformed rate limit: not usable as it stands
            found.append(Integration("source", name, source.title, "", False, note=_describe(exc)))
            continue
        variables = env_var_fields(resource)
        secrets = secret_fields(source.resource_type)
        missing = unset(list(dict.fromkeys(variables.values())))
        local = environment == "local"
        note = f"the sandbox at {sandbox_url()}" if local else _how(source.prod_settings) if missing else ""

        def open_resource(overrides: Mapping[str, Any], source=source, pacing=pacing) -> Any:
            return source_resource(source, {**pacing, **overrides})

        found.append(
            Integration(
                "source",
                name,
                source.title,
                "sandbox" if local else "vendor API",
                not missing,
                missing,
                note=note,
                secret_variables=tuple(v for f, v in variables.items() if f in secrets),
                open_resource=open_resource,
            )
        )
    return found


def _llm(resource: Any, problem: str) -> Integration:
    from integration_pipelines import deployment_settings as setting

    if resource is None:
        return Integration("llm", "sentiment", "Sentiment (LLM)", "", False, note=problem)
    provider = setting.SENTIMENT_PROVIDER.value()
    missing = unset(LLM_VARIABLES[provider])
    label = "offline model" if provider == "offline" else provider
    if provider != "offline" and os.environ.get("SENTIMENT_MODEL"):
        label = f"{provider} ({os.environ['SENTIMENT_MODEL']})"
    return Integration(
        "llm",
        "sentiment",
        "Sentiment (LLM)",
        label,
        not missing,
        missing,
        note="SENTIMENT_PROVIDER picks offline, openai, azure_openai, anthropic, bedrock or vertex" if missing else "",
        secret_variables=("SENTIMENT_API_KEY",),
        open_resource=lambda _overrides: resource,
    )


def _warehouse(
    name: str, environment: str, targets: Sequence[str], resources: Mapping[str, Any], problem: str
) -> Integration:
    requirements = list(WAREHOUSE_VARIABLES[name])
    if name == "duckdb" and environment != "local":
        requirements.append("EXPORT_DUCKDB_PATH")
    missing = unset(requirements)
    enabled = name in targets
    resource = resources.get(RESOURCE_KEYS.get(name, name))
    note = problem or ("" if enabled else "not in EXPORT_TARGETS")
    flat = [n for r in requirements for n in ((r,) if isinstance(r, str) else r)]
    return Integration(
        "warehouse",
        name,
        WAREHOUSES[name],
        "export target" if enabled else "",
        not missing and not problem,
        missing,
        enabled=enabled,
        note=note,
        secret_variables=tuple(n for n in flat if SECRET_NAME.search(n)),
        open_resource=None if resource is None else (lambda _overrides, resource=resource: resource),
    )


def _how(prod_settings: Callable[[], Any]) -> str:
    """The first paragraph of a vendor's ``prod_settings`` docstring: which alternative credentials it takes."""
    paragraph = (prod_settings.__doc__ or "").strip().split("\n\n")[0]
    return " ".join(paragraph.split()).replace("``", "")


def _describe(exc: BaseException) -> str:
    from integration_pipelines.lib import secrets

    text = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    return secrets.redact(text or type(exc).__name__)
