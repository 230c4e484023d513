"""The export target resources build the clients the exporters need, with the right credentials."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth.credentials import AnonymousCredentials
from google.oauth2 import service_account

from integration_pipelines.lib.warehouses.redshift_loading import PostgresTestLoader, RedshiftCopyLoader
from integration_pipelines.lib.warehouses.targets import BigQueryTarget, RedshiftTarget

ENDPOINT = "http://127.0.0.1:9"


def service_account_key() -> str:
    """A base64 service-account JSON key (a throwaway RSA key), as BIGQUERY_CREDENTIALS holds it."""
    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    info = {
        "type": "service_account",
        "project_id": "p",
        "private_key_id": "k1",
        "private_key": pem,
        "client_email": "exporter@p.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    return base64.b64encode(json.dumps(info).encode()).decode()


def test_an_endpoint_with_credentials_still_authenticates() -> None:
    """A private endpoint is not an emulator: the service account signs the requests sent to it."""
    target = BigQueryTarget(project="p", location="EU", api_endpoint=ENDPOINT, gcp_credentials=service_account_key())
    with target.get_client() as client:
        assert isinstance(client._credentials, service_account.Credentials)
        assert client._credentials.service_account_email == "exporter@p.iam.gserviceaccount.com"
        assert client._connection.API_BASE_URL == ENDPOINT and client.location == "EU"


def test_anonymous_is_only_for_emulators() -> None:
    with BigQueryTarget(project="p", api_endpoint=ENDPOINT, anonymous=True).get_client() as client:
        assert isinstance(client._credentials, AnonymousCredentials)
        assert client._connection.API_BASE_URL == ENDPOINT


def test_redshift_target_chooses_its_load_statement() -> None:
    """`copy` is Redshift's COPY with the IAM role (required); `insert` is the PostgreSQL rehearsal."""
    settings = {"host": "h", "user": "u", "password": "p", "database": "d", "s3_bucket": "b"}
    copy = RedshiftTarget(**settings, iam_role="arn:aws:iam::1:role/r").exporter(s3_client=object())
    assert isinstance(copy.loader, RedshiftCopyLoader) and copy.loader.iam_role == "arn:aws:iam::1:role/r"
    assert copy.bucket == "b" and copy.prefix == "integration_pipelines/staging"
    assert isinstance(RedshiftTarget(**settings, load_statement="insert").exporter(object()).loader, PostgresTestLoader)
    with pytest.raises(ValueError, match="iam_role is required"):
        RedshiftTarget(**settings).exporter(object())
