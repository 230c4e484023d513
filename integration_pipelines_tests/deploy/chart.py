"""The instance sections Dagster's Helm chart renders from ``deploy/helm/values.yaml``, for the tests.

There is no ``helm`` binary here, so the translation the chart's templates make from its camelCase
values to ``dagster.yaml`` (``templates/helpers/instance/_run-launcher.tpl``, ``_run-coordinator.tpl``,
``_concurrency.tpl``, the ``run_monitoring`` block of ``configmap-instance.yaml``) is written out
below, key by key. A key the translation does not know fails the test that reads it, so a misspelt
value cannot pass unseen; what the translation cannot prove is that the chart reads the key the same way.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
VALUES = ROOT / "deploy" / "helm" / "values.yaml"
RELEASE = "dagster"  # `helm install dagster dagster/dagster`: the chart's fullname, so ConfigMap dagster-instance
NAMESPACE = "dagster"


def values() -> dict[str, Any]:
    return yaml.safe_load(VALUES.read_text())


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class UnknownKeys(ValueError):
    """A values key the chart's template for that section does not read."""


def _known(section: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(section) - known)
    if unknown:
        raise UnknownKeys(f"{where}: the chart does not read {unknown}")


RUN_LAUNCHER_KEYS = {
    "image", "imagePullPolicy", "jobNamespace", "loadInclusterConfig", "kubeconfigFile", "envConfigMaps",
    "envSecrets", "envVars", "volumeMounts", "volumes", "labels", "resources", "failPodOnRunFailure",
    "schedulerName", "securityContext", "runK8sConfig",
}  # fmt: skip
RUN_K8S_CONFIG_KEYS = {"containerConfig", "podSpecConfig", "podTemplateSpecMetadata", "jobSpecConfig", "jobMetadata"}


def run_launcher_config(v: dict[str, Any]) -> dict[str, Any]:
    """``run_launcher.config`` for ``runLauncher.type: K8sRunLauncher``."""
    assert v["runLauncher"]["type"] == "K8sRunLauncher"
    k8s = v["runLauncher"]["config"]["k8sRunLauncher"]
    _known(k8s, RUN_LAUNCHER_KEYS, "runLauncher.config.k8sRunLauncher")
    config: dict[str, Any] = {
        "load_incluster_config": k8s["loadInclusterConfig"],
        "job_namespace": k8s.get("jobNamespace") or NAMESPACE,
        "service_account_name": RELEASE,
        "dagster_home": v["global"]["dagsterHome"],
        "instance_config_map": f"{RELEASE}-instance",
        "postgres_password_secret": v["global"]["postgresqlSecretName"],
    }
    if k8s.get("imagePullPolicy"):
        config["image_pull_policy"] = k8s["imagePullPolicy"]
    if k8s.get("kubeconfigFile"):
        config["kubeconfig_file"] = k8s["kubeconfigFile"]
    if v.get("imagePullSecrets"):
        config["image_pull_secrets"] = v["imagePullSecrets"]
    if "image" in k8s:
        image = k8s["image"]
        config["job_image"] = f"{image['repository']}:{image['tag']}"
    for key in ("envConfigMaps", "envSecrets"):
        if k8s.get(key):
            config[snake(key)] = [entry["name"] for entry in k8s[key] if "name" in entry]
    for key in ("envVars", "volumeMounts", "volumes", "labels", "resources", "securityContext", "schedulerName"):
        if k8s.get(key):
            config[snake(key)] = k8s[key]
    if k8s.get("failPodOnRunFailure"):
        config["fail_pod_on_run_failure"] = True
    if k8s.get("runK8sConfig"):
        _known(k8s["runK8sConfig"], RUN_K8S_CONFIG_KEYS, "runLauncher.config.k8sRunLauncher.runK8sConfig")
        config["run_k8s_config"] = {snake(key): part for key, part in k8s["runK8sConfig"].items() if part}
    return config


RUN_COORDINATOR_KEYS = {
    "maxConcurrentRuns", "tagConcurrencyLimits", "dequeueIntervalSeconds", "dequeueUseThreads", "dequeueNumWorkers",
    "blockOpConcurrencyLimitedRuns",
}  # fmt: skip


def run_coordinator(v: dict[str, Any]) -> dict[str, Any]:
    """``run_coordinator`` (module, class, config) for ``dagsterDaemon.runCoordinator.type: QueuedRunCoordinator``."""
    coordinator = v["dagsterDaemon"]["runCoordinator"]
    assert coordinator["enabled"] and coordinator["type"] == "QueuedRunCoordinator"
    queued = coordinator["config"]["queuedRunCoordinator"]
    _known(queued, RUN_COORDINATOR_KEYS, "dagsterDaemon.runCoordinator.config.queuedRunCoordinator")
    config: dict[str, Any] = {}
    for key in ("maxConcurrentRuns", "tagConcurrencyLimits", "dequeueIntervalSeconds", "dequeueUseThreads"):
        if queued.get(key) is not None:
            config[snake(key)] = queued[key]
    if queued.get("dequeueNumWorkers"):
        config["dequeue_num_workers"] = queued["dequeueNumWorkers"]
    if queued.get("blockOpConcurrencyLimitedRuns"):
        block = queued["blockOpConcurrencyLimitedRuns"]
        _known(block, {"enabled", "opConcurrencySlotBuffer"}, "blockOpConcurrencyLimitedRuns")
        config["block_op_concurrency_limited_runs"] = {
            "enabled": block["enabled"],
            "op_concurrency_slot_buffer": block["opConcurrencySlotBuffer"],
        }
    return {"module": "dagster.core.run_coordinator", "class": "QueuedRunCoordinator", "config": config}


RUN_MONITORING_KEYS = {
    "enabled", "startTimeoutSeconds", "cancelTimeoutSeconds", "maxRuntimeSeconds", "maxResumeRunAttempts",
    "pollIntervalSeconds", "freeSlotsAfterRunEndSeconds",
}  # fmt: skip


def run_monitoring(v: dict[str, Any]) -> dict[str, Any]:
    monitoring = v["dagsterDaemon"]["runMonitoring"]
    _known(monitoring, RUN_MONITORING_KEYS, "dagsterDaemon.runMonitoring")
    return {snake(key): value for key, value in monitoring.items()}


def concurrency(v: dict[str, Any]) -> dict[str, Any]:
    """``concurrency`` (pools, runs) as ``_concurrency.tpl`` renders it, when ``concurrency.enabled``."""
    section = v.get("concurrency") or {}
    _known(section, {"enabled", "pools", "runs"}, "concurrency")
    if not section.get("enabled"):
        return {}
    pools, runs = section.get("pools") or {}, section.get("runs") or {}
    _known(pools, {"defaultLimit", "granularity", "opGranularityRunBuffer"}, "concurrency.pools")
    _known(runs, {"maxConcurrentRuns", "tagConcurrencyLimits"}, "concurrency.runs")
    rendered: dict[str, Any] = {}
    if any(value is not None for value in pools.values()):
        rendered["pools"] = {snake(key): value for key, value in pools.items() if value is not None}
    if runs.get("maxConcurrentRuns") is not None or runs.get("tagConcurrencyLimits"):
        rendered["runs"] = {}
        if runs.get("maxConcurrentRuns") is not None:
            rendered["runs"]["max_concurrent_runs"] = runs["maxConcurrentRuns"]
        if runs.get("tagConcurrencyLimits"):
            for limit in runs["tagConcurrencyLimits"]:
                _known(limit, {"key", "value", "limit"}, "concurrency.runs.tagConcurrencyLimits")
            rendered["runs"]["tag_concurrency_limits"] = [
                {k: limit[k] for k in ("key", "value", "limit") if limit.get(k) is not None}
                for limit in runs["tagConcurrencyLimits"]
            ]
    return rendered


def instance_sections(v: dict[str, Any]) -> dict[str, Any]:
    """The run queue, pools, run monitoring and logging sections of the rendered ``dagster.yaml``."""
    sections: dict[str, Any] = {
        "run_coordinator": run_coordinator(v),
        "run_monitoring": run_monitoring(v),
        "python_logs": {"managed_python_loggers": v["pythonLogs"]["managedPythonLoggers"]},
        "telemetry": {"enabled": v["telemetry"]["enabled"]},
    }
    if concurrency(v):
        sections["concurrency"] = concurrency(v)
    if not sections["run_coordinator"]["config"]:
        del sections["run_coordinator"]["config"]  # the template leaves `config:` out when nothing is set
    return sections


def user_deployment(v: dict[str, Any]) -> dict[str, Any]:
    """The one code location of ``dagster-user-deployments``."""
    [deployment] = v["dagster-user-deployments"]["deployments"]
    return deployment
