"""dagster-gcp's BigQueryResource plus what the BigQuery exporter needs (an endpoint, anonymous access).

Its own module so that importing it (dagster-gcp, google-cloud-bigquery, pandas) happens only when
the BigQuery export target is configured; ``targets`` re-exports it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster_gcp import BigQueryResource
from google.cloud import bigquery
from google.oauth2 import service_account
from pydantic import Field


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
