"""The dbt project a deployment prepares when its image is built, so loading there parses nothing:

    DBT_TARGET=snowflake dagster-dbt project prepare-and-package \
        --file integration_pipelines/lib/dbt/deployed_project.py

``dagster-dbt project prepare-and-package`` imports this file and prepares every ``DbtProject`` it
finds. Nothing in the code location imports it (it imports dagster-dbt and dbt-core).
"""

from __future__ import annotations

from integration_pipelines.defs.dbt.project import project_for
from integration_pipelines.deployment_settings import DBT_TARGET

DEPLOYED_PROJECT = project_for(DBT_TARGET.read() or "local")
