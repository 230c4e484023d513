"""The code location: everything under ``defs/`` is discovered and merged.

The component tree is built at the defs folder rather than through ``dg.load_from_defs_folder``,
which also imports every installed package registered as a ``dg`` plugin (dagster-snowflake,
dagster-aws, dagster-gcp and the warehouse SDKs they import: ~150 MB and seconds in every process
that loads the definitions: code server, run and step workers) only to list their component types
for the UI's app-managed components, which this project does not use. Assets, checks, jobs,
schedules, sensors and resources are the same; a warehouse's integration is imported when its
export target is configured (``defs/resources.py``).
"""

import warnings
from pathlib import Path

import dagster as dg

from integration_pipelines.deployment_settings import check_environment, run_executor


def _load_defs_folder() -> dg.Definitions:
    """``dg.load_from_defs_folder`` without the plugin catalogue, with its warnings filter: Dagster's
    beta/preview notices about its own loading machinery are not the operator's to act on."""
    with warnings.catch_warnings():
        for category in (DeprecationWarning, dg.SupersessionWarning, dg.PreviewWarning, dg.BetaWarning):
            warnings.simplefilter("ignore", category=category)
        tree = dg.ComponentTree.for_project(Path(__file__).resolve().parent)
        return tree.build_defs(tree.defs_module_path)


@dg.definitions
def defs() -> dg.Definitions:
    check_environment()  # every malformed setting named in one error, before any module reads one
    # one executor for every job that names none: in_process locally, multiprocess in prod (run_executor)
    return dg.Definitions.merge(_load_defs_folder(), dg.Definitions(executor=run_executor()))
