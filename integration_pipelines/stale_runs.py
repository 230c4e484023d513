"""Runs of the local instance whose process is gone: mark them failed and give back their pool slots.

Why: the local instance limits every pool to one step. A demo (or ``dagster job execute``) killed
with SIGKILL leaves its run STARTED and its pool slot claimed; with no daemon running (the demo has
none), run monitoring never notices, and the next demo waits for that slot forever. Dagster records
the pid of the process executing a run (an engine event, ``pid`` in its metadata); on the same
host, a run whose process no longer exists (or whose pid now belongs to a younger process) cannot
finish. A run with no pid yet is left alone for ``START_GRACE_SECONDS`` (a launched worker logs its
pid within seconds).

Only for the local instance: with several hosts (production), run monitoring in the daemon does this.
"""

from __future__ import annotations

import time

import dagster as dg
import psutil

START_GRACE_SECONDS = 180.0  # as the local instance's run_monitoring.start_timeout_seconds
UNFINISHED = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]


def run_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    """The pid of the process that executes the run: the first engine event carrying one."""
    found = _pid_event(instance, run_id)
    return None if found is None else found[0]


def _pid_event(instance: dg.DagsterInstance, run_id: str) -> tuple[int, float] | None:
    """The run's pid and when it was logged (the process existed then)."""
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        data = entry.dagster_event.engine_event_data if entry.dagster_event else None
        pid = data.metadata.get("pid") if data else None
        if pid is not None:
            return int(pid.value), entry.timestamp
    return None


def _alive(pid: int, logged_at: float) -> bool:
    """The pid exists and its process is no younger than the event that logged it (not a reused pid).

    Not compared with the run's creation: a queued run's worker starts long after the run was created."""
    try:
        return psutil.Process(pid).create_time() <= logged_at + 1.0
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False
    except psutil.AccessDenied:
        return True  # someone else's live process: not ours to judge


def fail_orphaned_runs(instance: dg.DagsterInstance, now: float | None = None) -> list[str]:
    """Mark STARTING/STARTED runs whose process is gone as failed and free their pool slots;
    returns their run ids."""
    now = time.time() if now is None else now
    orphaned = []
    for record in instance.get_run_records(filters=dg.RunsFilter(statuses=UNFINISHED)):
        run = record.dagster_run
        found = _pid_event(instance, run.run_id)
        pid = None if found is None else found[0]
        if found is None:
            if now - record.create_timestamp.timestamp() < START_GRACE_SECONDS:
                continue
        elif _alive(*found):
            continue
        reason = f"its process (pid {pid}) is gone" if pid else "it never started a process"
        instance.report_run_failed(run, message=f"Marked failed: {reason} (killed or crashed).")
        if instance.event_log_storage.supports_global_concurrency_limits:
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        orphaned.append(run.run_id)
    return orphaned
