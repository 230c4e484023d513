"""Jobs across every source: backfill several days of everything, or run the whole pipeline in one go."""

import dagster as dg

from integration_pipelines.components.sync_schedule import run_limit_tags
from integration_pipelines.components.vendor_sync import freshness_check_keys
from integration_pipelines.lib.dbt.project import DBT_GROUPS
from integration_pipelines.sources import registry

# run every 15 minutes by each vendor's freshness schedule, not by the jobs that sync
FRESHNESS_CHECKS = dg.AssetSelection.checks(*freshness_check_keys())

sync_all_job = dg.define_asset_job(
    "sync_all_job",
    selection=dg.AssetSelection.groups(*registry.names()) - FRESHNESS_CHECKS,
    description="Pull every source for the selected days into the lake and upsert all warehouse tables.",
    tags=run_limit_tags(),
)

main_job = dg.define_asset_job(
    "main_job",
    selection=dg.AssetSelection.groups(*registry.names(), "feedback", "exports", *DBT_GROUPS) - FRESHNESS_CHECKS,
    description="Pull every source into the lake and warehouse, build the feedback tables with sentiment, "
    "export every table to the configured warehouses, then build and test the dbt models and marts.",
    tags=run_limit_tags(),
)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(jobs=[sync_all_job, main_job])
