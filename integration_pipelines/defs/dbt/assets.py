"""The dbt models and their tests as Dagster assets and asset checks, downstream of the exports.

One ``@dbt_assets`` definition over the whole project, daily-partitioned like everything it reads:
a run passes its partition window to dbt as ``min_date`` / ``max_date`` so the incremental marts
rebuild only the days that changed, and a multi-day run is one ``dbt build``. Every dbt test is an
asset check on the model it tests; a failing test fails its check and the step. The step takes the
export target's pool, so dbt never writes a warehouse while an export loads it (the DuckDB file
takes one writer at a time).
"""

import json
from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from integration_pipelines.defs.dbt.invocation import connection_environment, environment, window_vars
from integration_pipelines.defs.dbt.translator import ExportedWarehouseTranslator
from integration_pipelines.defs.exports.targets import TARGETS
from integration_pipelines.lib.partitions import daily_partitions


def build_dbt_assets(project: DbtProject, export_target: str) -> dg.AssetsDefinition:
    """The project's models (and tests, as checks) reading the tables exported to ``export_target``."""

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        name="dbt_models",
        dagster_dbt_translator=ExportedWarehouseTranslator(export_target),
        partitions_def=daily_partitions(),
        backfill_policy=dg.BackfillPolicy.single_run(),
        required_resource_keys={"dbt", *TARGETS[export_target].resource_keys},
        pool=f"export_{export_target}",
    )
    def dbt_models(context: dg.AssetExecutionContext) -> Iterator[Any]:
        """Staging views, intermediate tables and the customer-voice marts, built and tested by dbt."""
        dbt: DbtCliResource = context.resources.dbt
        args = ["build"]
        variables = window_vars(context)
        if variables:
            args += ["--vars", json.dumps(variables)]
        with connection_environment(export_target, context.resources) as overrides:
            with environment(overrides):
                invocation = dbt.cli(args, context=context)
            yield from invocation.stream()

    return dbt_models
