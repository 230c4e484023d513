"""``{vendor}_webhook_sensor``: turns the vendor's new inbox events into syncs of what changed.

Events wait until they are as old as the vendor needs for its REST API to show them (Zendesk's
exports hide the last minute). Cursor-based (the last inbox id read), so a tick never reads an event
twice and a failed tick reads it again; a burst becomes at most one run per range of consecutive
days, with a run key made of the inbox ids it covers, so a tick evaluated twice never launches twice.
Events are marked processed once their runs are requested, never deleted here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import dagster as dg

from integration_pipelines.components.asset_keys import raw_key, warehouse_key
from integration_pipelines.lib.partitions import daily_partitions, range_tags
from integration_pipelines.lib.webhooks.inbox import StoredEvent
from integration_pipelines.lib.webhooks.planning import changes_of, plan_syncs
from integration_pipelines.sources.base import Source, SourceObject

BATCH = 10_000  # events read per tick; a longer backlog drains over the following ticks


def build_webhook_sensor(
    source: Source, objects: Sequence[SourceObject], job: object, minimum_interval_seconds: int
) -> dg.SensorDefinition:
    handler = source.webhooks
    assert handler is not None, source.name
    by_name = {o.name: o for o in objects}

    @dg.sensor(
        name=f"{source.name}_webhook_sensor",
        job=job,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        required_resource_keys={"webhook_inbox"},
        description=f"Syncs what {source.title}'s webhooks say changed, seconds after they arrive "
        "(events from the webhook receiver's inbox).",
    )
    def webhook_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        inbox = context.resources.webhook_inbox.inbox()
        stored = inbox.after(source.name, int(context.cursor or 0), limit=BATCH)
        if not stored:
            return dg.SkipReason(f"no new {source.title} webhook events")
        settled = settled_events(stored, handler.settle_seconds, datetime.now(UTC))
        if not settled:
            return dg.SkipReason(
                f"{len(stored)} {source.title} event(s) waiting {handler.settle_seconds}s "
                "for the vendor's API to show them"
            )
        stored = settled
        keys = daily_partitions().get_partition_keys()
        plans = plan_syncs(
            changes_of(handler, stored), by_name, date.fromisoformat(keys[0]), date.fromisoformat(keys[-1])
        )
        ids = f"{stored[0].id}-{stored[-1].id}"
        requests = []
        for plan in plans:
            selection = [
                key
                for name in sorted(plan.objects)
                for key in (raw_key(source.name, by_name[name]), warehouse_key(source.name, by_name[name]))
            ]
            placement = (
                {"partition_key": plan.first.isoformat()}
                if plan.first == plan.last
                else {"tags": range_tags(plan.first.isoformat(), plan.last.isoformat())}
            )
            requests.append(
                dg.RunRequest(
                    run_key=f"{source.name} webhooks {ids} {plan.first}..{plan.last}",
                    asset_selection=selection,
                    **placement,
                )
            )
        inbox.mark_processed(item.id for item in stored)
        context.log.info(f"{len(stored)} {source.title} event(s) (inbox {ids}) -> {len(requests)} run(s)")
        return dg.SensorResult(run_requests=requests, cursor=str(stored[-1].id))

    return webhook_sensor


def settled_events(stored: Sequence[StoredEvent], settle_seconds: int, now: datetime) -> list[StoredEvent]:
    """The leading events old enough for the vendor's REST API to show their changes (in inbox order,
    so the cursor never skips a younger event)."""
    ready = []
    for item in stored:
        if item.event.occurred_at > now - timedelta(seconds=settle_seconds):
            break
        ready.append(item)
    return ready
