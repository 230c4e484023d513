"""Steps as Kubernetes Jobs: ``dagster-k8s``'s ``k8s_job_executor``, each step kind with its own resources.

A step pod is sized for what its kind does, from the figures in benchmarks/README.md (a step pod first
loads the definitions: about 185 MB before any work):

* ``pull`` (``raw_{vendor}``): network-bound; peak 438–477 MB at 1M tickets (the 112 MB day buffers are
  full from ~100k on), so a quarter core and 512Mi, up to 1Gi.
* ``load`` (``warehouse_{vendor}`` and its reconciliation): DuckDB under its 192 MB limit plus Arrow,
  +284 MB above the load at 1M tickets and flat in N; a load that outgrows the limit is re-run under
  DuckDB's own (+1.4 GB at 1M), hence a 2Gi limit and scratch disk for the spill.
* ``text`` (the ``feedback__*`` tables and their checks): CPU-bound (language, PII, offline scoring).
* ``dbt``: dbt-core (~80 MB to import) and its threads.
* ``export``: reads ``EXPORT_CHUNK_ROWS`` (100k) rows at a time and loads them into the warehouse.
* ``check``: the light checks (freshness, quarantine, export keys), which query and return.

Steps are matched by op name (``per_step_k8s_config`` is keyed by it), and the op names are derived
from what makes them: the vendors of :mod:`integration_pipelines.sources.registry`, the export targets,
the feedback package's asset definitions and the dbt op. dagster-k8s is imported only here, when the
``k8s`` engine is chosen.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Mapping
from typing import Any

import dagster as dg

STEP_RESOURCES: Mapping[str, Mapping[str, Mapping[str, str]]] = {
    "pull": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
    "load": {
        "requests": {"cpu": "500m", "memory": "768Mi", "ephemeral-storage": "2Gi"},
        "limits": {"cpu": "2", "memory": "2Gi", "ephemeral-storage": "8Gi"},
    },
    "text": {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "2Gi"}},
    "dbt": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "2Gi"}},
    "export": {"requests": {"cpu": "250m", "memory": "768Mi"}, "limits": {"cpu": "1", "memory": "1536Mi"}},
    "check": {"requests": {"cpu": "100m", "memory": "384Mi"}, "limits": {"cpu": "500m", "memory": "768Mi"}},
}
DEFAULT_KIND = "check"  # a step of no known kind: the smallest pod, which the run launcher's config may widen


def vendor_ops(vendor: str) -> dict[str, str]:
    """The ops ``VendorSync`` makes for one vendor, by kind."""
    return {
        f"raw_{vendor}": "pull",
        f"raw_{vendor}_freshness": "check",
        f"warehouse_{vendor}": "load",
        f"warehouse_{vendor}_reconciliation": "load",  # reads the window's lake keys and the table
        f"warehouse_{vendor}_quarantine": "check",
    }


def feedback_ops() -> dict[str, str]:
    """The feedback tables and their checks: every asset definition of the ``defs/text`` package."""
    import integration_pipelines.defs.text as text

    names: set[str] = set()
    for module in pkgutil.iter_modules(text.__path__):
        found = vars(importlib.import_module(f"{text.__name__}.{module.name}")).values()
        names |= {d.node_def.name for d in found if isinstance(d, dg.AssetsDefinition)}
    return dict.fromkeys(sorted(names), "text")


def export_ops(targets: Iterable[str]) -> dict[str, str]:
    return {name: kind for t in targets for name, kind in ((f"export_{t}", "export"), (f"export_{t}_keys", "check"))}


def step_kinds() -> dict[str, str]:
    """Every op of the code location and its kind (all export targets, whichever are configured)."""
    from integration_pipelines.defs.dbt.assets import NAME as DBT_OP
    from integration_pipelines.defs.exports.targets import TARGETS
    from integration_pipelines.sources import registry

    kinds: dict[str, str] = {}
    for vendor in registry.names():
        kinds.update(vendor_ops(vendor))
    kinds.update(feedback_ops())
    kinds.update(export_ops(TARGETS))
    kinds[DBT_OP] = "dbt"
    return kinds


def container_config(kind: str) -> dict[str, Any]:
    """The step container's Kubernetes fields for one kind (a deep copy: Dagster may merge into it)."""
    return {"resources": {part: dict(values) for part, values in STEP_RESOURCES[kind].items()}}


def executor_config() -> dict[str, Any]:
    """``k8s_job_executor``'s config: resources per op, and the default kind's for any other step."""
    return {
        "step_k8s_config": {"container_config": container_config(DEFAULT_KIND)},
        "per_step_k8s_config": {op: {"container_config": container_config(k)} for op, k in step_kinds().items()},
    }


def k8s_executor_def() -> dg.ExecutorDefinition:
    """``k8s_job_executor`` (each step its own Job in the run's namespace) with :func:`executor_config`."""
    from dagster_k8s import k8s_job_executor

    return k8s_job_executor.configured(executor_config(), name="k8s")
