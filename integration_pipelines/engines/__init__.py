"""The engine a run's steps execute on (``INTEGRATION_PIPELINES_EXECUTOR``), built on Dagster's own
executors: no scheduler or queue of ours.

* ``in_process`` (local default) and ``multiprocess`` (prod default) run every step on the machine
  that runs the run; see docs/architecture.md, "Executors".
* ``celery`` (``engines/celery.py``, extra ``[celery]``): each step is a Celery task that any worker of
  the fleet may take; docs/deployment.md says how to start the workers.
* ``k8s`` (``engines/k8s.py``, extra ``[k8s]``): each step is a Kubernetes Job with the resource
  requests of its kind (pull, warehouse load, text, dbt, export).

The distributed engines' integrations are imported only when chosen, so loading the definitions
never imports Celery or the Kubernetes client.
"""

from __future__ import annotations

import dagster as dg

ENGINES = ("in_process", "multiprocess", "celery", "k8s")


def executor_for(choice: str) -> dg.ExecutorDefinition:
    """The executor definition of one of :data:`ENGINES`."""
    if choice == "in_process":
        return dg.in_process_executor
    if choice == "multiprocess":
        return dg.multiprocess_executor
    if choice == "celery":
        from integration_pipelines.engines.celery import celery_executor_def

        return celery_executor_def()
    if choice == "k8s":
        from integration_pipelines.engines.k8s import k8s_executor_def

        return k8s_executor_def()
    raise ValueError(f"unknown engine {choice!r}; one of {', '.join(ENGINES)}")
