"""One job over every source, for backfilling several days of everything in one go."""

import dagster as dg

SOURCES = ("zendesk", "salesforce", "hubspot", "intercom")

sync_all_job = dg.define_asset_job(
    "sync_all_job",
    selection=dg.AssetSelection.groups(*SOURCES),
    description="Pull every source for the selected days into the lake and upsert all warehouse tables.",
)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(jobs=[sync_all_job])
