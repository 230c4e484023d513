"""Steps as Celery tasks: ``dagster-celery``'s executor, its broker and result backend read from the
environment when a run starts (they may hold a password, so they never enter the job's config
snapshot or the logs).

The workers read the same two variables through ``deploy/celery/dagster_celery_config.py`` (docs/
deployment.md, "Celery fleet"). A task names the run, its step and the Dagster instance by reference
(the instance's ``dagster.yaml`` with its ``env:`` entries, resolved in the worker), so what passes
through the broker carries no database password. The executor claims a step's pool slot before it
queues the step: pools (one writer of a DuckDB file, one rate budget per vendor) hold across the fleet.
"""

from __future__ import annotations

import os

import dagster as dg

BROKER_URL = "INTEGRATION_PIPELINES_CELERY_BROKER_URL"
BACKEND_URL = "INTEGRATION_PIPELINES_CELERY_BACKEND_URL"  # unset: the broker's URL (Redis serves both)


def celery_executor_def() -> dg.ExecutorDefinition:
    """``celery_executor`` with broker and backend bound to environment variables."""
    from dagster_celery import celery_executor

    backend = BACKEND_URL if os.environ.get(BACKEND_URL, "").strip() else BROKER_URL
    return celery_executor.configured({"broker": {"env": BROKER_URL}, "backend": {"env": backend}}, name="celery")
