"""Where the dbt project lives, which dbt target reads which export target, and whether its manifest is
current.

dbt's targets are named after the warehouse they read (``profiles.yml``); only the local DuckDB file
has a target named for the environment, ``local``, because that is what an analyst types.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"
DBT_TARGETS = {"duckdb": "local", "snowflake": "snowflake", "bigquery": "bigquery", "redshift": "redshift"}
EXPORT_TARGETS = {dbt_target: export for export, dbt_target in DBT_TARGETS.items()}
DBT_GROUPS = ("staging", "intermediate", "marts")  # asset groups: one per folder under models/
SOURCE_FILES = ("*.yml", "*.sql", "*.md")  # what `dbt parse` reads; a change to any makes the manifest stale


def dbt_target_name(export_targets: tuple[str, ...]) -> str | None:
    """``DBT_TARGET`` when set, otherwise the target reading the first of ``export_targets``
    (``EXPORT_TARGETS``: locally ``duckdb`` -> ``local`` by default), or None when nothing is exported."""
    chosen = os.environ.get("DBT_TARGET", "").strip().lower()
    if chosen:
        if chosen not in EXPORT_TARGETS:
            raise ValueError(f"DBT_TARGET must be one of {sorted(EXPORT_TARGETS)}, not {chosen!r}")
        return chosen
    return DBT_TARGETS[export_targets[0]] if export_targets else None


def export_target_of(dbt_target: str) -> str:
    """The export target whose tables a dbt target reads (``local`` -> ``duckdb``)."""
    return EXPORT_TARGETS[dbt_target]


def project_files(project_dir: Path = DBT_PROJECT_DIR) -> Iterator[Path]:
    """The files dbt parses, outside its own output folders."""
    skip = {"target", "logs", "dbt_packages"}
    for pattern in SOURCE_FILES:
        for path in project_dir.rglob(pattern):
            if not skip & set(path.relative_to(project_dir).parts):
                yield path


def manifest_is_stale(manifest: Path, project_dir: Path = DBT_PROJECT_DIR) -> bool:
    """True when the manifest is missing or older than a model, test, macro or config file, so a
    checkout or an edit never runs against models dbt has not parsed."""
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    return any(path.stat().st_mtime > built for path in project_files(project_dir))


def dbt_executable() -> str:
    """dbt on PATH, else the one installed next to this Python (a virtualenv that is not activated,
    as when Dagster runs from ``.venv/bin/dagster``)."""
    beside = Path(sys.executable).parent / "dbt"
    return shutil.which("dbt") or (str(beside) if beside.exists() else "dbt")
