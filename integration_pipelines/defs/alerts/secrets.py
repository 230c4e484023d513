"""Every secret this code location is configured with, for masking alert text.

Two sources: every resource setting read from an environment variable (``dg.EnvVar``) whose setting or
variable name is a credential's, found in the resources' config so a new resource needs no list kept
up to date; and every environment variable named like a secret, for credentials no resource holds
(boto3's AWS keys, the instance's PostgreSQL password).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import dagster as dg

from integration_pipelines.lib.alerts.secrets import env_vars_in_config, looks_secret, sensitive_environment_values


def resource_secret_variables(repository: dg.RepositoryDefinition | None) -> set[str]:
    names: set[str] = set()
    if repository is None:
        return names
    for resource in repository.get_top_level_resources().values():
        schema = resource.config_schema
        field = schema.as_field() if schema is not None else None
        if field is None or not field.default_provided:
            continue
        names |= {
            variable
            for setting, variable in env_vars_in_config(field.default_value)
            if looks_secret(setting) or looks_secret(variable)
        }
    return names


def configured_secrets(
    repository: dg.RepositoryDefinition | None, environ: Mapping[str, str] | None = None
) -> list[str]:
    environ = os.environ if environ is None else environ
    from_resources = [environ.get(name) for name in sorted(resource_secret_variables(repository))]
    return [value for value in from_resources if value] + sensitive_environment_values(environ)
