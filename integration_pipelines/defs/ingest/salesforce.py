"""Salesforce ingest: raw/salesforce/{cases,case_comments,contacts,accounts,opportunities} and warehouse tables."""

import dagster as dg

from integration_pipelines.defs.ingest.factory import build_ingest_assets
from integration_pipelines.sources.salesforce import OBJECTS

salesforce_assets = build_ingest_assets("salesforce", list(OBJECTS.values()), resource_key="salesforce",
                                        title="Salesforce")

salesforce_sync_job = dg.define_asset_job(
    "salesforce_sync_job",
    selection=dg.AssetSelection.groups("salesforce"),
    description="Pull Salesforce changes (REST queryAll or Bulk API 2.0) for the selected days into the lake, "
                "then upsert the warehouse tables.",
)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=salesforce_assets, jobs=[salesforce_sync_job])
