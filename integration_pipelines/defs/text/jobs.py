"""The main job: every source, then the feedback tables, for the selected days in one run."""

import dagster as dg

from integration_pipelines.defs.ingest.all_sources import SOURCES

feedback_job = dg.define_asset_job(
    "feedback_job",
    selection=dg.AssetSelection.groups("feedback"),
    description="Rebuild customer_feedback, feedback_preprocessed and feedback_sentiment for the selected days.",
)

main_job = dg.define_asset_job(
    "main_job",
    selection=dg.AssetSelection.groups(*SOURCES, "feedback", "exports"),
    description="Pull every source into the lake and warehouse, build the feedback tables with sentiment, then "
                "export every table to the configured warehouses.",
)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(jobs=[feedback_job, main_job])
