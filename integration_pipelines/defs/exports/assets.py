"""Export assets for every configured target, and the job that runs them."""

import dagster as dg

from integration_pipelines.defs.exports.checks import build_export_checks
from integration_pipelines.defs.exports.factory import build_export_assets
from integration_pipelines.defs.resources import export_targets

export_job = dg.define_asset_job(
    "export_job",
    selection=dg.AssetSelection.groups("exports"),
    description="Export the selected days of every table to each configured warehouse (EXPORT_TARGETS).",
)


@dg.definitions
def defs() -> dg.Definitions:
    targets = export_targets()
    if not targets:
        return dg.Definitions()
    return dg.Definitions(assets=[build_export_assets(t) for t in targets],
                          asset_checks=[build_export_checks(t) for t in targets], jobs=[export_job])
