"""The VendorSync component: one defs.yaml per vendor yields that vendor's whole sync, and a setting an
operator mistyped fails the load naming the variable and the form it expects."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from integration_pipelines.components.vendor_sync import VendorSync, load_vendor_component, vendor_components
from integration_pipelines.sources import registry


@pytest.fixture(autouse=True)
def local_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INTEGRATION_PIPELINES_ENV", "local")
    monkeypatch.setenv("INTEGRATION_PIPELINES_HOME", str(tmp_path))


VENDORS = ["calendly", "hubspot", "intercom", "retell", "salesforce", "stripe", "twilio", "zendesk"]


def component(**attributes: object) -> VendorSync:
    return VendorSync.from_attributes_dict(
        attributes={"cron": {"env": "ZENDESK_SYNC_CRON", "default": "0 * * * *"}, **attributes}
    )


def test_every_registered_source_has_exactly_one_component() -> None:
    assert sorted(vendor_components()) == sorted(registry.names()) == VENDORS


def test_a_component_yields_the_vendors_assets_checks_job_schedule_and_resource() -> None:
    defs = dg.build_defs_for_component(vendor_components()["zendesk"])
    keys = {key.to_user_string() for a in defs.assets or [] for key in a.keys}
    objects = ("tickets", "users", "organizations", "ticket_comments")
    assert keys == {f"{layer}/zendesk/{o}" for layer in ("raw", "warehouse") for o in objects}
    assert {check.asset_key.to_user_string() for c in defs.asset_checks or [] for check in c.check_keys} == {
        f"{layer}/zendesk/{o}" for o in objects for layer in ("raw", "warehouse")
    }
    assert [job.name for job in defs.jobs or []] == ["zendesk_sync_job", "zendesk_freshness_job"]
    assert [s.name for s in defs.schedules or []] == ["zendesk_sync_schedule", "zendesk_freshness_schedule"]
    assert type(defs.resources["zendesk"]).__name__ == "ZendeskResource"
    raw = next(a for a in defs.assets or [] if a.node_def.name == "raw_zendesk")
    assert raw.op.pool == "zendesk_api"


def test_objects_narrow_the_sync_and_unknown_ones_are_refused() -> None:
    defs = dg.build_defs_for_component(component(vendor="zendesk", objects=["tickets"]))
    assert {key.to_user_string() for a in defs.assets or [] for key in a.keys} == {
        "raw/zendesk/tickets",
        "warehouse/zendesk/tickets",
    }
    with pytest.raises(ValueError, match=r"zendesk has no object\(s\) \['calls'\]"):
        dg.build_defs_for_component(component(vendor="zendesk", objects=["tickets", "calls"]))


def test_an_unknown_vendor_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match=f"no source named 'zendsk'; sources: {', '.join(VENDORS)}"):
        dg.build_defs_for_component(component(vendor="zendsk"))


def test_rate_limits_come_from_their_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZENDESK_EXPORT_REQUESTS_PER_MINUTE", "30")
    monkeypatch.delenv("ZENDESK_REQUESTS_PER_MINUTE", raising=False)
    resource = dg.build_defs_for_component(vendor_components()["zendesk"]).resources["zendesk"]
    assert (resource.export_requests_per_minute, resource.requests_per_minute) == (30.0, 700.0)


@pytest.mark.parametrize("value", ["abc", "0", "-5", ""])
def test_a_malformed_rate_limit_names_its_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("ZENDESK_EXPORT_REQUESTS_PER_MINUTE", value)
    with pytest.raises(ValueError, match=r"ZENDESK_EXPORT_REQUESTS_PER_MINUTE must be (a number|greater than 0)"):
        dg.build_defs_for_component(vendor_components()["zendesk"])


def test_a_malformed_cron_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBSPOT_SYNC_CRON", "every hour")
    with pytest.raises(ValueError, match=r"HUBSPOT_SYNC_CRON must be a cron expression .* not 'every hour'"):
        dg.build_defs_for_component(vendor_components()["hubspot"])
    monkeypatch.setenv("HUBSPOT_SYNC_CRON", "*/15 * * * *")
    schedule = dg.build_defs_for_component(vendor_components()["hubspot"]).schedules[0]
    assert schedule.cron_schedule == "*/15 * * * *"


def test_other_component_types_are_not_vendor_syncs(tmp_path: Path) -> None:
    path = tmp_path / "defs.yaml"
    path.write_text("type: dagster.DefinitionsComponent\nattributes:\n  path: x.py\n")
    assert load_vendor_component(path) is None


def test_deadlines_come_from_their_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERCOM_REQUEST_DEADLINE_SECONDS", "30")
    monkeypatch.delenv("INTERCOM_STEP_DEADLINE_SECONDS", raising=False)
    resource = dg.build_defs_for_component(vendor_components()["intercom"]).resources["intercom"]
    assert (resource.request_deadline_seconds, resource.step_deadline_seconds) == (30.0, 14400.0)


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_malformed_deadline_names_its_variable(monkeypatch: pytest.MonkeyPatch, vendor: str) -> None:
    monkeypatch.setenv(f"{vendor.upper()}_STEP_DEADLINE_SECONDS", "four hours")
    with pytest.raises(ValueError, match=rf"{vendor.upper()}_STEP_DEADLINE_SECONDS must be a number"):
        dg.build_defs_for_component(vendor_components()[vendor])
