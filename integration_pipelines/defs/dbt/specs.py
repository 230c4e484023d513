"""The dbt assets' specs, kept next to the manifest, so loading the definitions imports no dbt.

dagster-dbt imports dbt-core at import time (~80 MB, ~900 modules) and parses the manifest to build
the assets; every process that loads the definitions (code server, run and step workers) paid that,
though only a dbt step runs dbt. The specs it builds (keys, deps, descriptions, groups, owners,
automation, code versions, metadata, the checks) are plain data: a builder process
(``build_specs.py``) makes them with dagster-dbt and writes them to
``dbt_project/target/{dbt target}/dagster_specs.{export target}.json``, stamped with a fingerprint of
everything they are made from. A load whose fingerprint matches reads that file; otherwise it runs
the builder first (which also prepares the manifest when it is stale), so the specs are always those
dagster-dbt would build now.

Three metadata entries dagster-dbt keeps for the dbt step are Python objects, not data (the manifest,
the translator, the project); until a dbt step binds them (``runtime.py``) they are
:class:`PendingDbtRuntime` stand-ins.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import dagster as dg

from integration_pipelines.lib.dbt.project import DBT_PROJECT_DIR, manifest_is_stale

MANIFEST_KEY = "dagster_dbt/manifest"
TRANSLATOR_KEY = "dagster_dbt/dagster_dbt_translator"
PROJECT_KEY = "dagster_dbt/project"
RUNTIME_KEYS = (MANIFEST_KEY, TRANSLATOR_KEY, PROJECT_KEY)

_PACKAGE = Path(__file__).resolve().parents[2]
# the code the specs are made by: a change to any makes the cache stale
_SOURCES = (
    "defs/dbt/assets.py",
    "defs/dbt/build_specs.py",
    "defs/dbt/specs.py",
    "defs/text/automation.py",
    "lib/dbt/translator.py",
    "lib/owners.py",
)


class PendingDbtRuntime:
    """Stands in for one of dagster-dbt's runtime objects until a dbt step binds it."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(pending)"


def _pending(name: str) -> PendingDbtRuntime:
    """A stand-in of a class named like the object it stands for: the UI lists these metadata entries
    as ``[class name] (unserializable)``, so it shows the same as with dagster-dbt's objects."""
    return type(name, (PendingDbtRuntime,), {})()


PENDING = {
    MANIFEST_KEY: _pending("DbtManifestWrapper"),
    TRANSLATOR_KEY: _pending("ExportedWarehouseTranslator"),
    PROJECT_KEY: _pending("DbtProject"),
}


@dataclass(frozen=True)
class CachedDbtAssets:
    specs: list[dg.AssetSpec]
    check_specs: list[dg.AssetCheckSpec]
    op_tags: dict[str, Any]


def manifest_path(dbt_target: str, project_dir: Path = DBT_PROJECT_DIR) -> Path:
    return project_dir / "target" / dbt_target / "manifest.json"


def cache_path(dbt_target: str, export_target: str, project_dir: Path = DBT_PROJECT_DIR) -> Path:
    return manifest_path(dbt_target, project_dir).parent / f"dagster_specs.{export_target}.json"


def fingerprint(dbt_target: str, export_target: str, project_dir: Path = DBT_PROJECT_DIR) -> str:
    """What the specs are made from: the manifest, the targets, the owners setting, the code that makes
    them and the Dagster and dagster-dbt versions."""
    digest = hashlib.sha256()
    for part in (
        dbt_target,
        export_target,
        os.environ.get("INTEGRATION_PIPELINES_ASSET_OWNERS", ""),
        version("dagster"),
        version("dagster-dbt"),
    ):
        digest.update(part.encode() + b"\0")
    digest.update(manifest_path(dbt_target, project_dir).read_bytes())
    for source in _SOURCES:
        digest.update((_PACKAGE / source).read_bytes())
    return digest.hexdigest()


def _pairs(metadata: Any) -> list[list[Any]]:
    """Metadata as pairs: serialized mappings come back with sorted keys, and the UI shows them in order."""
    return [[k, None if k in RUNTIME_KEYS else v] for k, v in (metadata or {}).items()]


def _deps(deps: Any) -> list[dict[str, Any]]:
    return [
        {"asset_key": d.asset_key, "partition_mapping": d.partition_mapping, "metadata": _pairs(d.metadata)}
        for d in deps
    ]


def _undeps(deps: list[dict[str, Any]]) -> list[dg.AssetDep]:
    return [
        dg.AssetDep(d["asset_key"], partition_mapping=d["partition_mapping"], metadata=dict(d["metadata"]))
        for d in deps
    ]


def pack(assets_def: dg.AssetsDefinition) -> str:
    """The specs, checks and op tags of a ``@dbt_assets`` definition as text."""
    specs = []
    for spec in assets_def.specs:
        if spec.legacy_freshness_policy or spec.freshness_policy or spec.is_virtual:  # partitions: the def's
            raise ValueError(f"{spec.key.to_user_string()}: a spec field the cache does not keep is set")
        specs.append(
            {
                "key": spec.key,
                "deps": _deps(spec.deps),
                "description": spec.description,
                "metadata": _pairs(spec.metadata),
                "runtime": sorted(set(RUNTIME_KEYS) & set(spec.metadata)),
                "group_name": spec.group_name,
                "skippable": spec.skippable,
                "code_version": spec.code_version,
                "automation_condition": spec.automation_condition,
                "owners": list(spec.owners),
                "tags": dict(spec.tags),
            }
        )
    checks = []
    for check in assets_def.check_specs:
        if check.partitions_def and check.partitions_def != assets_def.partitions_def:
            raise ValueError(f"{check.key.to_user_string()}: a check field the cache does not keep is set")
        checks.append(
            {
                "name": check.name,
                "asset_key": check.asset_key,
                "description": check.description,
                "additional_deps": _deps(check.additional_deps),
                "blocking": check.blocking,
                "metadata": _pairs(check.metadata),
                "automation_condition": check.automation_condition,
            }
        )
    return dg.serialize_value({"specs": specs, "checks": checks, "op_tags": dict(assets_def.op.tags)})


def unpack(text: str) -> CachedDbtAssets:
    data = dg.deserialize_value(text, dict)
    specs = [
        dg.AssetSpec(
            key=s["key"],
            deps=_undeps(s["deps"]),
            description=s["description"],
            metadata={k: PENDING[k] if k in s["runtime"] else v for k, v in s["metadata"]},
            group_name=s["group_name"],
            skippable=s["skippable"],
            code_version=s["code_version"],
            automation_condition=s["automation_condition"],
            owners=s["owners"],
            tags=s["tags"],
        )
        for s in data["specs"]
    ]
    checks = [
        dg.AssetCheckSpec(
            c["name"],
            asset=c["asset_key"],
            description=c["description"],
            additional_deps=_undeps(c["additional_deps"]),
            blocking=c["blocking"],
            metadata=dict(c["metadata"]),
            automation_condition=c["automation_condition"],
        )
        for c in data["checks"]
    ]
    return CachedDbtAssets(specs, checks, data["op_tags"])


def _read(path: Path, expected: str) -> str | None:
    """The packed specs in ``path`` if it was written for ``expected``, else None."""
    if not path.exists():
        return None
    stored = json.loads(path.read_text())
    return stored["assets"] if stored.get("fingerprint") == expected else None


def write(path: Path, stamp: str, packed: str) -> None:
    """Written whole or not at all: a load reading it at the same moment sees the old or the new file."""
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps({"fingerprint": stamp, "assets": packed}))
    partial.replace(path)


def cached_dbt_assets(dbt_target: str, export_target: str) -> CachedDbtAssets:
    """The dbt assets' specs for these targets, built first (in a process of their own) when the
    manifest or the cache is not current, or on every load under ``dagster dev``."""
    packed = None
    if not os.getenv("DAGSTER_IS_DEV_CLI") and not manifest_is_stale(manifest_path(dbt_target)):
        packed = _read(cache_path(dbt_target, export_target), fingerprint(dbt_target, export_target))
    return unpack(packed if packed is not None else _build(dbt_target, export_target))


def _build(dbt_target: str, export_target: str) -> str:
    """The specs from the builder, which also caches them where it can (a read-only deployment that
    did not build its cache with the image builds the specs on each load, without caching them)."""
    with tempfile.TemporaryDirectory(prefix="dbt-specs-") as folder:
        out = Path(folder) / "specs.json"
        done = subprocess.run(
            [sys.executable, "-m", "integration_pipelines.defs.dbt.build_specs", dbt_target, export_target, str(out)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f"building the dbt assets' specs failed:\n{done.stderr[-3000:]}")
        return out.read_text()
