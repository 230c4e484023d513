"""The local Dagster instance (``{home}/dagster_home``) that ``make dev``, the demo and the tests share.

Why one file for it: the limits that keep production safe (one step per pool, so two runs never
race for a vendor's rate budget or a DuckDB file; run monitoring, so a killed run is marked failed
and its pool slots come back) must hold on a laptop too, and three places used to write their own
copy of this config. Storage stays the SQLite default inside the folder.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

LOCAL_INSTANCE_YAML = """\
# Local Dagster instance for integration_pipelines (written by `make dev` and the demo).
# SQLite storage in this folder; the production instance config is the repo's dagster.yaml.
telemetry:
  enabled: false

concurrency:
  # One step at a time per pool, across runs, as in production: `{vendor}_api` (one rate budget per
  # vendor account), `duckdb_warehouse` (one writer of the working DuckDB file), `export_{target}` (one load into a
  # warehouse at a time; `export_duckdb` is also the one writer of export.duckdb).
  pools:
    default_limit: 1

# Run monitoring (the daemon of `dagster dev`): a run that never starts fails after start_timeout; a
# run past its `dagster/max_runtime` tag (RUN_MAX_RUNTIME_SECONDS on every sync job) is marked FAILURE.
# The default run launcher cannot tell that a run's process died (kill -9, laptop asleep), so that tag
# is what ends such a run. Pool slots of a run are freed only by free_slots_after_run_end_seconds: a
# killed run never releases its own, and without the key its vendor's pool stays blocked for good.
# No `run_retries`: a run ended by its max runtime may have hung on the vendor rather than crashed, and
# a retry would hold the pool for another max runtime; the hourly schedule pulls today's partition again.
run_monitoring:
  enabled: true
  start_timeout_seconds: 180
  cancel_timeout_seconds: 180
  poll_interval_seconds: 30
  free_slots_after_run_end_seconds: 60

# Lines written for the operator while a step is busy but quiet, e.g. "zendesk: waiting 58.0 s for the
# incremental budget (10 requests/min)" while a sync paces itself to a vendor's quota: Dagster copies
# this logger's records into the step's log in the UI, so a waiting step does not look hung.
python_logs:
  managed_python_loggers:
    - integration_pipelines.progress
"""


def local_instance_yaml(poll_interval_seconds: int = 30, free_slots_after_run_end_seconds: int = 60) -> str:
    """The config above; tests shorten its intervals so the monitoring daemon acts within seconds."""
    return LOCAL_INSTANCE_YAML.replace(
        "poll_interval_seconds: 30", f"poll_interval_seconds: {poll_interval_seconds}"
    ).replace(
        "free_slots_after_run_end_seconds: 60", f"free_slots_after_run_end_seconds: {free_slots_after_run_end_seconds}"
    )


_PREVIOUS_DEFAULT = "telemetry:\n  enabled: false\n"
# SHA-256 of configs this module wrote before (replaced like the default; an edited file is kept)
_PREVIOUS_GENERATED = frozenset(
    {
        "663874bfd681d4dcfcf7f0307c84c550ecad6024aa39f928341470b8bd053167",
        "328206f0380c5aba20daf7e27f80e10b25a0279b97835f6d3b4c7698f8cc6d30",
        "4bcb2d086f911d5070d552cc3bfc8d5ad13055bd55d5cc9c98860203b93a16d4",
    }
)


def ensure_local_instance(dagster_home: Path) -> Path:
    """Create ``dagster_home`` with the local instance config; an older generated default is replaced,
    a config the user edited is kept."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    old = config.read_text() if config.exists() else None
    if old is None or old == _PREVIOUS_DEFAULT or hashlib.sha256(old.encode()).hexdigest() in _PREVIOUS_GENERATED:
        config.write_text(LOCAL_INSTANCE_YAML)
    return config


if __name__ == "__main__":  # `python -m integration_pipelines.local_instance DIR` (used by make dev)
    print(ensure_local_instance(Path(sys.argv[1] if len(sys.argv) > 1 else ".local/dagster_home")))
