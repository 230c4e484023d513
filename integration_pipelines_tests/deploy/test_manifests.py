"""The plain Kubernetes manifests shipped in ``deploy/k8s/``, and the Kubernetes objects inside the Helm
values, against the Kubernetes schemas (kubernetes-validate, strict: unknown fields fail too).

The pools Job must set exactly the pools the code location uses (every export target's included, so
adding one needs no new Job) with the image, instance ConfigMap and database Secret of the Helm values.
"""

from __future__ import annotations

import copy
from typing import Any

import dagster as dg
import kubernetes_validate
import pytest
import yaml

from integration_pipelines.defs.exports.targets import TARGETS
from integration_pipelines.lib.warehouses.pools import export_pool
from integration_pipelines_tests.deploy import chart

POOLS_JOB = chart.ROOT / "deploy" / "k8s" / "pools-job.yaml"
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")


def _pools_job() -> dict[str, Any]:
    return yaml.safe_load(POOLS_JOB.read_text())


def _container(job: dict[str, Any]) -> dict[str, Any]:
    [container] = job["spec"]["template"]["spec"]["containers"]
    return container


def _env(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_the_pools_job_is_a_valid_job(version: str) -> None:
    kubernetes_validate.validate(_pools_job(), version, strict=True)


@pytest.mark.parametrize(
    "breaks",
    [
        lambda job: job["spec"].update(backoffLimit="three"),
        lambda job: job["spec"]["template"]["spec"].update(restartPolicys="OnFailure"),  # unknown field
        lambda job: _container(job).pop("name"),
        lambda job: _container(job)["env"].append({"name": "X", "valueFrom": {"secretKeyRef": "dagster"}}),
    ],
)
def test_a_broken_pools_job_fails_validation(breaks: Any) -> None:
    job = copy.deepcopy(_pools_job())
    breaks(job)
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(job, KUBERNETES_VERSIONS[-1], strict=True)


@pytest.fixture(scope="module")
def definitions() -> dg.Definitions:
    import integration_pipelines.definitions as code_location

    return code_location.defs()


def test_the_pools_job_sets_every_pool_of_the_code_location(definitions: dg.Definitions) -> None:
    """Tried: the pools of every op of every job as loaded, plus each export target's (only the configured
    targets' exports are loaded). Must hold: the Job sets exactly those, each to one step."""
    used = {node.pool for job in definitions.resolve_all_job_defs() for node in job.graph.node_defs if node.pool}
    expected = used | {export_pool(target) for target in TARGETS}
    container = _container(_pools_job())
    assert set(_env(container)["POOLS"].split()) == expected
    assert 'dagster instance concurrency set "$pool" 1' in container["args"][0]


def test_the_pools_job_runs_against_the_deployments_instance() -> None:
    values = chart.values()
    job, launcher = _pools_job(), chart.run_launcher_config(values)
    container = _container(job)
    deployment = chart.user_deployment(values)
    assert container["image"] == f"{deployment['image']['repository']}:{deployment['image']['tag']}"
    env = _env(container)
    assert env["DAGSTER_HOME"] == launcher["dagster_home"]
    assert env["DAGSTER_PG_PASSWORD"]["secretKeyRef"] == {
        "name": launcher["postgres_password_secret"],
        "key": "postgresql-password",
    }
    [volume] = job["spec"]["template"]["spec"]["volumes"]
    assert volume["configMap"]["name"] == launcher["instance_config_map"]
    [mount] = container["volumeMounts"]
    assert mount["mountPath"] == f"{launcher['dagster_home']}/dagster.yaml"


def _code_server_pod(values: dict[str, Any]) -> dict[str, Any]:
    """A Pod with the code location's container as the chart's Deployment template fills it from the values
    (image, `dagster api grpc` args, port, env, envFrom, resources, security contexts)."""
    d = chart.user_deployment(values)
    env_from = [{"configMapRef": {"name": c["name"]}} for c in d["envConfigMaps"]]
    env_from += [{"secretRef": {"name": s["name"]}} for s in d["envSecrets"]]
    container = {
        "name": d["name"],
        "image": f"{d['image']['repository']}:{d['image']['tag']}",
        "imagePullPolicy": d["image"]["pullPolicy"],
        "args": ["dagster", "api", "grpc", "-h", "0.0.0.0", "-p", str(d["port"]), *d["dagsterApiGrpcArgs"]],
        "ports": [{"name": "grpc", "containerPort": d["port"]}],
        "env": d["env"],
        "envFrom": env_from,
        "resources": d["resources"],
        "securityContext": d["securityContext"],
    }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": d["name"]},
        "spec": {"securityContext": d["podSecurityContext"], "containers": [container]},
    }


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_the_code_location_values_make_a_valid_pod(version: str) -> None:
    kubernetes_validate.validate(_code_server_pod(chart.values()), version, strict=True)


def test_broken_code_location_values_fail_validation() -> None:
    values = copy.deepcopy(chart.values())
    chart.user_deployment(values)["podSecurityContext"]["runAsNonRoot"] = "yes"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(_code_server_pod(values), KUBERNETES_VERSIONS[-1], strict=True)


def test_the_code_location_runs_non_root_in_prod_with_the_k8s_executor() -> None:
    d = chart.user_deployment(chart.values())
    assert d["podSecurityContext"]["runAsNonRoot"] is True and d["podSecurityContext"]["runAsUser"] > 0
    env = {e["name"]: e["value"] for e in d["env"]}
    assert env == {"INTEGRATION_PIPELINES_ENV": "prod", "INTEGRATION_PIPELINES_EXECUTOR": "k8s"}
    assert d["includeConfigInLaunchedRuns"]["enabled"] is True  # run and step pods get the same env and Secrets
    assert d["dagsterApiGrpcArgs"] == ["--module-name", "integration_pipelines.definitions"] and d["port"] == 4000
    assert {s["name"] for s in d["envSecrets"]} >= {"integration-pipelines-vendor-tokens"}
