"""What a dbt step needs that loading the definitions leaves out: dagster-dbt's objects, and the
resource that runs dbt.

The dbt assets are loaded from cached specs (``specs.py``), their manifest, translator and project
metadata pending. dagster-dbt reads those three from the step's assets definition when it selects
the models to build and turns dbt's events into Dagster's; :func:`bind_runtime` puts the real ones
there when the step starts, the only place dagster-dbt (and dbt-core) is imported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg

from integration_pipelines.defs.dbt.specs import MANIFEST_KEY, PROJECT_KEY, TRANSLATOR_KEY, PendingDbtRuntime
from integration_pipelines.lib.dbt.project import DBT_PROJECT_DIR

if TYPE_CHECKING:
    from dagster_dbt import DbtCliResource


class DbtRunner(dg.ConfigurableResource):
    """Runs dbt for one target of the project: dagster-dbt's ``DbtCliResource``, made when a step
    runs dbt rather than when the definitions load."""

    target: str
    project_dir: str = str(DBT_PROJECT_DIR)

    def cli_resource(self) -> DbtCliResource:
        from integration_pipelines.defs.dbt.project import dbt_cli, project_for

        return dbt_cli(project_for(self.target, Path(self.project_dir)))


def bind_runtime(assets_def: dg.AssetsDefinition, dbt_target: str, export_target: str) -> None:
    """The manifest, translator and project dagster-dbt would have put in the specs' metadata, in
    place of the pending stand-ins (once per process; specs already bound are left as they are)."""
    pending = [m for m in assets_def.metadata_by_key.values() if isinstance(m.get(MANIFEST_KEY), PendingDbtRuntime)]
    if not pending:
        return
    from dagster_dbt.dagster_dbt_translator import DbtManifestWrapper

    from integration_pipelines.defs.dbt.project import project_for
    from integration_pipelines.defs.text.automation import AFTER_FAILED_RUN
    from integration_pipelines.lib.dbt.translator import ExportedWarehouseTranslator

    project = project_for(dbt_target)
    manifest = json.loads(Path(project.manifest_path).read_text())
    translator = ExportedWarehouseTranslator(export_target, AFTER_FAILED_RUN)
    for metadata in pending:
        metadata.update(  # type: ignore[attr-defined]
            {MANIFEST_KEY: DbtManifestWrapper(manifest=manifest), TRANSLATOR_KEY: translator, PROJECT_KEY: project}
        )
