"""The local Dagster instance (``{home}/dagster_home``) that ``make dev``, the demo and the tests share.

Why one file for it: the limits that keep production safe (one step per pool, so two runs never
race for a vendor's rate budget or a DuckDB file; run monitoring, so a killed run is marked failed
and its pool slots come back) must hold on a laptop too, and three places used to write their own
copy of this config. Storage stays the SQLite default inside the folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

LOCAL_INSTANCE_YAML = """\
# Local Dagster instance for integration_pipelines (written by `make dev` and the demo).
# SQLite storage in this folder; the production instance config is the repo's dagster.yaml.
telemetry:
  enabled: false

concurrency:
  # One step at a time per pool, across runs, as in production: `{vendor}_api` (one rate budget per
  # vendor account), `duckdb_warehouse` / `duckdb_export` (one writer per DuckDB file), `export_{target}`.
  pools:
    default_limit: 1

# A run whose process died (kill -9, laptop asleep) or hung is marked failed and its pool slots freed.
run_monitoring:
  enabled: true
  start_timeout_seconds: 180
  cancel_timeout_seconds: 180
  poll_interval_seconds: 30
"""

_PREVIOUS_DEFAULT = "telemetry:\n  enabled: false\n"


def ensure_local_instance(dagster_home: Path) -> Path:
    """Create ``dagster_home`` with the local instance config; an older generated default is replaced,
    a config the user edited is kept."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    if not config.exists() or config.read_text() == _PREVIOUS_DEFAULT:
        config.write_text(LOCAL_INSTANCE_YAML)
    return config


if __name__ == "__main__":  # `python -m integration_pipelines.local_instance DIR` (used by make dev)
    print(ensure_local_instance(Path(sys.argv[1] if len(sys.argv) > 1 else ".local/dagster_home")))
