"""HubSpot ingest: raw/hubspot/{contacts,companies,tickets,deals} and their warehouse tables."""

import dagster as dg

from integration_pipelines.defs.ingest.factory import build_ingest_assets
from integration_pipelines.sources.hubspot import OBJECTS

hubspot_assets = build_ingest_assets("hubspot", list(OBJECTS.values()), resource_key="hubspot", title="HubSpot")

hubspot_sync_job = dg.define_asset_job(
    "hubspot_sync_job",
    selection=dg.AssetSelection.groups("hubspot"),
    description="Pull HubSpot changes for the selected days into the lake, then upsert the warehouse tables.",
)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=hubspot_assets, jobs=[hubspot_sync_job])
