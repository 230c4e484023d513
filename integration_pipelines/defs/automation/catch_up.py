"""Run what the automation conditions ask for, without a daemon (the demo, tests).

In a deployment the ``feedback_automation_sensor`` does this every 30 seconds. A process that runs
``main_job`` in-process has no daemon: after the run it evaluates the same conditions with Dagster's
public ``evaluate_automation_conditions`` and executes each requested partition in-process, round
after round, until nothing more is requested. So after a ``main_job`` in which one vendor failed,
the other vendors' feedback rows, sentiment and exports still land (the run itself stays failed).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import dagster as dg

from integration_pipelines.defs.text.automation import feedback_automation_sensor

MAX_ROUNDS = 5  # feedback → exports of the feedback tables takes two; more means a loop


@dataclass
class CatchUp:
    """The cursor to pass to the next evaluation, and the runs executed (partition, keys, result)."""

    cursor: Any
    runs: list[tuple[str | None, list[dg.AssetKey], dg.ExecuteInProcessResult]] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return all(result.success for _, _, result in self.runs)


def baseline(defs: dg.Definitions, instance: dg.DagsterInstance, evaluation_time: datetime | None = None) -> Any:
    """The cursor of a first evaluation: what happens after it counts as new (as for a started sensor)."""
    return dg.evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=_selection(), evaluation_time=evaluation_time
    ).cursor


def run_requested(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    cursor: Any,
    *,
    evaluation_time: datetime | None = None,
    run_config: dict[str, Any] | None = None,
    on_request: Callable[[str | None, list[dg.AssetKey]], None] | None = None,
) -> CatchUp:
    """Evaluate the sensor's conditions from ``cursor`` and execute every request, one run per
    partition, until an evaluation requests nothing (at most ``MAX_ROUNDS``)."""
    job = defs.resolve_implicit_global_asset_job_def()
    catch_up = CatchUp(cursor)
    for _ in range(MAX_ROUNDS):
        result = dg.evaluate_automation_conditions(
            defs=defs,
            instance=instance,
            asset_selection=_selection(),
            evaluation_time=evaluation_time,
            cursor=catch_up.cursor,
        )
        catch_up.cursor = result.cursor
        by_partition: dict[str | None, list[dg.AssetKey]] = defaultdict(list)
        for node in defs.resolve_asset_graph().asset_nodes:
            for partition in result.get_requested_partitions(node.key):
                by_partition[partition].append(node.key)
        if not by_partition:
            return catch_up
        for partition, keys in sorted(by_partition.items(), key=lambda item: item[0] or ""):
            keys.sort(key=lambda k: k.to_user_string())
            if on_request:
                on_request(partition, keys)
            run = job.execute_in_process(
                instance=instance,
                partition_key=partition,
                asset_selection=keys,
                run_config=run_config,
                raise_on_error=False,
                tags={"integration_pipelines/automation": feedback_automation_sensor.name},
            )
            catch_up.runs.append((partition, keys, run))
    return catch_up


def _selection() -> dg.AssetSelection:
    """What the sensor targets (the feedback tables and the exports)."""
    return feedback_automation_sensor.asset_selection
