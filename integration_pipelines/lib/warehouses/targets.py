"""Dagster resources for the export targets that Dagster's own integrations do not fully cover.

Snowflake needs nothing extra: dagster-snowflake's ``SnowflakeResource.get_connection`` is the
exporter's connection factory. BigQuery and Redshift get thin subclasses of the dagster-gcp and
dagster-aws resources, so their documented fields (project, location, credentials; host, port,
user, password, database, sslmode) keep working and only what the exporters need is added.

Each lives in its own module (``bigquery_target``, ``redshift_target``) so that a deployment imports
only the integration of the targets it configures (``defs/resources.py``); importing this module
imports both.
"""

from integration_pipelines.lib.warehouses.bigquery_target import BigQueryTarget, service_account_credentials
from integration_pipelines.lib.warehouses.redshift_target import RedshiftTarget

__all__ = ["BigQueryTarget", "RedshiftTarget", "service_account_credentials"]
