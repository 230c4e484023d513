"""What the UI's catalog and lineage view show: owners on every asset, table metadata on every table,
and a first description line that tells apart nodes whose keys end alike (``tickets`` x 3)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

import dagster as dg
import pytest

from integration_pipelines.definitions import defs as load_defs
from integration_pipelines.lib.owners import ASSET_OWNERS, DEFAULT_OWNERS
from integration_pipelines.lib.settings import SettingError

TABLE_KINDS = {"duckdb", "parquet"}


@pytest.fixture(scope="module")
def specs() -> dict[dg.AssetKey, dg.AssetSpec]:
    graph = load_defs().resolve_asset_graph()
    return {node.key: node.to_asset_spec() for node in graph.asset_nodes if node.is_materializable}


def test_every_asset_has_the_deployments_owners(specs: dict[dg.AssetKey, dg.AssetSpec]) -> None:
    missing = sorted(key.to_user_string() for key, spec in specs.items() if list(spec.owners) != list(DEFAULT_OWNERS))
    assert not missing, f"assets without the default owners: {missing}"


def test_table_shaped_assets_declare_their_table_and_columns(specs: dict[dg.AssetKey, dg.AssetSpec]) -> None:
    tables = {key: spec for key, spec in specs.items() if TABLE_KINDS & set(spec.kinds) and key.path[0] != "marts"}
    assert len(tables) >= 30
    for key, spec in tables.items():
        if key.path[0] in ("raw", "warehouse"):
            assert spec.metadata.get("dagster/table_name"), key.to_user_string()
            assert spec.metadata.get("dagster/column_schema"), key.to_user_string()


def test_nodes_with_the_same_label_have_different_first_lines(specs: dict[dg.AssetKey, dg.AssetSpec]) -> None:
    """Dagster labels a lineage node with the key's last segment and shows the description's first
    line under it: among assets sharing a label, the first lines must all differ and name the system."""
    labels = Counter(key.path[-1] for key in specs)
    for key, spec in specs.items():
        if labels[key.path[-1]] > 1 and key.path[0] in ("raw", "warehouse", "export"):
            first = (spec.description or "").splitlines()[0]
            system = key.path[1] if key.path[0] != "export" else key.path[2]
            assert system.lower() in first.lower() or system.title() in first, (key.to_user_string(), first)
    shared = [
        [(spec.description or "").splitlines()[0] for key, spec in specs.items() if key.path[-1] == label]
        for label, n in labels.items()
        if n > 1
    ]
    for lines in shared:
        assert len(set(lines)) == len(lines), lines


def test_owners_come_from_the_environment_and_a_malformed_one_names_the_variable() -> None:
    code = (
        "import json; from integration_pipelines.definitions import defs; "
        "g = defs().resolve_asset_graph(); "
        "print(json.dumps(sorted({tuple(n.owners) for n in g.asset_nodes if n.is_materializable})))"
    )
    env = {**os.environ, "INTEGRATION_PIPELINES_ASSET_OWNERS": "team:support-analytics, ana@example.com"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [["team:support-analytics", "ana@example.com"]]
    with pytest.raises(SettingError, match="INTEGRATION_PIPELINES_ASSET_OWNERS"):
        ASSET_OWNERS.value({"INTEGRATION_PIPELINES_ASSET_OWNERS": "support analytics"})
