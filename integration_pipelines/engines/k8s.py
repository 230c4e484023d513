"""Steps as Kubernetes Jobs: ``dagster-k8s``'s ``k8s_job_executor``."""

from __future__ import annotations

import dagster as dg


def k8s_executor_def() -> dg.ExecutorDefinition:
    """``k8s_job_executor`` (each step its own Job in the run's namespace)."""
    from dagster_k8s import k8s_job_executor

    return k8s_job_executor
