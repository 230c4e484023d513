"""Which values an alert must never carry, and a redactor that knows every form they travel in.

An error can hold a secret as it is, URL-encoded (a query string, or a path, where ``/`` stays as it is)
or JSON-escaped (a vendor's error body quoted in an exception); the project's :class:`Redactor` knows the
raw and fully-quoted forms, this adds the path-quoted and JSON-escaped ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from urllib.parse import quote

from integration_pipelines.lib.http.redact import Redactor, is_sensitive_name


def looks_secret(name: str) -> bool:
    """A variable or setting name that carries a credential (``*_TOKEN``, ``*_PASSWORD``, ``credentials``)."""
    return is_sensitive_name(name) or "credential" in name.lower()


def sensitive_environment_values(environ: Mapping[str, str]) -> list[str]:
    """Values of environment variables named like secrets, including those no resource holds (e.g. AWS keys
    read by boto3's own chain)."""
    return [value for name, value in environ.items() if value and looks_secret(name)]


def env_vars_in_config(config: object, setting: str = "") -> Iterator[tuple[str, str]]:
    """``(setting, variable)`` for every value a resource's config reads from the environment.

    Dagster records a ``dg.EnvVar`` setting as ``{"env": "NAME"}`` in the resource's config.
    """
    if isinstance(config, Mapping):
        if set(config) == {"env"} and isinstance(config["env"], str):
            yield setting, config["env"]
            return
        for key, value in config.items():
            yield from env_vars_in_config(value, str(key))
    elif isinstance(config, list | tuple):
        for value in config:
            yield from env_vars_in_config(value, setting)


def alert_redactor(secrets: Iterable[str | None]) -> Redactor:
    """A :class:`Redactor` for ``secrets``, each also path-quoted and JSON-escaped."""
    redactor = Redactor()
    for secret in secrets:
        if not secret:
            continue
        redactor.add(secret)
        for variant in (quote(secret), json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]):
            if variant != secret:
                redactor.add(variant)
    return redactor
