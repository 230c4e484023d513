"""The Celery engine: a backfill's steps spread over two worker processes land what one process lands.

What runs, all real: a redis-server (broker and result backend), two Celery workers started with the
command docs/deployment.md gives (``celery -A dagster_celery.app worker`` with ``deploy/celery`` on the
Python path, ``--pool solo``: one step at a time in the worker's own process, so a step's pid names its
worker), the project's sandbox as every vendor, and one Dagster instance in PostgreSQL (the repo's
``dagster.yaml``, pools of one step) shared by the run and both workers. ``sync_all_job`` runs for a
range of days (one backfill run) with ``INTEGRATION_PIPELINES_EXECUTOR=celery`` through ``dagster job
execute``; the same job and days run with ``in_process`` into a home of their own.

Worker B listens on another queue until every pull step of the run has started on worker A, then joins
the ``dagster`` queue (Celery's ``add_consumer`` control command, as a worker added to a busy fleet):
so every step B takes reads lake files only A wrote, and from then on both take steps as the broker
hands them out.

What must hold: the run succeeds; every step started in one of the two workers (never in the run's own
process), A ran every pull, B ran at least one load or check; no two steps of the ``duckdb_warehouse``
pool overlapped in time although they ran in two processes (the executor claims the pool's one slot
before it queues a step); and every warehouse table of the fleet's DuckDB file holds exactly the rows
(load-time columns aside) of the single-process run's file.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from integration_pipelines.lib.partitions import range_tags
from integration_pipelines.lib.warehouses.pools import WAREHOUSE_POOL
from integration_pipelines.local_instance import ensure_local_instance
from integration_pipelines.sources import registry
from integration_pipelines_tests.fixtures.postgres import PostgresInfo, production_instance
from integration_pipelines_tests.fixtures.processes import stop
from integration_pipelines_tests.fixtures.redis import RedisServer
from vendor_sandbox.process import SandboxProcess

REPO = Path(__file__).resolve().parents[2]
WORKER_CONFIG = REPO / "deploy" / "celery"  # holds dagster_celery_config.py, read by dagster_celery.app
FIRST, LAST = "2026-10-28", "2026-10-29"  # two days in one run (not the sandbox's 10,500-lead import day)
PULL_STEPS = {f"raw_{name}" for name in registry.names()}
VOLATILE_COLUMNS = {"_loaded_at", "_extracted_at"}  # when a row was pulled or loaded, not what it holds
RUN_TIMEOUT_S = 240.0
STANDBY_QUEUE = "standby"


@dataclass
class Worker:
    name: str
    proc: subprocess.Popen
    log_path: Path
    nodename: str = ""

    def tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]


def _start_worker(name: str, queue: str, env: dict[str, str], logs: Path) -> Worker:
    log_path = logs / f"{name}.log"
    log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - handed to the child process
    command = [sys.executable, "-m", "celery", "-A", "dagster_celery.app", "worker", "-Q", queue]
    command += ["-n", f"{name}@%h", "--pool", "solo", "--loglevel", "INFO"]
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO)
    log.close()
    return Worker(name, proc, log_path)


def _wait_ready(worker: Worker, timeout: float = 60.0) -> None:
    """Until the worker logs ``{nodename} ready.`` (connected to the broker, consuming its queue)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready = re.search(r"(\S+@\S+) ready\.", worker.tail(20_000))
        if ready:
            worker.nodename = ready[1]
            return
        if worker.proc.poll() is not None:
            break
        time.sleep(0.1)
    pytest.fail(f"Celery worker {worker.name} did not become ready\n--- its log ---\n{worker.tail()}", pytrace=False)


def _stop_worker(proc: subprocess.Popen) -> None:
    """SIGTERM (a Celery worker's warm shutdown: it finishes the step it runs), then SIGKILL."""
    stop(proc, timeout=20)


@contextmanager
def _workers(env: dict[str, str], logs: Path) -> Iterator[tuple[Worker, Worker]]:
    """Worker A on the ``dagster`` queue, worker B on standby (both starting); stopped afterwards, even on failure."""
    started: list[Worker] = []
    try:
        started.append(_start_worker("worker-a", "dagster", env, logs))
        started.append(_start_worker("worker-b", STANDBY_QUEUE, env, logs))
        yield started[0], started[1]
    finally:
        for worker in started:
            _stop_worker(worker.proc)


def _join_queue(broker_url: str, worker: Worker) -> None:
    """Have ``worker`` consume the ``dagster`` queue too, through Celery's control channel on the broker."""
    from celery import Celery

    app = Celery("fleet-control", broker=broker_url)
    try:
        replies = app.control.add_consumer("dagster", destination=[worker.nodename], reply=True, timeout=10)
    finally:
        app.close()
    assert replies and "ok" in replies[0].get(worker.nodename, {}), (replies, worker.tail())


def _run_job(env: dict[str, str], out: Path) -> subprocess.Popen:
    """``dagster job execute`` of sync_all_job over FIRST..LAST (one backfill run), output to ``out``."""
    command = [sys.executable, "-m", "dagster", "job", "execute", "-m", "integration_pipelines.definitions"]
    command += ["-a", "defs", "-j", "sync_all_job", "--tags", json.dumps(range_tags(FIRST, LAST))]
    log = open(out, "w", encoding="utf-8")  # noqa: SIM115 - handed to the child process
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO)
    log.close()
    return proc


def _the_run(instance: dg.DagsterInstance) -> dg.DagsterRun | None:
    runs = instance.get_runs()
    assert len(runs) <= 1, [r.run_id for r in runs]
    return runs[0] if runs else None


def _step_pids(instance: dg.DagsterInstance, run_id: str) -> dict[str, int]:
    """Each started step's key and the pid of the process that ran it (from its STEP_START event)."""
    return {
        entry.step_key: entry.dagster_event.pid
        for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_START)
        if entry.dagster_event is not None and entry.step_key
    }


def _wait_for_pulls(instance: dg.DagsterInstance, run: subprocess.Popen, report: Callable[[], str]) -> str:
    """The fleet run's id, once every pull step has started (on worker A, the only one consuming)."""
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline and run.poll() is None:
        found = _the_run(instance)
        if found is not None and set(_step_pids(instance, found.run_id)) >= PULL_STEPS:
            return found.run_id
        time.sleep(0.2)
    pytest.fail(f"the pull steps did not all start (run exit code {run.poll()})\n{report()}", pytrace=False)


def _pool_intervals(instance: dg.DagsterInstance, run_id: str) -> list[tuple[float, float, str]]:
    """(start, end, step) of every step of the duckdb_warehouse pool (the warehouse_* loads and checks)."""
    starts: dict[str, float] = {}
    intervals = []
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or not (event.step_key or "").startswith("warehouse_"):
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            starts[event.step_key] = entry.timestamp
        elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            intervals.append((starts.pop(event.step_key), entry.timestamp, event.step_key))
    return sorted(intervals)


def _tables(path: Path) -> dict[str, list[tuple]]:
    """Every table of the DuckDB file: its rows without the load-time columns, sorted."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
        ).fetchall()
        tables = {}
        for schema, table in sorted(names):
            columns = [
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                    "ORDER BY ordinal_position",
                    [schema, table],
                ).fetchall()
                if r[0] not in VOLATILE_COLUMNS
            ]
            keep = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f'SELECT {keep} FROM "{schema}"."{table}"').fetchall()
            tables[f"{schema}.{table}"] = sorted(rows, key=repr)
        return tables


def _broker_contents(url: str) -> str:
    """Everything the broker and result backend hold now (queues, results, bindings), as one text."""
    import redis

    client = redis.Redis.from_url(url)
    read = {
        b"string": lambda key: [client.get(key)],
        b"list": lambda key: client.lrange(key, 0, -1),
        b"hash": lambda key: [*client.hkeys(key), *client.hvals(key)],
        b"set": client.smembers,
        b"zset": lambda key: client.zrange(key, 0, -1),
    }
    try:
        values = [v for key in client.scan_iter() for v in read.get(client.type(key), lambda _: [])(key)]
        return "\n".join(v.decode(errors="replace") for v in values if v)
    finally:
        client.close()


def _environment(**settings: str) -> dict[str, str]:
    """This process's environment without any project, export or Celery setting of its own, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTEGRATION_PIPELINES_", "EXPORT_", "CELERY_"))}
    path = os.pathsep.join(p for p in (str(WORKER_CONFIG), str(REPO), env.get("PYTHONPATH", "")) if p)
    return {**env, "PYTHONPATH": path, "INTEGRATION_PIPELINES_ENV": "local", **settings}


@pytest.mark.slow
def test_two_celery_workers_share_a_backfill_and_land_what_one_process_lands(
    sandbox: SandboxProcess,
    redis_server: RedisServer,
    postgres_database: PostgresInfo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    began = time.monotonic()
    dagster_home = tmp_path / "dagster_home"
    production_instance(dagster_home, postgres_database, monkeypatch)
    fleet_home, single_home = tmp_path / "fleet", tmp_path / "single"
    broker = redis_server.url(0)
    fleet_env = _environment(
        DAGSTER_HOME=str(dagster_home),
        INTEGRATION_PIPELINES_HOME=str(fleet_home),
        INTEGRATION_PIPELINES_SANDBOX_URL=sandbox.url,
        INTEGRATION_PIPELINES_EXECUTOR="celery",
        INTEGRATION_PIPELINES_CELERY_BROKER_URL=broker,
    )
    single_env = _environment(
        DAGSTER_HOME=str(ensure_local_instance(single_home / "dagster_home").parent),
        INTEGRATION_PIPELINES_HOME=str(single_home),
        INTEGRATION_PIPELINES_SANDBOX_URL=sandbox.url,
        INTEGRATION_PIPELINES_EXECUTOR="in_process",
    )
    fleet_out, single_out = tmp_path / "fleet-run.log", tmp_path / "single-run.log"

    with ExitStack() as stack:
        # the single-process run goes alongside: its own home, instance and files, the same sandbox
        single = _run_job(single_env, single_out)
        stack.callback(stop, single, timeout=20)
        worker_a, worker_b = stack.enter_context(_workers(fleet_env, tmp_path))
        instance = stack.enter_context(dg.DagsterInstance.from_config(str(dagster_home)))

        def report() -> str:
            """What CI shows when the run did not do its part: the run's and both workers' output."""
            return "\n".join(
                [
                    f"--- fleet run (dagster job execute) ---\n{fleet_out.read_text(errors='replace')[-3000:]}",
                    *(f"--- {w.name} (pid {w.proc.pid}) ---\n{w.tail()}" for w in (worker_a, worker_b)),
                ]
            )

        # the run starts while the workers start: its steps wait in the broker's queue until A consumes it
        fleet = _run_job(fleet_env, fleet_out)
        stack.callback(stop, fleet, timeout=20)
        for worker in (worker_a, worker_b):
            _wait_ready(worker)
        run_id = _wait_for_pulls(instance, fleet, report)
        _join_queue(broker, worker_b)
        try:
            fleet.wait(timeout=RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the fleet run did not end in {RUN_TIMEOUT_S}s\n{report()}", pytrace=False)
        run = instance.get_run_by_id(run_id)
        assert fleet.returncode == 0 and run is not None and run.status == dg.DagsterRunStatus.SUCCESS, report()

        pids = _step_pids(instance, run_id)
        ran_on = {
            worker.name: sorted(step for step, pid in pids.items() if pid == worker.proc.pid)
            for worker in (worker_a, worker_b)
        }
        elsewhere = {step: pid for step, pid in pids.items() if pid not in (worker_a.proc.pid, worker_b.proc.pid)}
        assert not elsewhere, f"steps that ran outside the two workers: {elsewhere}\n{report()}"
        assert set(ran_on["worker-a"]) >= PULL_STEPS, ran_on
        assert ran_on["worker-b"], f"worker B took no step once it joined: {ran_on}\n{report()}"
        assert not PULL_STEPS & set(ran_on["worker-b"]), ran_on  # each of its steps read A's lake files
        assert all(step.startswith("warehouse_") for step in ran_on["worker-b"]), ran_on

        intervals = _pool_intervals(instance, run_id)
        assert len(intervals) == 3 * len(PULL_STEPS)  # a load, its key checks, its quarantine check per vendor
        for (_, end, step), (start, _, later) in zip(intervals, intervals[1:], strict=False):
            assert start >= end, f"{later} started while {step} still held the {WAREHOUSE_POOL} pool"

        held = _broker_contents(broker)
        assert "STEP_SUCCESS" in held  # the steps' results (their events) stay on the backend for a day
        assert postgres_database.password not in held  # a task names the instance's variables, not their values

        assert single.wait(timeout=RUN_TIMEOUT_S) == 0, single_out.read_text(errors="replace")[-3000:]
        seconds = time.monotonic() - began

    fleet_tables, single_tables = _tables(fleet_home / "warehouse.duckdb"), _tables(single_home / "warehouse.duckdb")
    assert sorted(fleet_tables) == sorted(single_tables)
    assert sum(len(rows) for rows in single_tables.values()) > 500  # the days really held data
    for table, rows in single_tables.items():
        assert len(fleet_tables[table]) == len(rows), table
        assert fleet_tables[table] == rows, table
    print(f"celery fleet: {ran_on}; both runs took {seconds:.1f} s with the workers' start")
