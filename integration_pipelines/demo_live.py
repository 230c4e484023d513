"""``integration-pipelines demo --live``: a change in the sandbox reaches DuckDB, and its sentiment,
through a webhook, with the latency of each hop printed.

Starts the webhook receiver (its own process, the same command as production) and the sandbox with
its change feed pointed at it; makes a new customer message and a deletion in Intercom (its REST API
shows changes at once; a Zendesk change waits the minute its exports hide); then does what the
Dagster daemon would do on its own: one tick of ``intercom_webhook_sensor``, the runs it asks for, and
the feedback tables the automation sensor would rebuild.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from integration_pipelines.webhooks_server import launch, receiver_command


def _start_receiver(home: Path) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "INTEGRATION_PIPELINES_ENV": "local", "INTEGRATION_PIPELINES_HOME": str(home)}
    return launch(receiver_command("--log-level", "warning"), env)


def run_live_demo(*, conversations: int, seed: int, home: str | None) -> int:
    import dagster as dg
    import duckdb

    from integration_pipelines.demo import _configure_environment
    from vendor_sandbox.process import SandboxProcess

    home_path = Path(home or os.environ.get("INTEGRATION_PIPELINES_HOME", ".local")).resolve()
    home_path.mkdir(parents=True, exist_ok=True)
    receiver, receiver_url = _start_receiver(home_path)
    print(f"Webhook receiver on {receiver_url} (inbox {home_path / 'webhook_inbox.sqlite'})", flush=True)
    try:
        with SandboxProcess(
            [
                "--conversations",
                str(conversations),
                "--seed",
                str(seed),
                "--rate-limits",
                "off",
                "--webhooks-to",
                f"{receiver_url}/webhooks",
            ]
        ) as sandbox:
            _configure_environment(home_path, sandbox.url, "off")
            from integration_pipelines.definitions import defs as load_defs

            defs = load_defs()
            cursor = None
            with dg.DagsterInstance.get() as instance:
                for kind in ("new_message", "delete"):
                    began = time.perf_counter()
                    made = sandbox.make_changes("intercom", kind)
                    change, delivery = made["changes"][0], made["deliveries"][0]
                    delivered = time.perf_counter() - began
                    print(
                        f"\nIntercom {kind.replace('_', ' ')}: conversation {change['record_id']} at {change['at']}; "
                        f"webhook {delivery['status']} after {delivery['attempts']} attempt(s), "
                        f"{delivered * 1000:.0f} ms (signed, verified, stored in the inbox)",
                        flush=True,
                    )
                    requests, cursor = _tick(dg, defs, instance, "intercom_webhook_sensor", cursor)
                    for request in requests:
                        job = defs.resolve_job_def("intercom_sync_job")
                        job.execute_in_process(
                            instance=instance,
                            partition_key=request.partition_key,
                            tags=request.tags,
                            asset_selection=request.asset_selection,
                        )
                    synced = time.perf_counter() - began
                    print(
                        f"  sensor asked for {len(requests)} run(s); synced into DuckDB {synced:.1f}s after the change",
                        flush=True,
                    )
                    day = change["at"][:10]
                    defs.resolve_job_def("feedback_job").execute_in_process(instance=instance, partition_key=day)
                    print(
                        f"  feedback tables and sentiment rebuilt for {day}, {time.perf_counter() - began:.1f}s "
                        "after the change",
                        flush=True,
                    )
                    with duckdb.connect(str(home_path / "warehouse.duckdb"), read_only=True) as con:
                        _show(con, kind, change)
    finally:
        receiver.terminate()
        receiver.wait(10)
    print(
        "\nIn `dagster dev` the sensors do the same on their own: intercom_webhook_sensor every 30 s, then "
        "feedback_automation_sensor."
    )
    return 0


def _tick(dg, defs, instance, name: str, cursor: str | None) -> tuple[list, str | None]:
    """One evaluation of the sensor, as the daemon would run it, carrying its cursor forward."""
    with dg.build_sensor_context(
        instance=instance, definitions=defs, cursor=cursor, resources={"webhook_inbox": defs.resources["webhook_inbox"]}
    ) as context:
        result = defs.resolve_sensor_def(name).evaluate_tick(context)
    return list(result.run_requests or []), result.cursor or cursor


def _show(con, kind: str, change: dict) -> None:
    if kind == "delete":
        row = con.execute(
            "SELECT is_deleted, updated_at FROM intercom.conversations WHERE id = ?", [change["record_id"]]
        ).fetchone()
        print(
            f"  intercom.conversations {change['record_id']}: is_deleted={row[0]} (updated_at {row[1]}); its "
            "messages are flagged deleted in feedback.customer_feedback"
        )
        return
    row = con.execute(
        "SELECT s.label, round(s.score, 2), s.language, p.body FROM intercom.conversation_parts p "
        "JOIN feedback.feedback_sentiment s ON s.source = 'intercom' AND s.message_id = p.id "
        "WHERE p.id = ?",
        [change.get("part_id")],
    ).fetchone()
    if row:
        print(f"  new message {change.get('part_id')!r} ({row[2]}): {row[3]!r} -> sentiment {row[0]} ({row[1]})")
