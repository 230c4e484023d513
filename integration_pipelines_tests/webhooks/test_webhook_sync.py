"""From a signed webhook to the warehouse, with real processes: receiver → inbox → sensor tick on a real
instance → run → DuckDB. A delete the REST API cannot show (Intercom) still arrives as is_deleted."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import httpx
import pytest

from integration_pipelines.lib.webhooks.inbox import Inbox
from integration_pipelines_tests.fixtures.pipeline import pipeline_definitions
from integration_pipelines_tests.fixtures.receiver import ReceiverProcess
from integration_pipelines_tests.webhooks import deliveries
from vendor_sandbox.process import SandboxProcess

pytestmark = pytest.mark.slow
SYNCED_DAY = "2026-10-30"


def run_request(defs: dg.Definitions, instance: dg.DagsterInstance, request: dg.RunRequest) -> None:
    """Execute what the sensor asked for, as the daemon would launch it."""
    job = defs.resolve_job_def(request.job_name or "intercom_sync_job")
    result = job.execute_in_process(
        instance=instance,
        partition_key=request.partition_key,
        tags=request.tags,
        asset_selection=request.asset_selection,
    )
    assert result.success


def tick(defs: dg.Definitions, instance: dg.DagsterInstance, name: str, cursor: str | None):
    sensor = defs.resolve_sensor_def(name)
    with dg.build_sensor_context(
        instance=instance, cursor=cursor, definitions=defs, resources={"webhook_inbox": defs.resources["webhook_inbox"]}
    ) as context:
        return sensor.evaluate_tick(context)


def test_intercom_delete_by_webhook_reaches_duckdb(sandbox: SandboxProcess, tmp_path: Path) -> None:
    defs = pipeline_definitions(sandbox, tmp_path)
    inbox_url = f"sqlite:///{tmp_path / 'webhook_inbox.sqlite'}"
    with dg.DagsterInstance.ephemeral() as instance, ReceiverProcess(inbox_url, tmp_path) as receiver:
        assert (
            defs.resolve_job_def("intercom_sync_job")
            .execute_in_process(instance=instance, partition_key=SYNCED_DAY)
            .success
        )
        db = str(tmp_path / "warehouse.duckdb")
        with duckdb.connect(db, read_only=True) as con:
            victim, state_before = con.execute(
                "SELECT id, state FROM intercom.conversations WHERE NOT is_deleted ORDER BY id LIMIT 1"
            ).fetchone()
            rows_before = con.execute("SELECT count(*) FROM intercom.conversations").fetchone()[0]

        now = datetime.now(UTC).replace(microsecond=0)
        body, headers = deliveries.intercom(
            "notif_del_1", "conversation.deleted", {"type": "conversation", "id": victim}, now
        )
        assert httpx.post(f"{receiver.url}/webhooks/intercom", content=body, headers=headers).status_code == 200
        assert httpx.post(f"{receiver.url}/webhooks/intercom", content=body, headers=headers).status_code == 200

        result = tick(defs, instance, "intercom_webhook_sensor", None)
        (request,) = result.run_requests
        assert request.partition_key == now.date().isoformat()
        assert sorted(k.to_user_string() for k in request.asset_selection) == [
            "raw/intercom/conversations",
            "warehouse/intercom/conversations",
        ]
        again = tick(defs, instance, "intercom_webhook_sensor", None)  # the same tick evaluated twice
        assert [r.run_key for r in again.run_requests] == [request.run_key]
        assert tick(defs, instance, "intercom_webhook_sensor", result.cursor).run_requests == []
        run_request(defs, instance, request)

        with duckdb.connect(db, read_only=True) as con:
            row = con.execute(
                "SELECT is_deleted, updated_at FROM intercom.conversations WHERE id = ?", [victim]
            ).fetchone()
            assert row == (True, now)
            assert con.execute("SELECT count(*) FROM intercom.conversations").fetchone()[0] == rows_before
        materialization = instance.get_latest_materialization_event(
            dg.AssetKey(["raw", "intercom", "conversations"])
        ).asset_materialization
        assert materialization.metadata["window_webhook_deletions"].value == 1
        assert Inbox(inbox_url).depth() == {}  # the sensor marked what it read as processed
        assert state_before is not None


def test_hubspot_burst_is_coalesced_into_one_run_per_day_range(sandbox: SandboxProcess, tmp_path: Path) -> None:
    defs = pipeline_definitions(sandbox, tmp_path)
    inbox = Inbox(f"sqlite:///{tmp_path / 'webhook_inbox.sqlite'}")
    handler = defs.resolve_sensor_def("hubspot_webhook_sensor")
    assert handler is not None
    from integration_pipelines.sources import registry

    hubspot = registry.get("hubspot").webhooks
    from integration_pipelines.lib.webhooks.events import SignedRequest

    days = [datetime(2026, 10, d, 12, tzinfo=UTC) for d in (28, 28, 29, 31)]
    body = deliveries.hubspot_body(
        [
            deliveries.hubspot_event(100 + i, kind, 1000 + i, when)
            for i, (kind, when) in enumerate(
                zip(
                    ("contact.propertyChange", "deal.creation", "contact.deletion", "ticket.propertyChange"),
                    days,
                    strict=True,
                )
            )
        ]
    )
    inbox.add("hubspot", hubspot.events(SignedRequest("POST", "https://x", {}, body)))
    with dg.DagsterInstance.ephemeral() as instance:
        result = tick(defs, instance, "hubspot_webhook_sensor", None)
    placements = [
        (
            r.tags.get("dagster/asset_partition_range_start") or r.partition_key,
            r.tags.get("dagster/asset_partition_range_end") or r.partition_key,
            sorted(k.path[-1] for k in r.asset_selection if k.path[0] == "raw"),
        )
        for r in result.run_requests
    ]
    assert placements == [
        ("2026-10-28", "2026-10-29", ["contacts", "deals"]),
        ("2026-10-31", "2026-10-31", ["tickets"]),
    ]
    assert int(result.cursor) == inbox.after("hubspot", 0)[-1].id
