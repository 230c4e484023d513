"""The dbt models and their tests as Dagster assets and asset checks, downstream of the exports.

One dbt assets definition over the whole project, daily-partitioned like everything it reads: a run
passes its partition window to dbt as ``min_date`` / ``max_date`` so the incremental marts rebuild
only the days that changed, and a multi-day run is one ``dbt build``. Every dbt test is an asset
check on the model it tests; a failing test fails its check and the step. The step takes the export
target's pool, so dbt never writes a warehouse while an export loads it (the DuckDB file takes one
writer at a time).

:func:`build_dbt_assets` is dagster-dbt's ``@dbt_assets``; the code location loads
:func:`cached_dbt_assets_def`, the same specs read from the cache it writes (``specs.py``), so no
process imports dbt-core until a dbt step runs.
"""

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import dagster as dg

from integration_pipelines.defs.dbt.invocation import connection_environment, environment, window_vars
from integration_pipelines.defs.dbt.runtime import bind_runtime
from integration_pipelines.defs.dbt.specs import cached_dbt_assets
from integration_pipelines.defs.exports.targets import TARGETS
from integration_pipelines.lib.partitions import daily_partitions

if TYPE_CHECKING:
    from dagster_dbt import DbtCliResource, DbtProject

NAME = "dbt_models"


def _run_dbt(context: dg.AssetExecutionContext, dbt: "DbtCliResource", export_target: str) -> Iterator[Any]:
    """Staging views, intermediate tables and the customer-voice marts, built and tested by dbt."""
    args = ["build"]
    variables = window_vars(context)
    if variables:
        args += ["--vars", json.dumps(variables)]
    with connection_environment(export_target, context.resources) as overrides:
        with environment(overrides):
            invocation = dbt.cli(args, context=context)
        yield from invocation.stream()


def _settings(export_target: str) -> dict[str, Any]:
    """What both definitions share besides their specs."""
    return {
        "name": NAME,
        "partitions_def": daily_partitions(),
        "backfill_policy": dg.BackfillPolicy.single_run(),
        "required_resource_keys": {"dbt", *TARGETS[export_target].resource_keys},
        "pool": f"export_{export_target}",
    }


def build_dbt_assets(project: "DbtProject", export_target: str) -> dg.AssetsDefinition:
    """The project's models (and tests, as checks) reading the tables exported to ``export_target``,
    built by dagster-dbt from the manifest; run with a ``DbtCliResource`` as ``dbt``."""
    from dagster_dbt import dbt_assets

    from integration_pipelines.defs.text.automation import AFTER_FAILED_RUN
    from integration_pipelines.lib.dbt.translator import ExportedWarehouseTranslator

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=ExportedWarehouseTranslator(export_target, AFTER_FAILED_RUN),
        **_settings(export_target),
    )
    def dbt_models(context: dg.AssetExecutionContext) -> Iterator[Any]:
        """Staging views, intermediate tables and the customer-voice marts, built and tested by dbt."""
        yield from _run_dbt(context, context.resources.dbt, export_target)

    return dbt_models


def cached_dbt_assets_def(dbt_target: str, export_target: str) -> dg.AssetsDefinition:
    """The same assets as :func:`build_dbt_assets` for ``dbt_target``'s project, from the spec cache;
    run with a :class:`~integration_pipelines.defs.dbt.runtime.DbtRunner` as ``dbt``."""
    cached = cached_dbt_assets(dbt_target, export_target)

    @dg.multi_asset(
        specs=cached.specs,
        check_specs=cached.check_specs,
        can_subset=True,
        op_tags=cached.op_tags,
        allow_arbitrary_check_specs=True,
        **_settings(export_target),
    )
    def dbt_models(context: dg.AssetExecutionContext) -> Iterator[Any]:
        """Staging views, intermediate tables and the customer-voice marts, built and tested by dbt."""
        bind_runtime(context.assets_def, dbt_target, export_target)
        yield from _run_dbt(context, context.resources.dbt.cli_resource(), export_target)

    return dbt_models
