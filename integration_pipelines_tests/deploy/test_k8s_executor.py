"""``INTEGRATION_PIPELINES_EXECUTOR=k8s``: the step executor's config, and the step pods it makes.

The config of ``engines/k8s.py`` must pass ``k8s_job_executor``'s own schema (and a broken one must
fail it); every op of the code location must have a kind; and the Job dagster-k8s builds for a step of
each kind, with the image and instance of the Helm values, must be a valid Kubernetes Job whose
container asks for that kind's resources.
"""

from __future__ import annotations

import copy
from typing import Any

import dagster as dg
import kubernetes
import kubernetes_validate
import pytest
from dagster._config import process_config
from dagster_k8s import k8s_job_executor
from dagster_k8s.container_context import K8sContainerContext
from dagster_k8s.job import DagsterK8sJobConfig, UserDefinedDagsterK8sConfig, construct_dagster_k8s_job
from kubernetes.utils import parse_quantity

from integration_pipelines.defs.exports.targets import TARGETS
from integration_pipelines.engines import executor_for
from integration_pipelines.engines.k8s import STEP_RESOURCES, executor_config, export_ops, step_kinds
from integration_pipelines.sources import registry
from integration_pipelines_tests.deploy import chart

SCHEMA = k8s_job_executor.config_schema.config_type
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")


def test_the_executor_config_passes_dagsters_schema() -> None:
    processed = process_config(SCHEMA, executor_config())
    assert processed.success, processed.errors
    raw = processed.value["per_step_k8s_config"]["raw_zendesk"]["container_config"]
    assert raw["resources"]["limits"]["memory"] == STEP_RESOURCES["pull"]["limits"]["memory"]


@pytest.mark.parametrize(
    "breaks",
    [
        lambda c: c.update(per_step_k8s_confg=c.pop("per_step_k8s_config")),  # misspelt field
        lambda c: c["per_step_k8s_config"]["raw_zendesk"].update(container_config="512Mi"),  # not a mapping
        lambda c: c["per_step_k8s_config"]["raw_zendesk"].update(pod_config={}),  # no such part of a pod
        lambda c: c.update(max_concurrent="two"),
    ],
)
def test_a_broken_executor_config_fails_the_schema(breaks: Any) -> None:
    config = copy.deepcopy(executor_config())
    breaks(config)
    assert not process_config(SCHEMA, config).success


def test_the_setting_selects_the_configured_executor() -> None:
    executor = executor_for("k8s")
    assert executor.name == "k8s"
    assert executor.executor_creation_fn is not None


def _ops(definitions: dg.Definitions) -> set[str]:
    return {node.name for job in definitions.resolve_all_job_defs() for node in job.graph.node_defs}


@pytest.fixture(scope="module")
def definitions() -> dg.Definitions:
    import integration_pipelines.definitions as code_location

    return code_location.defs()


def test_every_op_of_the_code_location_has_a_kind(definitions: dg.Definitions) -> None:
    """Tried: every op of every job, as loaded (local settings export to DuckDB, so dbt is there too).
    Must hold: each has a kind, and the kinds name no op that does not exist but another target's exports."""
    kinds = step_kinds()
    ops = _ops(definitions)
    assert ops - set(kinds) == set()
    unconfigured_exports = set(export_ops(t for t in TARGETS if f"export_{t}" not in ops))
    assert set(kinds) - ops == unconfigured_exports


def test_the_kinds_follow_what_the_steps_do() -> None:
    kinds = step_kinds()
    for vendor in registry.names():
        assert kinds[f"raw_{vendor}"] == "pull"
        assert kinds[f"warehouse_{vendor}"] == "load"
    assert kinds["feedback__feedback_sentiment"] == "text"
    assert kinds["export_snowflake"] == "export"
    assert kinds["dbt_models"] == "dbt"


@pytest.mark.parametrize("kind", sorted(STEP_RESOURCES))
def test_requests_fit_within_limits(kind: str) -> None:
    resources = STEP_RESOURCES[kind]
    for name, request in resources["requests"].items():
        assert parse_quantity(request) <= parse_quantity(resources["limits"][name]), (kind, name)


def test_a_load_pod_holds_the_measured_peak_and_its_unlimited_rerun() -> None:
    """benchmarks/README.md: the load peaks ~450-530 MB at 1M tickets under DuckDB's limit; a load that
    outgrows it is re-run without the limit (~1.5-1.7 GB at 1M)."""
    load = STEP_RESOURCES["load"]
    assert parse_quantity(load["requests"]["memory"]) >= 530 * 10**6
    assert parse_quantity(load["limits"]["memory"]) >= 1700 * 10**6
    assert parse_quantity(STEP_RESOURCES["pull"]["limits"]["memory"]) >= 2 * 477 * 10**6


def _step_job(op: str, per_step: dict[str, Any] | None = None) -> dict[str, Any]:
    """The Job dagster-k8s's step handler builds for ``op``: the executor's default, then the op's own
    config, over the instance the Helm values give the run launcher."""
    config = executor_config()
    launcher = chart.run_launcher_config(chart.values())
    deployment = chart.user_deployment(chart.values())
    context = K8sContainerContext(
        run_k8s_config=UserDefinedDagsterK8sConfig.from_dict(config["step_k8s_config"])
    ).merge(
        K8sContainerContext(
            run_k8s_config=UserDefinedDagsterK8sConfig.from_dict(
                per_step if per_step is not None else config["per_step_k8s_config"].get(op, {})
            )
        )
    )
    job = construct_dagster_k8s_job(
        job_config=DagsterK8sJobConfig(
            job_image=f"{deployment['image']['repository']}:{deployment['image']['tag']}",
            dagster_home=launcher["dagster_home"],
            instance_config_map=launcher["instance_config_map"],
            postgres_password_secret=launcher["postgres_password_secret"],
        ),
        args=["dagster", "api", "execute_step"],
        job_name=f"dagster-step-{op.replace('_', '-')}",
        component="step_worker",
        user_defined_k8s_config=context.run_k8s_config,
        labels={"dagster/op": op},
    )
    return kubernetes.client.ApiClient().sanitize_for_serialization(job)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("op", ["raw_zendesk", "warehouse_hubspot", "feedback__feedback_sentiment", "dbt_models",
                                "export_snowflake", "raw_intercom_freshness", "an_op_of_no_known_kind"])  # fmt: skip
def test_each_kinds_step_job_is_a_valid_kubernetes_job(op: str, version: str) -> None:
    manifest = _step_job(op)
    kubernetes_validate.validate(manifest, version, strict=True)
    [container] = manifest["spec"]["template"]["spec"]["containers"]
    kind = step_kinds().get(op, "check")
    assert container["resources"] == {part: dict(v) for part, v in STEP_RESOURCES[kind].items()}
    assert container["image"] == "registry.example.com/integration-pipelines:0.1.0"


@pytest.mark.parametrize(
    "breaks",
    [
        lambda container: container["resources"]["requests"].update(memory=["512Mi"]),  # a list for a quantity
        lambda container: container.update(resourcez=container.pop("resources")),  # no such container field
        lambda container: container.pop("image") and container.pop("name"),  # a container must be named
    ],
)
def test_a_broken_step_job_fails_kubernetes_validation(breaks: Any) -> None:
    manifest = _step_job("raw_zendesk")
    breaks(manifest["spec"]["template"]["spec"]["containers"][0])
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(manifest, KUBERNETES_VERSIONS[-1], strict=True)


@pytest.mark.parametrize(
    "per_step",
    [
        {"container_config": {"resources": {"requests": {"memory": ["512Mi"]}}}},
        {"container_config": {"resourcez": {"requests": {"memory": "512Mi"}}}},
    ],
)
def test_dagster_k8s_refuses_to_build_a_step_with_a_broken_container_config(per_step: dict[str, Any]) -> None:
    with pytest.raises(Exception, match="Invariant failed|Unexpected keys"):
        _step_job("raw_zendesk", per_step)


def test_every_quantity_parses() -> None:
    """kubernetes-validate does not check quantities' form; Kubernetes' own parser does."""
    for kind, resources in STEP_RESOURCES.items():
        for part in resources.values():
            for name, quantity in part.items():
                assert parse_quantity(quantity) > 0, (kind, name)
    with pytest.raises(ValueError):
        parse_quantity("512 MB")
