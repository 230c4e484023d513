"""The Helm values (``deploy/helm/values.yaml``) through Dagster's own config schemas.

Each section the chart renders into ``dagster.yaml`` (run launcher, run queue, pools, run monitoring;
translated as the chart's templates do, ``chart.py``) must pass the schema of the class or instance
field it configures, and a broken value must fail it. The run queue must hold one run at a time of
each vendor's schedule and webhook sensor (the tags Dagster puts on the runs they start, found from the
loaded definitions), and the vendor pools must be what the queue and the steps share across pods.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from dagster._config import process_config
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.instance.config import dagster_instance_config_schema, validate_concurrency_config
from dagster._core.storage.tags import SCHEDULE_NAME_TAG, SENSOR_NAME_TAG
from dagster_k8s import K8sRunLauncher

from integration_pipelines.sources import registry
from integration_pipelines_tests.deploy import chart

VALUES = chart.values()


def _errors(config_type: Any, config: Any) -> list[str]:
    result = process_config(config_type, config)
    return [] if result.success else [e.message for e in result.errors]


def _instance_errors(values: dict[str, Any]) -> list[str]:
    """What Dagster says of the rendered instance sections: its schema, then its own cross-checks."""
    sections = chart.instance_sections(values)
    errors = _errors(dagster_instance_config_schema(), sections)
    if not errors:
        coordinator = sections["run_coordinator"]
        errors = _errors(dg.QueuedRunCoordinator.config_type(), coordinator.get("config", {}))
    if not errors:
        try:
            validate_concurrency_config(sections)
        except DagsterInvalidConfigError as error:
            errors = [str(error)]
    return errors


def test_the_run_launcher_section_passes_k8s_run_launchers_schema() -> None:
    config = chart.run_launcher_config(VALUES)
    assert _errors(K8sRunLauncher.config_type(), config) == []
    assert config["postgres_password_secret"] == "dagster-postgresql-secret"
    assert config["run_k8s_config"]["job_spec_config"]["ttlSecondsAfterFinished"] > 0


def test_the_run_launcher_section_builds_a_launcher(tmp_path: Path) -> None:
    """Tried: the rendered config given to K8sRunLauncher itself (a kubeconfig file instead of the
    in-cluster one, which exists only in a pod). Must hold: it is accepted as it stands."""
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: test\n"
        "clusters: [{name: test, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        "contexts: [{name: test, context: {cluster: test, user: test}}]\nusers: [{name: test, user: {token: x}}]\n"
    )
    config = {**chart.run_launcher_config(VALUES), "load_incluster_config": False, "kubeconfig_file": str(kubeconfig)}
    processed = process_config(K8sRunLauncher.config_type(), config)
    assert processed.success, processed.errors
    launcher = K8sRunLauncher.from_config_value(None, processed.value)
    assert launcher.fail_pod_on_run_failure is True
    assert launcher.instance_config_map == "dagster-instance"


def test_the_run_queue_pools_and_monitoring_pass_dagsters_instance_checks() -> None:
    assert _instance_errors(VALUES) == []


def _broken(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    values = copy.deepcopy(VALUES)
    section = values
    for key in path[:-1]:
        section = section[key]
    section[path[-1]] = value
    return values


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("runLauncher", "config", "k8sRunLauncher", "loadInclusterConfig"), "yes please"),
        (("runLauncher", "config", "k8sRunLauncher", "runK8sConfig", "jobSpecConfig"), "ttl: 1"),
        (("runLauncher", "config", "k8sRunLauncher", "envSecrets"), [{"name": 7}]),
    ],
)
def test_a_broken_run_launcher_value_fails_the_schema(path: tuple[str, ...], value: Any) -> None:
    assert _errors(K8sRunLauncher.config_type(), chart.run_launcher_config(_broken(path, value)))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("concurrency", "runs", "maxConcurrentRuns"), "ten"),
        (("concurrency", "runs", "tagConcurrencyLimits"), [{"key": "dagster/schedule_name", "limit": "one"}]),
        (("concurrency", "pools", "granularity"), "step"),
        (("dagsterDaemon", "runMonitoring", "pollIntervalSeconds"), "a minute"),
        (("dagsterDaemon", "runCoordinator", "config", "queuedRunCoordinator", "dequeueIntervalSeconds"), "soon"),
        # run limits in the coordinator's own config beside `concurrency.pools`: Dagster refuses the instance
        (("dagsterDaemon", "runCoordinator", "config", "queuedRunCoordinator", "maxConcurrentRuns"), 10),
    ],
)
def test_a_broken_instance_value_fails_dagsters_checks(path: tuple[str, ...], value: Any) -> None:
    assert _instance_errors(_broken(path, value)), f"{'.'.join(path)} = {value!r} passed"


def test_a_misspelt_key_is_not_silently_dropped() -> None:
    with pytest.raises(chart.UnknownKeys, match="envSecret"):
        chart.run_launcher_config(_broken(("runLauncher", "config", "k8sRunLauncher", "envSecret"), [{"name": "x"}]))
    with pytest.raises(chart.UnknownKeys, match="maxConcurentRuns"):
        chart.concurrency(_broken(("concurrency", "runs", "maxConcurentRuns"), 3))


def test_the_rendered_instance_sections_make_an_instance(tmp_path: Path) -> None:
    """Tried: the run queue, pools and run monitoring the chart renders, on an instance with SQLite storage
    (the chart's PostgreSQL and K8sRunLauncher need a cluster). Must hold: Dagster builds the instance, and
    the pool, queue and monitoring limits are the ones set."""
    with dg.instance_for_test(overrides=chart.instance_sections(VALUES), temp_dir=str(tmp_path)) as instance:
        settings = instance.get_concurrency_config()
        assert settings.pool_config.default_pool_limit == 1
        assert settings.pool_config.op_granularity_run_buffer == 0
        assert settings.run_queue_config.max_concurrent_runs == 10
        assert settings.run_queue_config.should_block_op_concurrency_limited_runs
        assert len(settings.run_queue_config.tag_concurrency_limits) == 2 * len(registry.names())
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_max_resume_run_attempts == 0
        assert instance.run_monitoring_settings["free_slots_after_run_end_seconds"] == 60
        assert instance.managed_python_loggers == ["integration_pipelines.progress"]


@pytest.fixture(scope="module")
def definitions() -> dg.Definitions:
    import integration_pipelines.definitions as code_location

    return code_location.defs()


def _vendor_run_tags(definitions: dg.Definitions, vendor: str) -> set[tuple[str, str]]:
    """The (tag, value) pairs Dagster puts on the runs that start the vendor's sync job by themselves."""
    job = f"{vendor}_sync_job"
    tags = {(SCHEDULE_NAME_TAG, s.name) for s in definitions.schedules or [] if s.job_name == job}
    tags |= {
        (SENSOR_NAME_TAG, s.name)
        for s in definitions.sensors or []
        if s.has_jobs and job in {t.job_name for t in s.targets}
    }
    return tags


def test_every_vendor_has_one_run_at_a_time_per_schedule_and_sensor(definitions: dg.Definitions) -> None:
    limits = chart.concurrency(VALUES)["runs"]["tag_concurrency_limits"]
    limited = {(limit["key"], limit["value"]): limit["limit"] for limit in limits}
    expected: dict[tuple[str, str], int] = {}
    for vendor in registry.names():
        tags = _vendor_run_tags(definitions, vendor)
        assert any(key == SCHEDULE_NAME_TAG for key, _ in tags), f"{vendor} has no sync schedule"
        expected.update(dict.fromkeys(tags, 1))
    assert limited == expected


def test_the_vendor_limits_apply_to_the_runs_dagster_tags() -> None:
    """Tried: runs tagged as the zendesk sync schedule tags them, against the queue's own limit counter.
    Must hold: a second zendesk schedule run is held while one runs; a hubspot schedule run is not."""
    from dagster._utils.tags import TagConcurrencyLimitsCounter

    limits = chart.concurrency(VALUES)["runs"]["tag_concurrency_limits"]
    zendesk = dg.DagsterRun(job_name="zendesk_sync_job", tags={SCHEDULE_NAME_TAG: "zendesk_sync_schedule"})
    hubspot = dg.DagsterRun(job_name="hubspot_sync_job", tags={SCHEDULE_NAME_TAG: "hubspot_sync_schedule"})
    counter = TagConcurrencyLimitsCounter(limits, [])
    assert not counter.is_blocked(zendesk)
    counter.update_counters_with_launched_item(zendesk)
    assert counter.is_blocked(zendesk)
    assert not counter.is_blocked(hubspot)


def test_each_vendors_steps_share_its_pool(definitions: dg.Definitions) -> None:
    """The cross-pod share of a vendor's rate budget is its pool, held to one step by the default limit."""
    pools = {asset.op.pool for asset in definitions.resolve_asset_graph().assets_defs if asset.op.pool}
    assert {f"{vendor}_api" for vendor in registry.names()} <= pools
    assert chart.concurrency(VALUES)["pools"]["default_limit"] == 1
