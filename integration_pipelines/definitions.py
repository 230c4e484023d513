"""The code location: everything under ``defs/`` is discovered and merged."""

from pathlib import Path

import dagster as dg

from integration_pipelines.deployment_settings import check_environment, run_executor


@dg.definitions
def defs() -> dg.Definitions:
    check_environment()  # every malformed setting named in one error, before any module reads one
    loaded = dg.load_from_defs_folder(path_within_project=Path(__file__).resolve().parent)
    # one executor for every job that names none: in_process locally, multiprocess in prod (run_executor)
    return dg.Definitions.merge(loaded, dg.Definitions(executor=run_executor()))
