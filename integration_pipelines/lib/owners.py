"""Who owns the assets: ``INTEGRATION_PIPELINES_ASSET_OWNERS``, shown on every asset in the UI.

Dagster accepts ``team:name`` or an e-mail address per owner; a malformed one fails the load with the
variable's name rather than a deep Dagster error."""

from __future__ import annotations

import re

from integration_pipelines.lib import settings

DEFAULT_OWNERS = ("team:data-platform",)
_OWNER = re.compile(r"^(team:[A-Za-z0-9_.-]+|[^@\s]+@[^@\s]+\.[^@\s]+)$")


def _parse(value: str) -> tuple[str, ...]:
    owners = tuple(dict.fromkeys(o.strip() for o in value.split(",") if o.strip()))
    bad = [o for o in owners if not _OWNER.match(o)]
    if bad or not owners:
        raise ValueError(f"not an owner: {', '.join(bad) or '(none)'}")
    return owners


ASSET_OWNERS = settings.Setting(
    "INTEGRATION_PIPELINES_ASSET_OWNERS",
    _parse,
    "a comma-separated list of team:name or e-mail addresses (e.g. team:data-platform)",
    DEFAULT_OWNERS,
)


def asset_owners() -> list[str]:
    return list(ASSET_OWNERS.value())
