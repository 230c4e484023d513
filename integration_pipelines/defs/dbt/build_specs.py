"""Builds the dbt assets with dagster-dbt and writes their specs to the cache ``specs.py`` reads.

Run by a definitions load when the cache is not current, in a process of its own so the loading
process never imports dbt, with a file to write the specs to as well. A deployment runs it when its
image is built, after preparing the manifest and with the owners setting it runs with, so loading
there only reads:  ``python -m integration_pipelines.defs.dbt.build_specs DBT_TARGET EXPORT_TARGET``.
"""

from __future__ import annotations

import sys
from pathlib import Path


def build(dbt_target: str, export_target: str, out: Path | None = None) -> None:
    """Prepare the manifest if it is stale, build the assets as dagster-dbt does, cache their specs
    (a target folder that cannot be written is left as it is) and write them to ``out`` if given."""
    from integration_pipelines.defs.dbt.assets import build_dbt_assets
    from integration_pipelines.defs.dbt.project import dbt_project
    from integration_pipelines.defs.dbt.specs import cache_path, fingerprint, pack, write

    project = dbt_project(dbt_target)
    packed = pack(build_dbt_assets(project, export_target))
    try:
        write(cache_path(dbt_target, export_target), fingerprint(dbt_target, export_target), packed)
    except OSError as error:
        if out is None:
            raise
        print(f"dbt specs not cached: {error}", file=sys.stderr)
    if out is not None:
        out.write_text(packed)


if __name__ == "__main__":
    build(sys.argv[1], sys.argv[2], Path(sys.argv[3]) if len(sys.argv) > 3 else None)
