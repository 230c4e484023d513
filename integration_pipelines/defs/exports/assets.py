"""Export assets for every configured target, and the job that runs them."""

import dagster as dg

from integration_pipelines.defs.exports.checks import build_export_checks
from integration_pipelines.defs.exports.factory import build_export_assets
from integration_pipelines.defs.resources import export_targets
from integration_pipelines.lib.dbt.project import DBT_GROUPS

export_job = dg.define_asset_job(
    "export_job",
    selection=dg.AssetSelection.groups("exports", *DBT_GROUPS),
    description="Export the selected days of every table to each configured warehouse (EXPORT_TARGETS), then "
    "build and test the dbt models and marts on the exported tables.",
)


@dg.definitions
def defs() -> dg.Definitions:
    targets = export_targets()
    if not targets:
        return dg.Definitions()
    return dg.Definitions(
        assets=[build_export_assets(t) for t in targets],
        asset_checks=[build_export_checks(t) for t in targets],
        jobs=[export_job],
    )
