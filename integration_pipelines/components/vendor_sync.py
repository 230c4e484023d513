"""VendorSync: one vendor's whole sync as a Dagster component, instantiated once per ``defs/{vendor}/defs.yaml``.

Given a vendor (a folder under ``sources/``) and its settings, it yields the raw and warehouse
assets, their checks, ``{vendor}_sync_job``, ``{vendor}_sync_schedule``, ``{vendor}_freshness_schedule``,
``{vendor}_webhook_sensor`` (when the vendor sends webhooks) and the vendor's connector resource.
Settings that operators change per deployment (cron, rate limits, deadlines, freshness, concurrency) are named
environment variables with defaults in the YAML, read when the definitions load, and a malformed
value fails the load with the variable's name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import dagster as dg
import yaml

from integration_pipelines.components.asset_keys import raw_key
from integration_pipelines.components.freshness import CHECK_NAME as FRESHNESS_CHECK
from integration_pipelines.components.freshness import build_freshness_schedule
from integration_pipelines.components.ingest_assets import DEFAULT_FRESHNESS, build_ingest_assets
from integration_pipelines.components.sync_schedule import build_sync_schedule, run_limit_tags
from integration_pipelines.components.webhook_sensor import build_webhook_sensor
from integration_pipelines.lib import settings
from integration_pipelines.sources import registry
from integration_pipelines.sources.base import Source, SourceObject

DEFS_FOLDER = Path(__file__).resolve().parent.parent / "defs"
COMPONENT_TYPE = "integration_pipelines.components.VendorSync"


class EnvSetting(dg.Model):
    """A value an operator sets through an environment variable; ``default`` when it is unset.

    Read through :mod:`integration_pipelines.lib.settings`, so a malformed value fails the load with
    the variable, the value and the expected form, like every other setting."""

    env: str
    default: str | float

    def read(self) -> str:
        return settings.text(self.env, default=str(self.default)).value()

    def number(self) -> float:
        """Set but blank is malformed too: a deployment that blanks a rate limit meant to change it."""
        return replace(settings.number(self.env, default=float(self.default)), blank_is_default=False).value()

    def cron(self) -> str:
        return settings.cron(self.env, default=str(self.default)).value()

    def integer(self, minimum: int) -> int:
        """A whole number of at least ``minimum``; blank is malformed, as for :meth:`number`."""
        reader = settings.integer(self.env, default=int(self.default), minimum=minimum)
        return replace(reader, blank_is_default=False).value()


class VendorSync(dg.Component, dg.Resolvable, dg.Model):
    """Pulls one vendor into the lake and the warehouse tables, on a schedule and on demand.

    ``vendor`` names a folder under ``integration_pipelines/sources``; ``objects`` narrows the objects
    synced (all by default); ``pool`` is the concurrency pool every call to the vendor runs in (one
    rate budget per account; default ``{vendor}_api``); ``rate_limits`` and ``deadlines`` map the vendor
    resource's pacing and deadline fields to the variables that set them; ``concurrency`` names the
    variable of how many objects the raw step pulls at once (see :meth:`concurrency_degree`)."""

    vendor: str
    cron: EnvSetting
    objects: list[str] | None = None
    pool: str | None = None
    rate_limits: dict[str, EnvSetting] = {}
    deadlines: dict[str, EnvSetting] = {}
    freshness_fail_minutes: EnvSetting | None = None
    concurrency: EnvSetting | None = None
    webhook_sensor_interval_seconds: int = 30

    @property
    def source(self) -> Source:
        return registry.get(self.vendor)

    def selected_objects(self) -> Sequence[SourceObject]:
        source = self.source
        if self.objects is None:
            return list(source.objects.values())
        unknown = sorted(set(self.objects) - set(source.objects))
        if unknown:
            raise ValueError(f"{self.vendor} has no object(s) {unknown}; it has {sorted(source.objects)}")
        return [source.objects[name] for name in self.objects]

    def pacing(self) -> dict[str, float]:
        """The resource's rate-limit fields as this deployment sets them."""
        return {field: setting.number() for field, setting in self.rate_limits.items()}

    def connector_settings(self) -> dict[str, float]:
        """Everything this deployment sets on the vendor's resource: pacing and deadlines (per request,
        per step), all positive numbers."""
        return {**self.pacing(), **{field: setting.number() for field, setting in self.deadlines.items()}}

    def freshness(self) -> timedelta:
        """How long the vendor may go without a successful sync before ``synced_recently`` fails
        (default three hourly syncs: one late run is not an incident, three missed are)."""
        if self.freshness_fail_minutes is None:
            return DEFAULT_FRESHNESS
        return timedelta(minutes=max(self.freshness_fail_minutes.number(), 1.0))

    def concurrency_degree(self) -> int:
        """How many of the vendor's objects the raw step pulls at once, through one client and one budget.

        The shared token bucket is the only throttle, so a degree above what the limit needs costs
        nothing but idle threads, while one pull at a time leaves the budget unused whenever latency,
        not the limit, is what holds a pull back: one stream sends at most 1/latency requests a second,
        and a limit of R requests a second needs about R x latency streams to be reached (Little's law).
        Hence the defaults in the vendors' ``defs.yaml``: one per object for HubSpot (lists 10-19
        requests a second: 3-10 streams at 300-500 ms; search 4-5 a second: about 2), Intercom (~167 a
        second) and Salesforce (a daily quota, no rate), whose limits need at least as many streams as
        they have objects; 1 for Zendesk, whose 10 (30) export requests a minute, shared by all its
        objects, need 0.1 stream: one pull at a time already uses them up.
        Without the variable declared, 1 (objects one after another)."""
        if self.concurrency is None:
            return 1
        return self.concurrency.integer(minimum=1)

    def freshness_check_keys(self) -> list[dg.AssetCheckKey]:
        """The ``synced_recently`` checks: run by the freshness schedule, left out of the sync jobs (a
        sync that just succeeded is fresh by definition; the step would only cost time)."""
        return [dg.AssetCheckKey(raw_key(self.vendor, obj), FRESHNESS_CHECK) for obj in self.selected_objects()]

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        from integration_pipelines.defs.resources import source_resource

        source = self.source
        assets = build_ingest_assets(
            source,
            self.selected_objects(),
            pool=self.pool,
            freshness=self.freshness(),
            concurrency=self.concurrency_degree(),
        )
        job = dg.define_asset_job(
            f"{source.name}_sync_job",
            selection=dg.AssetSelection.groups(source.name) - dg.AssetSelection.checks(*self.freshness_check_keys()),
            description=f"Pull {source.title} changes for the selected days into the lake, then upsert the "
            "warehouse tables.",
            tags=run_limit_tags(),
        )
        schedule = build_sync_schedule(f"{source.name}_sync_schedule", job, self.cron.cron(), self.cron.env)
        sensors = (
            []
            if source.webhooks is None
            else [build_webhook_sensor(source, self.selected_objects(), job, self.webhook_sensor_interval_seconds)]
        )
        checks = [a for a in assets if isinstance(a, dg.AssetChecksDefinition)]
        freshness_job, freshness_schedule = build_freshness_schedule(
            source.name, next(c for c in checks if c.node_def.name == f"raw_{source.name}_freshness")
        )
        return dg.Definitions(
            assets=[a for a in assets if not isinstance(a, dg.AssetChecksDefinition)],
            asset_checks=checks,
            jobs=[job, freshness_job],
            schedules=[schedule, freshness_schedule],
            sensors=sensors,
            resources={source.name: source_resource(source, self.connector_settings())},
        )


def load_vendor_component(path: Path) -> VendorSync | None:
    """The VendorSync a ``defs.yaml`` declares (None for another component type), outside a code location."""
    document = yaml.safe_load(path.read_text())
    if not isinstance(document, dict) or document.get("type") != COMPONENT_TYPE:
        return None
    return VendorSync.from_attributes_dict(attributes=document.get("attributes") or {})


def vendor_components(defs_folder: Path = DEFS_FOLDER) -> Mapping[str, VendorSync]:
    """Every VendorSync instance the code location loads, by vendor (e.g. for the demo's pacing)."""
    found = {}
    for path in sorted(defs_folder.glob("*/defs.yaml")):
        component = load_vendor_component(path)
        if component is not None:
            found[component.vendor] = component
    return found


def freshness_check_keys() -> list[dg.AssetCheckKey]:
    """Every vendor's ``synced_recently`` checks, for jobs across vendors to leave out."""
    return [key for component in vendor_components().values() for key in component.freshness_check_keys()]
