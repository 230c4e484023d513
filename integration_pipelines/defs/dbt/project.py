"""The dbt project as Dagster sees it, with its manifest ready when the definitions load.

dagster-dbt builds assets from ``manifest.json``. In development and in the tests the manifest is
prepared on load when it is missing or older than any model, test, macro or config file (one
``dbt parse``, several seconds the first time, nothing after), so nobody has to remember a manual
step and an edit never runs against stale models; ``dagster dev`` re-parses on every load. Each dbt
target keeps its own manifest (``target/{dbt target}/``): adapter type and warehouse configs differ.
"""

from __future__ import annotations

from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from integration_pipelines.deployment_settings import DBT_TARGET
from integration_pipelines.lib.dbt.project import DBT_PROJECT_DIR, dbt_executable, manifest_is_stale


def project_for(target: str, project_dir: Path = DBT_PROJECT_DIR) -> DbtProject:
    """The project for one dbt target, as it is (nothing prepared)."""
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
    return DbtCliResource(project_dir=project, target=project.target, dbt_executable=dbt_executable())


def prepare(project: DbtProject) -> None:
    """``dbt parse`` into the project's target path: a manifest without connecting to the warehouse."""
    dbt_cli(project).cli(["parse", "--quiet"], target_path=project.target_path).wait()


# What a deployment prepares when its image is built, so loading there parses nothing:
#   DBT_TARGET=snowflake dagster-dbt project prepare-and-package --file integration_pipelines/defs/dbt/project.py
DEPLOYED_PROJECT = project_for(DBT_TARGET.read() or "local")
