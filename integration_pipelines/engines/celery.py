"""Steps as Celery tasks: ``dagster-celery``'s executor, its broker and result backend read from the
environment when a run starts (they may hold a password, so they never enter the job's config
snapshot or the logs)."""

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
