"""The code location: everything under ``defs/`` is discovered and merged."""

from pathlib import Path

import dagster as dg

from integration_pipelines.deployment_settings import check_environment


@dg.definitions
def defs() -> dg.Definitions:
    check_environment()  # every malformed setting named in one error, before any module reads one
    return dg.load_from_defs_folder(path_within_project=Path(__file__).resolve().parent)
