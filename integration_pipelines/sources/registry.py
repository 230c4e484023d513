"""The one place that knows which vendors exist: every package under ``sources/`` that exports ``SOURCE``.

Derived from the folders rather than kept by hand, so adding a vendor is adding its folder; jobs,
exports, feedback and the defs components all ask here.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from pathlib import Path

from integration_pipelines.sources.base import Source

PACKAGE = "integration_pipelines.sources"


@functools.cache
def sources() -> dict[str, Source]:
    """Every vendor by name, in name order (stable, so definitions and exports list them the same way)."""
    found: dict[str, Source] = {}
    for module in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if not module.ispkg:
            continue
        source = getattr(importlib.import_module(f"{PACKAGE}.{module.name}"), "SOURCE", None)
        if not isinstance(source, Source):
            raise TypeError(f"{PACKAGE}.{module.name} must export SOURCE = Source(...)")
        if source.name != module.name:
            raise ValueError(
                f"{PACKAGE}.{module.name} declares the source name {source.name!r}; "
                "a source's name is its folder's name"
            )
        found[source.name] = source
    return found


def names() -> tuple[str, ...]:
    return tuple(sources())


def get(name: str) -> Source:
    try:
        return sources()[name]
    except KeyError:
        raise KeyError(f"no source named {name!r}; sources: {', '.join(names())}") from None
