"""A job that fails the way a sync does when a vendor rejects its credential: the error quotes the
secret raw, JSON-escaped (a vendor's error body) and URL-encoded (a request URL)."""

from __future__ import annotations

import json
from urllib.parse import quote

import dagster as dg

from integration_pipelines.defs.alerts.sensor import run_failure_alert_sensor

# A variable name that does not look secret: only the resource setting (api_token) says it is.
SECRET_VARIABLE = "ACME_LOGIN"
PLANTED_SECRET = 'acme-Pl4nted/S3cret+"&=Q9'
JOB_NAME = "acme_sync_job"
STEP_KEY = "acme_tickets"
ERROR_TEXT = "Acme refused the export"


def secret_forms(secret: str = PLANTED_SECRET) -> list[str]:
    return [secret, quote(secret, safe=""), quote(secret), json.dumps(secret)[1:-1]]


class AcmeResource(dg.ConfigurableResource):
    api_token: str


@dg.asset(partitions_def=dg.DailyPartitionsDefinition(start_date="2026-10-01", timezone="UTC"))
def acme_tickets(acme: AcmeResource) -> None:
    body = json.dumps({"error": "invalid_grant", "detail": f"bad credential {acme.api_token}"})
    raise RuntimeError(
        f"{ERROR_TEXT} with {acme.api_token}; body: {body}; "
        f"GET https://acme.example/export?account={quote(acme.api_token, safe='')}"
    )


def failing_definitions() -> dg.Definitions:
    return dg.Definitions(
        assets=[acme_tickets],
        jobs=[dg.define_asset_job(JOB_NAME, selection=[acme_tickets])],
        sensors=[run_failure_alert_sensor],
        resources={"acme": AcmeResource(api_token=dg.EnvVar(SECRET_VARIABLE))},
    )
