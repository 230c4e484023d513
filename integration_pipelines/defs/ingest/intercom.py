"""Intercom ingest: raw/intercom/{conversations,conversation_parts,contacts} and their warehouse tables."""

import dagster as dg

from integration_pipelines.defs.ingest.factory import build_ingest_assets
from integration_pipelines.sources.intercom import OBJECTS

intercom_assets = build_ingest_assets("intercom", list(OBJECTS.values()), resource_key="intercom", title="Intercom")

intercom_sync_job = dg.define_asset_job(
    "intercom_sync_job",
    selection=dg.AssetSelection.groups("intercom"),
    description="Pull Intercom changes for the selected days into the lake, then upsert the warehouse tables.",
)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=intercom_assets, jobs=[intercom_sync_job])
