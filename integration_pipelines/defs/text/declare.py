"""How every feedback-layer asset is declared: daily partitions, one run per backfill, after the syncs.

A one-spec ``multi_asset`` rather than ``@asset``, because ``backfill_policy`` is stable on the former
and still beta on the latter; the op keeps ``@asset``'s name (``feedback__{name}``) so step keys and
run history read the same."""

import inspect
from collections.abc import Callable, Iterable

import dagster as dg

from integration_pipelines.defs.text.automation import FOLLOWS_SYNCS
from integration_pipelines.defs.text.tables import feedback_key
from integration_pipelines.lib.owners import asset_owners
from integration_pipelines.lib.partitions import daily_partitions
from integration_pipelines.lib.warehouses.pools import WAREHOUSE_POOL

AssetFn = Callable[[dg.AssetExecutionContext], dg.MaterializeResult]


def feedback_asset(
    name: str,
    *,
    deps: Iterable[dg.AssetKey | dg.AssetDep],
    required_resource_keys: set[str],
    kinds: set[str],
) -> Callable[[AssetFn], dg.AssetsDefinition]:
    """Declare ``feedback/{name}``; the function's docstring is the asset's description."""

    def declare(fn: AssetFn) -> dg.AssetsDefinition:
        spec = dg.AssetSpec(
            key=feedback_key(name),
            group_name="feedback",
            deps=list(deps),
            kinds=kinds,
            owners=asset_owners(),
            automation_condition=FOLLOWS_SYNCS,
            description=inspect.cleandoc(fn.__doc__ or ""),
        )
        return dg.multi_asset(
            name=feedback_key(name).to_python_identifier(),
            specs=[spec],
            partitions_def=daily_partitions(),
            backfill_policy=dg.BackfillPolicy.single_run(),
            required_resource_keys=required_resource_keys,
            pool=WAREHOUSE_POOL,  # each writes or opens the working DuckDB file: one at a time
        )(fn)

    return declare
