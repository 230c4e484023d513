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

from integration_pipelines.lib.settings import SettingError

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


# Engines whose steps run in pods that share no disk: the lake and the working DuckDB must be remote.
NO_SHARED_DISK = ("k8s",)
REMOTE_DUCKDB_PREFIXES = ("md:", "motherduck:")  # MotherDuck: DuckDB's own hosted service


def check_shared_lake(engine: str, lake_url: str | None) -> None:
    """Refuse, when the definitions load, a distributed engine with a local lake: the raw step in one
    pod would write files the warehouse step in the next pod never sees."""
    if engine in NO_SHARED_DISK and lake_url is not None and ("://" not in lake_url or lake_url.startswith("file://")):
        raise SettingError(
            f"INTEGRATION_PIPELINES_LAKE_URL must be an object-store URL (s3://bucket/prefix, gs://...) with "
            f"INTEGRATION_PIPELINES_EXECUTOR={engine}: a local folder is not shared between the steps' pods"
        )


def check_shared_duckdb(engine: str, duckdb_path: str | None) -> None:
    """The same for the working DuckDB database; its value is never echoed (a MotherDuck path may
    carry a token)."""
    if (
        engine in NO_SHARED_DISK
        and duckdb_path is not None
        and not duckdb_path.lower().startswith(REMOTE_DUCKDB_PREFIXES)
    ):
        raise SettingError(
            f"INTEGRATION_PIPELINES_DUCKDB_PATH must name a MotherDuck database (md:<database>) with "
            f"INTEGRATION_PIPELINES_EXECUTOR={engine}: a local DuckDB file is not shared between the steps' pods"
        )
