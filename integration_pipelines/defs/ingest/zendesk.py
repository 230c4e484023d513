"""Zendesk ingest: raw/zendesk/{tickets,users,organizations,ticket_comments} and their warehouse tables."""

import dagster as dg

from integration_pipelines.defs.ingest.factory import build_ingest_assets
from integration_pipelines.sources.zendesk import OBJECTS

zendesk_assets = build_ingest_assets("zendesk", list(OBJECTS.values()), resource_key="zendesk", title="Zendesk")

zendesk_sync_job = dg.define_asset_job(
    "zendesk_sync_job",
    selection=dg.AssetSelection.groups("zendesk"),
    description="Pull Zendesk changes for the selected days into the lake, then upsert the warehouse tables.",
)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=zendesk_assets, jobs=[zendesk_sync_job])
