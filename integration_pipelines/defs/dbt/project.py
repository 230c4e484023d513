"""The dbt project as dagster-dbt sees it, with its manifest ready when the dbt assets are built.

dagster-dbt builds assets from ``manifest.json``. In development and in the tests the manifest is
prepared when it is missing or older than any model, test, macro or config file (one ``dbt parse``,
several seconds the first time, nothing after), so nobody has to remember a manual step and an edit
never runs against stale models; ``dagster dev`` re-parses on every load. Each dbt target keeps its
own manifest (``target/{dbt target}/``): adapter type and warehouse configs differ.

dagster-dbt is imported inside these functions: it imports dbt-core (~80 MB), and this module is in
the autoloaded defs folder. Loading the definitions reads the dbt assets from the spec cache
(``specs.py``); these functions run in its builder, in a dbt step and in the tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from integration_pipelines.lib.dbt.project import DBT_PROJECT_DIR, dbt_executable, manifest_is_stale

if TYPE_CHECKING:
    from dagster_dbt import DbtCliResource, DbtProject


def project_for(target: str, project_dir: Path = DBT_PROJECT_DIR) -> DbtProject:
    """The project for one dbt target, as it is (nothing prepared)."""
    from dagster_dbt import DbtProject

    return DbtProject(
        project_dir=project_dir, profiles_dir=project_dir, target=target, target_path=Path("target") / target
    )


def dbt_project(target: str, project_dir: Path = DBT_PROJECT_DIR) -> DbtProject:
    """The project for one dbt target, its manifest prepared if it is not current."""
    project = project_for(target, project_dir)
    if project.preparer.using_dagster_dev() or manifest_is_stale(project.manifest_path, project_dir):
        prepare(project)
    return project


def dbt_cli(project: DbtProject) -> DbtCliResource:
    """The resource that runs dbt for ``project``'s target (dbt from this environment)."""
    from dagster_dbt import DbtCliResource

    return DbtCliResource(project_dir=project, target=project.target, dbt_executable=dbt_executable())


def prepare(project: DbtProject) -> None:
    """``dbt parse`` into the project's target path: a manifest without connecting to the warehouse."""
    dbt_cli(project).cli(["parse", "--quiet"], target_path=project.target_path).wait()
