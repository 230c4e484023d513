"""The Retell connector against its sandbox over real HTTP: exact call sets from the shared voice scripts,
window boundaries to the millisecond, paging, 429s, faults, deletes, broken pages and records, bad keys.

This module starts its own sandbox serving only the Retell dialect. Expected calls come from
``voices.scripts(world, "voice")`` built here, one call per script (their start times from the
dialect's renderer, which adds the sub-second part a real call has).
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timedelta

import dagster as dg
import httpx
import pyarrow as pa
import pytest

from integration_pipelines.lib.http.errors import AuthenticationError, ConfigurationError, IntegrationError
from integration_pipelines.sources.retell import OBJECTS, RetellResource, settings, window_bounds
from integration_pipelines_tests.fixtures.sandbox import sandbox_resource
from vendor_sandbox import voices
from vendor_sandbox.dialects.retell import API_KEY, RATE_LIMIT, render
from vendor_sandbox.faults import FaultConfig
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

SANDBOX_DIALECTS = "retell"  # this module's own sandbox (fixtures vendor_server / vendor_sandbox)
SECRET = "key_wrong-but-secret-retell-9c2f71"


@pytest.fixture
def sandbox(vendor_sandbox: SandboxProcess) -> SandboxProcess:
    return vendor_sandbox


def retell(sandbox: SandboxProcess, **overrides: object) -> RetellResource:
    return sandbox_resource(sandbox, "retell", **overrides)  # type: ignore[return-value]


def pull(resource: RetellResource, start: datetime, end: datetime) -> tuple[pa.Table, dict, list]:
    with resource.open_client() as client:
        pages = list(client.pages("calls", start, end))
        metrics = client.api.metrics.as_dict()
    schema = pa.schema([pa.field(c.name, c.arrow_type) for c in OBJECTS["calls"].columns])
    table = pa.Table.from_batches([p.batch for p in pages]) if pages else schema.empty_table()
    return table, metrics, pages


def expected_calls(world: World) -> dict[str, dict]:
    return {c["call_id"]: c for c in (render.call(world, s) for s in voices.scripts(world, "voice"))}


def started_in(world: World, start: datetime, end: datetime) -> set[str]:
    lo, hi = render.epoch_ms(start), render.epoch_ms(end)
    return {k for k, c in expected_calls(world).items() if lo <= c["start_timestamp"] < hi}


def history(world: World) -> tuple[datetime, datetime]:
    anchor = world.config.anchor
    assert anchor is not None
    return anchor - timedelta(days=world.config.days + 1), anchor


def ids(table: pa.Table) -> list[str]:
    return table.column("call_id").to_pylist()


# ---------------------------------------------------------------- exact pulls and paging


def test_whole_history_in_small_pages_is_every_voice_script_once(sandbox: SandboxProcess, world: World) -> None:
    scripts = voices.scripts(world, "voice")
    table, metrics, pages = pull(retell(sandbox, limit=7), *history(world))
    assert len(scripts) == 75 and len(ids(table)) == len(set(ids(table))) == 75
    assert set(ids(table)) == set(expected_calls(world))
    assert len(pages) == 11 and metrics["requests"] == 11 + 75  # ceil(75 / 7) pages, then get-call per call
    assert [p.end_of_stream for p in pages] == [False] * 10 + [True]
    assert metrics["retries"] == 0
    # the same people as the other channels: each call is between a pool customer's phone and a company line
    phones = {p.phone for p in voices.pool(world)}
    for row in table.to_pylist():
        customer = row["from_number"] if row["direction"] == "inbound" else row["to_number"]
        company = row["to_number"] if row["direction"] == "inbound" else row["from_number"]
        assert customer in phones and company in render.COMPANY_NUMBERS


def test_typed_columns_are_the_call_as_retell_lists_it(sandbox: SandboxProcess, world: World) -> None:
    start, end = history(world)
    table, _, _ = pull(retell(sandbox), start, end)
    expected = expected_calls(world)
    for row in table.to_pylist():
        call = expected[row["call_id"]]
        assert row["start_timestamp"] == render.from_ms(call["start_timestamp"])
        assert row["end_timestamp"] == render.from_ms(call["end_timestamp"])
        assert row["duration_ms"] == call["duration_ms"] == call["end_timestamp"] - call["start_timestamp"]
        assert row["combined_cost"] == call["call_cost"]["combined_cost"]
        assert row["user_sentiment"] == call["call_analysis"]["user_sentiment"]
        assert [t["role"] for t in json.loads(row["transcript_object"])] == [
            t["role"] for t in call["transcript_object"]
        ]
        assert row["is_deleted"] is False and row["call_status"] == "ended"
    assert {r["direction"] for r in table.to_pylist()} == {"inbound", "outbound"}


def test_a_day_window_is_exact_and_its_ends_hold_to_the_millisecond(sandbox: SandboxProcess, world: World) -> None:
    anchor = world.config.anchor
    assert anchor is not None
    start, end = anchor - timedelta(days=3), anchor - timedelta(days=2)
    table, _, _ = pull(retell(sandbox, limit=2), start, end)
    assert sorted(ids(table)) == sorted(started_in(world, start, end)) and table.num_rows > 0
    call = min(expected_calls(world).values(), key=lambda c: c["start_timestamp"])
    at = render.from_ms(call["start_timestamp"])
    before, _, _ = pull(retell(sandbox), at - timedelta(hours=1), at)  # end excludes
    from_it, _, _ = pull(retell(sandbox), at, at + timedelta(milliseconds=1))  # start includes
    assert call["call_id"] not in ids(before) and ids(from_it) == [call["call_id"]]
    assert window_bounds(at, at) is None


# ---------------------------------------------------------------- limits and faults


def test_429s_with_retry_after_are_waited_out_with_nothing_lost_or_doubled(
    sandbox: SandboxProcess, world: World
) -> None:
    sandbox.set_faults(FaultConfig(rate_429=0.05, burst_429=1, retry_after_seconds=1, seed=4))
    began = time.monotonic()
    table, metrics, _ = pull(retell(sandbox, limit=25, detail_concurrency=1), *history(world))
    assert sorted(ids(table)) == sorted(expected_calls(world)) and table.num_rows == 75
    served = sandbox.stats()["retell"]
    assert metrics["http_429s"] == served["fault_429"] > 0
    assert time.monotonic() - began >= served["fault_429"] * 0.9  # each Retry-After: 1 was honoured, one by one


def test_paced_client_stays_under_the_limit(sandbox: SandboxProcess, world: World) -> None:
    """40 requests per (shortened, 1 s) window on the sandbox; a client paced at that rate sees no 429, with its
    get-call fetches running four at a time."""
    sandbox.set_rate_limits(40.5 / RATE_LIMIT.requests, window_scale=1 / 60)
    table, metrics, _ = pull(retell(sandbox, limit=4, requests_per_minute=40 * 60), *history(world))
    assert table.num_rows == 75 and metrics["requests"] == 19 + 75
    assert metrics["http_429s"] == 0 and metrics["rate_limit_wait_s"] > 0
    assert sandbox.stats()["retell"].get("rate_limited", 0) == 0


def test_server_errors_drops_and_truncated_bodies_are_retried_exactly(sandbox: SandboxProcess, world: World) -> None:
    sandbox.set_faults(
        FaultConfig(rate_500=0.1, rate_503=0.1, rate_drop=0.1, rate_truncate=0.1, retry_after_seconds=0, seed=9)
    )
    table, metrics, _ = pull(retell(sandbox, limit=5), *history(world))
    assert sorted(ids(table)) == sorted(expected_calls(world))
    assert metrics["retries"] > 0


# ---------------------------------------------------------------- deletes, broken pages and records


def test_a_deleted_call_vanishes_from_the_list_and_nothing_announces_it(sandbox: SandboxProcess, world: World) -> None:
    start, end = history(world)
    before, _, _ = pull(retell(sandbox), start, end)
    gone = sorted(ids(before))[5]
    headers = {"Authorization": f"Bearer {API_KEY}"}
    assert httpx.delete(f"{sandbox.url}/retell/v2/delete-call/{gone}", headers=headers).status_code == 204
    assert httpx.get(f"{sandbox.url}/retell/v2/get-call/{gone}", headers=headers).status_code == 404
    after, _, _ = pull(retell(sandbox), start, end)
    assert set(ids(after)) == set(ids(before)) - {gone} and after.num_rows == 74
    assert not any(after.column("is_deleted").to_pylist())  # Retell shows no deleted calls, only their absence


def test_a_page_in_another_shape_is_a_clear_error(sandbox: SandboxProcess, world: World) -> None:
    sandbox.admin("retell", "legacy_list_shape", on=True)
    with pytest.raises(IntegrationError) as excinfo:
        pull(retell(sandbox), *history(world))
    assert str(excinfo.value).startswith("[retell]")
    assert "malformed Retell calls page" in str(excinfo.value) and "'items' list" in str(excinfo.value)


def test_calls_without_a_usable_start_or_id_are_quarantined_and_the_rest_land(
    sandbox: SandboxProcess, world: World
) -> None:
    anchor = world.config.anchor
    assert anchor is not None
    start, end = anchor - timedelta(days=3), anchor - timedelta(days=2)
    at = (start + timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M:%SZ")
    made = {
        kind: sandbox.admin("retell", "poison_call", at=at, kind=kind)["call_id"]
        for kind in ("null_version", "bad_version", "null_id")
    }
    table, _, pages = pull(retell(sandbox, limit=3), start, end)
    assert sorted(ids(table)) == sorted(started_in(world, start, end))
    rejects = [r for p in pages for r in p.rejects]
    assert sorted(r.reason for r in rejects) == ["malformed_version", "null_key", "null_version"]
    assert {r.key for r in rejects if r.reason != "null_key"} == {made["null_version"], made["bad_version"]}


# ---------------------------------------------------------------- credentials and settings


def test_a_wrong_key_is_a_clear_error_without_the_key(
    sandbox: SandboxProcess, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    resource = retell(sandbox, api_key=SECRET)
    with pytest.raises(AuthenticationError) as excinfo:
        pull(resource, *history(world))
    message = str(excinfo.value)
    assert message.startswith("[retell]") and "401" in message and "RETELL_API_KEY" in message
    assert SECRET not in "\n".join([message, repr(excinfo.value), caplog.text, repr(resource), str(resource)])
    with pytest.raises(ConfigurationError, match="RETELL_API_KEY"), retell(sandbox, api_key=None).open_client():
        pass


def test_settings_sandbox_locally_and_variables_in_prod(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RETELL_BASE_URL", raising=False)
    prod = settings.prod()
    assert isinstance(prod["api_key"], dg.EnvVar) and prod["api_key"] == "RETELL_API_KEY"
    assert prod["base_url"] == "https://api.retellai.com"
    assert settings.local("http://127.0.0.1:1") == {
        "api_key": API_KEY,
        "base_url": "http://127.0.0.1:1/retell",
    }
    assert settings.SANDBOX_WEBHOOK_SECRET == API_KEY
