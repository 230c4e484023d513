"""The dbt assets the code location loads from the spec cache are dagster-dbt's own: same models,
deps, descriptions, groups, owners, automation, code versions, metadata and checks, and the same op
settings; the cache is rebuilt when what the specs are made from changes, and never used when it
was written for something else."""

from __future__ import annotations

import json
from typing import Any

import dagster as dg
import pytest

from integration_pipelines.defs.dbt.assets import build_dbt_assets, cached_dbt_assets_def
from integration_pipelines.defs.dbt.project import dbt_project
from integration_pipelines.defs.dbt.specs import RUNTIME_KEYS, PendingDbtRuntime, cache_path, pack, write

pytestmark = pytest.mark.slow


def comparable(spec: Any) -> dict[str, Any]:
    """A spec's fields without dagster-dbt's runtime objects, its deps as a set (dagster-dbt orders
    them by a set of the manifest's ids, which differs between processes)."""
    fields = spec._asdict()
    fields["metadata"] = [(k, v) for k, v in spec.metadata.items() if k not in RUNTIME_KEYS]  # in order
    fields["deps"] = frozenset((d.asset_key, d.partition_mapping, json.dumps(d.metadata)) for d in spec.deps)
    fields["metadata_keys"] = list(spec.metadata)
    return fields


def test_cached_dbt_assets_are_those_dagster_dbt_builds() -> None:
    """Built both ways for the local target; every spec and check compared field by field."""
    real = build_dbt_assets(dbt_project("local"), "duckdb")
    cached = cached_dbt_assets_def("local", "duckdb")

    real_specs = {s.key: comparable(s) for s in real.specs}
    cached_specs = {s.key: comparable(s) for s in cached.specs}
    assert len(real_specs) > 20 and cached_specs.keys() == real_specs.keys()
    assert {k for k in real_specs if real_specs[k] != cached_specs[k]} == set()
    assert {c.key: c for c in cached.check_specs} == {c.key: c for c in real.check_specs}
    assert len(list(real.check_specs)) > 50
    assert {s.key: s.kinds for s in cached.specs} == {s.key: s.kinds for s in real.specs}
    real_runtime = next(iter(real.specs)).metadata
    for spec in cached.specs:  # dagster-dbt's objects are pending until a dbt step binds them
        assert set(RUNTIME_KEYS) <= set(spec.metadata)
        assert all(isinstance(spec.metadata[k], PendingDbtRuntime) for k in RUNTIME_KEYS)
        # the UI shows these entries by class name only: the same names as dagster-dbt's objects
        assert [type(spec.metadata[k]).__name__ for k in RUNTIME_KEYS] == [
            type(real_runtime[k]).__name__ for k in RUNTIME_KEYS
        ]

    assert cached.op.name == real.op.name
    assert cached.op.tags == real.op.tags
    assert cached.op.description == real.op.description
    assert cached.op.pool == real.op.pool
    assert cached.partitions_def == real.partitions_def
    assert cached.backfill_policy == real.backfill_policy
    assert cached.required_resource_keys == real.required_resource_keys
    assert cached.can_subset and real.can_subset
    assert cached.asset_deps == real.asset_deps


def test_the_cache_follows_the_owners_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """The owners setting is read by the translator: changing it rebuilds the specs, with the new owners."""
    monkeypatch.setenv("INTEGRATION_PIPELINES_ASSET_OWNERS", "team:dbt-analysts")
    try:
        assert {tuple(s.owners) for s in cached_dbt_assets_def("local", "duckdb").specs} == {("team:dbt-analysts",)}
    finally:
        monkeypatch.delenv("INTEGRATION_PIPELINES_ASSET_OWNERS")
    assert {tuple(s.owners) for s in cached_dbt_assets_def("local", "duckdb").specs} == {("team:data-platform",)}


def test_a_cache_written_for_something_else_is_not_used() -> None:
    """A cache file whose fingerprint does not match (another manifest, other code) holding a made-up
    asset: the load rebuilds it and has the project's models only."""

    @dg.multi_asset(specs=[dg.AssetSpec("made_up")])
    def made_up() -> None: ...

    path = cache_path("local", "duckdb")
    write(path, "another manifest", pack(made_up))
    keys = {s.key for s in cached_dbt_assets_def("local", "duckdb").specs}
    assert dg.AssetKey("made_up") not in keys
    assert dg.AssetKey(["marts", "dim_customer"]) in keys
    assert json.loads(path.read_text())["fingerprint"] != "another manifest"
