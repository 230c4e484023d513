"""dagster-aws' RedshiftClientResource plus where Parquet is staged and how Redshift reads it.

Its own module so that importing it (dagster-aws, boto3, psycopg2) happens only when the Redshift
export target is configured; ``targets`` re-exports it.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from dagster_aws.redshift import RedshiftClientResource
from pydantic import Field

from integration_pipelines.lib.warehouses.redshift import RedshiftExporter
from integration_pipelines.lib.warehouses.redshift_loading import (
    LoadStatement,
    PostgresTestLoader,
    RedshiftCopyLoader,
    psycopg2_connection,
)


class RedshiftTarget(RedshiftClientResource):
    """dagster-aws' RedshiftClientResource plus where Parquet is staged and how Redshift reads it.

    ``load_statement="copy"`` is production (``COPY ... IAM_ROLE ... FORMAT AS PARQUET``);
    ``"insert"`` fetches the staged file and inserts it, for PostgreSQL-compatible rehearsal targets
    that cannot read S3 (what the test suite runs)."""

    iam_role: str | None = Field(default=None, description="IAM role Redshift assumes to read the staged Parquet.")
    s3_bucket: str = Field(description="Bucket for staged Parquet files (deleted after each load).")
    s3_prefix: str = Field(default="integration_pipelines/staging", description="Key prefix for staged files.")
    load_statement: LoadStatement = Field(default="copy")

    def connect(self) -> AbstractContextManager[Any]:
        """A psycopg2 connection with the resource's connection settings (one per load)."""
        args = {
            k: getattr(self, k)
            for k in ("host", "port", "user", "password", "database", "connect_timeout", "sslmode")
            if getattr(self, k) is not None
        }
        return psycopg2_connection(**args)

    def exporter(self, s3_client: Any) -> RedshiftExporter:
        if self.load_statement == "copy":
            if not self.iam_role:
                raise ValueError("RedshiftTarget: iam_role is required when load_statement is 'copy'")
            loader: Any = RedshiftCopyLoader(self.iam_role)
        else:
            loader = PostgresTestLoader(s3_client)
        return RedshiftExporter(self.connect, s3_client, self.s3_bucket, self.s3_prefix, loader)
