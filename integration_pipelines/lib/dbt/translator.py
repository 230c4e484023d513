"""How dbt's nodes appear in Dagster: sources are the export assets they read, models keep our
``[layer, system, object]`` keys, and each layer is a group (the marts in ``marts``).

It imports dagster-dbt (and with it dbt-core), so only what builds the real dbt assets imports it: the
spec cache's builder and a step that runs dbt, never a definitions load."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

from integration_pipelines.lib.owners import asset_owners

STAGING_NAME = re.compile(r"stg_(?P<system>[a-z0-9_]+?)__(?P<object>[a-z0-9_]+)")


class ExportedWarehouseTranslator(DagsterDbtTranslator):
    """A dbt source ``zendesk.tickets`` is ``export/{export_target}/zendesk/tickets``, the asset that
    writes it, so lineage runs from ``raw/...`` through the export into every model. Staging models
    are ``staging/{system}/{object}``; the others ``{layer}/{model}`` (``marts/dim_customer``)."""

    def __init__(self, export_target: str, after_failed_run: dg.AutomationCondition) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))
        self.export_target = export_target
        self.after_failed_run = after_failed_run

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        name = dbt_resource_props["name"]
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["export", self.export_target, dbt_resource_props["source_name"], name])
        layer = layer_of(dbt_resource_props)
        staging = STAGING_NAME.fullmatch(name)
        if layer == "staging" and staging:
            return dg.AssetKey(["staging", staging["system"], staging["object"]])
        return dg.AssetKey([layer, name])

    def get_automation_condition(self, dbt_resource_props: Mapping[str, Any]) -> dg.AutomationCondition | None:
        """A model a failed run never reached (one vendor failed in ``main_job``) is built again once
        its exports have landed; otherwise models run with the jobs that select them."""
        if dbt_resource_props["resource_type"] == "source":
            return None
        return self.after_failed_run

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str] | None:
        """The deployment's owners (``INTEGRATION_PIPELINES_ASSET_OWNERS``), like every other asset;
        a model's own ``meta.dagster.owners`` in dbt still wins."""
        return super().get_owners(dbt_resource_props) or asset_owners()

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return None  # the export assets have their own group
        return layer_of(dbt_resource_props)


def layer_of(dbt_resource_props: Mapping[str, Any]) -> str:
    """The folder under ``models/`` (staging, intermediate, marts): fqn is [project, folder, ..., name]."""
    fqn = dbt_resource_props.get("fqn") or []
    return fqn[1] if len(fqn) > 2 else "dbt"
