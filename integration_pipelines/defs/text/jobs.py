"""Rebuilding the feedback tables alone (the main job, which also runs them, is in ``defs/jobs.py``)."""

import dagster as dg

feedback_job = dg.define_asset_job(
    "feedback_job",
    selection=dg.AssetSelection.groups("feedback"),
    description="Rebuild customer_feedback, feedback_preprocessed, feedback_sentiment and the sentiment report "
    "for the selected days.",
)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(jobs=[feedback_job])
