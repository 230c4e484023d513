"""Dagster resources for the export targets that Dagster's own integrations do not fully cover.

Snowflake needs nothing extra: dagster-snowflake's ``SnowflakeResource.get_connection`` is the
exporter's connection factory. BigQuery and Redshift get thin subclasses of the dagster-gcp and
dagster-aws resources, so their documented fields (project, location, credentials; host, port,
user, password, database, sslmode) keep working and only what the exporters need is added.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Literal

from dagster_aws.redshift import RedshiftClientResource
from dagster_gcp import BigQueryResource
from google.cloud import bigquery
from google.oauth2 import service_account
from pydantic import Field

from integration_pipelines.lib.warehouses.redshift import RedshiftExporter
from integration_pipelines.lib.warehouses.redshift_loading import (
    PostgresTestLoader,
    RedshiftCopyLoader,
    psycopg2_connection,
)


class BigQueryTarget(BigQueryResource):
    """dagster-gcp's BigQueryResource plus an optional API endpoint (a private endpoint, or an
    emulator). With ``anonymous`` the client sends no credentials, which is what emulators expect
    (bqemulator also needs resumable uploads: ``google.cloud.bigquery.client._MAX_MULTIPART_SIZE =
    0``, set by the tests); otherwise it authenticates as BigQueryResource does."""

    api_endpoint: str | None = Field(default=None, description="Override the BigQuery REST endpoint.")
    anonymous: bool = Field(default=False, description="Send no credentials (emulators only).")

    @contextmanager
    def get_client(self) -> Iterator[bigquery.Client]:
        if not self.api_endpoint and not self.anonymous:
            with super().get_client() as client:
                yield client
            return
        options: dict[str, Any] = {"client_options": {"api_endpoint": self.api_endpoint}} if self.api_endpoint else {}
        if self.anonymous:
            from google.auth.credentials import AnonymousCredentials

            options["credentials"] = AnonymousCredentials()
            client = bigquery.Client(project=self.project, location=self.location, **options)
        elif self.gcp_credentials:
            options["credentials"] = service_account_credentials(self.gcp_credentials)
            client = bigquery.Client(project=self.project, location=self.location, **options)
        else:
            client = bigquery.Client(project=self.project, location=self.location, **options)
        try:
            yield client
        finally:
            client.close()

    def get_object_to_set_on_execution_context(self) -> Any:
        """The resource itself (BigQueryResource would hand ops an open client): the exporter opens
        one client per load through ``get_client``."""
        return self


def service_account_credentials(encoded_key: str) -> service_account.Credentials:
    """BigQueryResource's ``gcp_credentials`` (a base64 service-account JSON key) as google-auth credentials.

    Built with google-auth's public API rather than dagster-gcp's ``setup_gcp_creds`` (not public: it
    writes the key to a temporary file and points GOOGLE_APPLICATION_CREDENTIALS at it, for the whole
    process, while the client is created)."""
    return service_account.Credentials.from_service_account_info(json.loads(base64.b64decode(encoded_key)))


class RedshiftTarget(RedshiftClientResource):
    """dagster-aws' RedshiftClientResource plus where Parquet is staged and how Redshift reads it.

    ``load_statement="copy"`` is production (``COPY ... IAM_ROLE ... FORMAT AS PARQUET``);
    ``"insert"`` fetches the staged file and inserts it, for PostgreSQL-compatible rehearsal targets
    that cannot read S3 (what the test suite runs)."""

    iam_role: str | None = Field(default=None, description="IAM role Redshift assumes to read the staged Parquet.")
    s3_bucket: str = Field(description="Bucket for staged Parquet files (deleted after each load).")
    s3_prefix: str = Field(default="integration_pipelines/staging", description="Key prefix for staged files.")
    load_statement: Literal["copy", "insert"] = Field(default="copy")

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
