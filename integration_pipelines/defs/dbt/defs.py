"""The dbt project's definitions, present only when there is an export for dbt to read.

The dbt target is ``DBT_TARGET``, or else the one reading the warehouse named first in
``EXPORT_TARGETS`` (locally ``duckdb``, so ``local``); its sources are that warehouse's export
assets. Prod exports nothing until ``EXPORT_TARGETS`` is set, and then dbt has nothing to read.
"""

from __future__ import annotations

import dagster as dg

from integration_pipelines.defs.dbt.assets import cached_dbt_assets_def
from integration_pipelines.defs.dbt.runtime import DbtRunner
from integration_pipelines.defs.resources import export_targets
from integration_pipelines.lib.dbt.project import dbt_target_name, export_target_of


def dbt_export_target() -> tuple[str, str] | None:
    """(dbt target, export target it reads), or None when nothing is exported."""
    targets = export_targets()
    dbt_target = dbt_target_name(targets)
    if dbt_target is None:
        return None
    export_target = export_target_of(dbt_target)
    if export_target not in targets:
        if targets:
            raise ValueError(
                f"DBT_TARGET {dbt_target!r} reads the {export_target} export, which EXPORT_TARGETS "
                f"({', '.join(targets)}) does not include"
            )
        return None
    return dbt_target, export_target


@dg.definitions
def defs() -> dg.Definitions:
    chosen = dbt_export_target()
    if chosen is None:
        return dg.Definitions()
    dbt_target, export_target = chosen
    return dg.Definitions(
        assets=[cached_dbt_assets_def(dbt_target, export_target)], resources={"dbt": DbtRunner(target=dbt_target)}
    )
