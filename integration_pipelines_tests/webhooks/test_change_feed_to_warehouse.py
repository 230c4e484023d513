"""End to end with real processes: a change in the sandbox → its signed webhook → the receiver → the
inbox → a sensor tick on a real instance → the run it requests → the changed row in DuckDB."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions
from integration_pipelines_tests.fixtures.receiver import ReceiverProcess
from vendor_sandbox.process import SandboxProcess

pytestmark = pytest.mark.slow
SANDBOX_DIALECTS = "zendesk,salesforce,hubspot,intercom"
# The receiver runs as in the local environment: it accepts the sandbox's published secrets.
LOCAL = {
    "INTEGRATION_PIPELINES_ENV": "local",
    "ZENDESK_WEBHOOK_SECRETS": "",
    "HUBSPOT_WEBHOOK_SECRETS": "",
    "INTERCOM_WEBHOOK_SECRETS": "",
    "SALESFORCE_WEBHOOK_ORGANIZATION_IDS": "",
}


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[ReceiverProcess]:
    with ReceiverProcess(f"sqlite:///{tmp_path / 'webhook_inbox.sqlite'}", tmp_path, env=LOCAL) as process:
        yield process


def sync_from_webhooks(defs: dg.Definitions, instance: dg.DagsterInstance, vendor: str) -> list[dg.RunRequest]:
    """One sensor tick, then every run it asked for, as the daemon would launch them."""
    with dg.build_sensor_context(
        instance=instance, definitions=defs, resources={"webhook_inbox": defs.resources["webhook_inbox"]}
    ) as context:
        result = defs.resolve_sensor_def(f"{vendor}_webhook_sensor").evaluate_tick(context)
    for request in result.run_requests:
        job = defs.resolve_job_def(f"{vendor}_sync_job")
        assert job.execute_in_process(
            instance=instance,
            partition_key=request.partition_key,
            tags=request.tags,
            asset_selection=request.asset_selection,
        ).success
    return result.run_requests


def query(home: Path, sql: str, *params: object) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


@pytest.mark.parametrize(
    ("vendor", "kind", "check"),
    [
        ("zendesk", "status_change", "SELECT status FROM zendesk.tickets WHERE id = ?"),
        ("zendesk", "new_message", "SELECT body FROM zendesk.ticket_comments WHERE id = ?"),
        ("zendesk", "delete", "SELECT is_deleted FROM zendesk.tickets WHERE id = ?"),
        ("intercom", "new_message", "SELECT body FROM intercom.conversation_parts WHERE id = ?"),
        ("intercom", "delete", "SELECT is_deleted FROM intercom.conversations WHERE id = ?"),
        ("hubspot", "delete", "SELECT is_deleted FROM hubspot.contacts WHERE id = ?"),
        ("salesforce", "status_change", "SELECT Status FROM salesforce.cases WHERE Id = ?"),
    ],
)
def test_a_sandbox_change_reaches_duckdb_through_its_webhook(
    vendor_sandbox: SandboxProcess, receiver: ReceiverProcess, tmp_path: Path, vendor: str, kind: str, check: str
) -> None:
    defs = pipeline_definitions(vendor_sandbox, tmp_path)
    options = {"object": "contacts"} if vendor == "hubspot" else {}
    # two minutes ago: Zendesk's export shows a change once it is a minute old, and so does the sensor
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=2)
    made = vendor_sandbox.make_changes(vendor, kind, url=f"{receiver.url}/webhooks/{vendor}", at=at, **options)
    assert [d["status"] for d in made["deliveries"]] == ["delivered"], made["deliveries"]
    (change,) = made["changes"]
    with dg.DagsterInstance.ephemeral() as instance:
        requests = sync_from_webhooks(defs, instance, vendor)
    assert len(requests) == 1 and (requests[0].partition_key or "") == change["at"][:10]
    key = {"new_message": change.get("message_id") or change.get("part_id") or change.get("comment_id")}.get(
        kind, change["record_id"]
    )
    if vendor in ("zendesk", "hubspot"):
        key = int(key)
    expected = {"status_change": change.get("status"), "new_message": change.get("body"), "delete": True}[kind]
    assert query(tmp_path, check, key) == [(expected,)]


def test_zendesk_events_wait_until_its_export_shows_them(
    vendor_sandbox: SandboxProcess, receiver: ReceiverProcess, tmp_path: Path
) -> None:
    defs = pipeline_definitions(vendor_sandbox, tmp_path)
    made = vendor_sandbox.make_changes("zendesk", "status_change", url=f"{receiver.url}/webhooks/zendesk")
    assert made["deliveries"][0]["status"] == "delivered"
    with (
        dg.DagsterInstance.ephemeral() as instance,
        dg.build_sensor_context(
            instance=instance, definitions=defs, resources={"webhook_inbox": defs.resources["webhook_inbox"]}
        ) as ctx,
    ):
        result = defs.resolve_sensor_def("zendesk_webhook_sensor").evaluate_tick(ctx)
    assert result.run_requests == [] and "waiting 60s" in result.skip_message
