"""The Intercom connector against its sandbox over real HTTP: exact id sets, boundaries, faults, limits.

This module starts its own sandbox process serving the Intercom dialect. Expected sets come from the
world and CRM built independently here: Intercom's search never lists deleted conversations or
archived contacts (nor archived contacts' conversations), so neither may appear in a pull.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from integration_pipelines.lib.http.errors import AuthenticationError, ConfigurationError
from integration_pipelines.lib.records import to_record_batch
from integration_pipelines.sources.intercom import OBJECTS, IntercomResource, search_bounds
from vendor_sandbox.crm import Crm
from vendor_sandbox.dialects import intercom_render as render
from vendor_sandbox.dialects.intercom import ACCESS_TOKEN, RATE_LIMIT
from vendor_sandbox.faults import FaultConfig
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import Conversation, Person, World

SECRET = "wrong-but-secret-intercom-token-7d1e4a"


SANDBOX_DIALECTS = "intercom"  # this module's own sandbox (fixtures vendor_server / vendor_sandbox)


@pytest.fixture
def sandbox(vendor_sandbox: SandboxProcess) -> SandboxProcess:
    return vendor_sandbox


def intercom_resource(sandbox: SandboxProcess, **overrides: object) -> IntercomResource:
    """A resource pointed at the sandbox with fast retries, for tests."""
    settings: dict[str, object] = {
        "access_token": ACCESS_TOKEN,
        "base_url": f"{sandbox.url}/intercom",
        "timeout_seconds": 2.0,
        "backoff_seconds": 0.01,
        "max_backoff_seconds": 0.1,
        "max_attempts": 30,
        "requests_per_minute": 1_000_000,
    }
    settings.update(overrides)
    return IntercomResource(**settings)


@pytest.fixture
def intercom(sandbox: SandboxProcess) -> IntercomResource:
    return intercom_resource(sandbox)


def pull(resource: IntercomResource, obj: str, start: datetime, end: datetime) -> tuple[pa.Table, dict, int]:
    with resource.open_client() as client:
        pages = list(client.pages(obj, start, end))
        metrics = client.api.metrics.as_dict()
    batches = [p.batch for p in pages]
    table = pa.Table.from_batches(batches) if batches else pa.table({"id": pa.array([], pa.string())})
    return table, metrics, len(pages)


def whole_history(world: World) -> tuple[datetime, datetime]:
    anchor = world.config.anchor
    assert anchor is not None
    return anchor - timedelta(days=world.config.days + 1), anchor


def one_day(world: World, days_before_anchor: int = 3) -> tuple[datetime, datetime]:
    anchor = world.config.anchor
    assert anchor is not None
    return anchor - timedelta(days=days_before_anchor), anchor - timedelta(days=days_before_anchor - 1)


def visible_conversations(world: World, crm: Crm) -> list[Conversation]:
    return [
        c
        for c in crm.conversations(world, "intercom")
        if c.deleted_at is None and c.requester_id not in crm.deleted_people
    ]


def visible_customers(world: World, crm: Crm) -> list[Person]:
    return [p for p in world.people if p.role == "customer" and p.id not in crm.deleted_people]


def expected_conversations(world: World, crm: Crm, start: datetime, end: datetime) -> list[Conversation]:
    return [c for c in visible_conversations(world, crm) if start <= c.updated_at < end]


def assert_exact(table: pa.Table, obj: str, world: World, crm: Crm, start: datetime, end: datetime) -> None:
    """The pulled rows are exactly the window's records, each once, none flagged deleted."""
    rows = table.to_pylist()
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), f"an {obj} id arrived twice"
    assert all(start <= r["updated_at"] < end for r in rows), "a row outside the window"
    assert not any(r["is_deleted"] for r in rows)
    if obj == "contacts":
        expected_people = {str(p.id) for p in visible_customers(world, crm) if start <= p.updated_at < end}
        assert {r["external_id"] for r in rows} == expected_people and expected_people
        assert all(re.fullmatch("[0-9a-f]{24}", i) for i in ids)
        return
    conversations = expected_conversations(world, crm, start, end)
    assert conversations
    if obj == "conversations":
        assert set(ids) == {str(c.id) for c in conversations}
        return
    messages = {f"source-{c.messages[0].id}" for c in conversations}
    messages |= {str(m.id) for c in conversations for m in c.messages[1:]}
    assert {r["id"] for r in rows if r["part_type"] != "assignment"} == messages
    assigned = [r["conversation_id"] for r in rows if r["part_type"] == "assignment"]
    assert sorted(assigned) == sorted(str(c.id) for c in conversations if c.assignee_id is not None)


# ---------------------------------------------------------------- exact pulls


@pytest.mark.parametrize("obj", sorted(OBJECTS))
def test_full_pull_is_exact(intercom: IntercomResource, world: World, crm: Crm, obj: str) -> None:
    start, end = whole_history(world)
    table, metrics, pages = pull(intercom, obj, start, end)
    assert_exact(table, obj, world, crm, start, end)
    assert pages > 1 and metrics["retries"] == 0


@pytest.mark.parametrize("obj", sorted(OBJECTS))
def test_one_day_window_is_exact(intercom: IntercomResource, world: World, crm: Crm, obj: str) -> None:
    start, end = one_day(world)
    table, _, _ = pull(intercom.model_copy(update={"per_page": 20}), obj, start, end)
    assert_exact(table, obj, world, crm, start, end)


def test_parts_carry_every_message_once_byte_for_byte(intercom: IntercomResource, world: World, crm: Crm) -> None:
    start, end = one_day(world, 2)
    table, _, _ = pull(intercom, "conversation_parts", start, end)
    rows = {r["id"]: r for r in table.to_pylist()}
    for conv in expected_conversations(world, crm, start, end):
        source = rows[f"source-{conv.messages[0].id}"]
        assert source["part_type"] == "source" and source["author_type"] == "user"
        assert source["author_id"] == render.contact_id(world.person(conv.requester_id))
        assert source["created_at"] == conv.created_at and source["channel"] in ("conversation", "whatsapp")
        for message in conv.messages:
            row = source if message is conv.messages[0] else rows[str(message.id)]
            assert row["body"] == message.body  # Arabic, emoji, digits and line breaks survive
            assert row["conversation_id"] == str(conv.id) and row["updated_at"] == conv.updated_at
            assert row["author_type"] == render.AUTHOR_TYPE[message.author_role]
            assert (row["part_type"] == "note") == (not message.public)
            if message is not conv.messages[0]:
                assert row["part_updated_at"] == message.created_at


def test_deletes_are_absent_because_intercom_never_lists_them(
    intercom: IntercomResource, world: World, crm: Crm
) -> None:
    """Deleted conversations, archived contacts and their conversations exist in the world but no
    REST read shows them; ``is_deleted`` reads the flags of Intercom's delete/archive payloads."""
    start, end = whole_history(world)
    hidden = [c for c in crm.conversations(world, "intercom") if c.deleted_at or c.requester_id in crm.deleted_people]
    conversations, _, _ = pull(intercom, "conversations", start, end)
    contacts, _, _ = pull(intercom, "contacts", start, end)
    assert hidden and not {str(c.id) for c in hidden} & set(conversations.column("id").to_pylist())
    archived = {str(p) for p in crm.deleted_people}
    assert archived and not archived & set(contacts.column("external_id").to_pylist())
    tombstones = [
        {"id": "7", "object": "conversation", "deleted": True, "updated_at": 1},
        {"type": "contact", "id": "ab" * 12, "archived": True, "updated_at": 1},
    ]
    for obj, tombstone in zip(("conversations", "contacts"), tombstones, strict=True):
        batch = to_record_batch([tombstone], OBJECTS[obj].columns, datetime.now(UTC))
        assert batch.column("is_deleted").to_pylist() == [True]


# ---------------------------------------------------------------- window boundaries


@pytest.mark.parametrize(
    ("gt_lt", "day_granular", "start", "end"),
    [
        ((99, 200), False, 100, 200),
        ((99, 201), False, 100, 200.5),
        ((100, 200), False, 100.2, 199.9),
        ((-86_400, 86_400), True, 0, 86_400),
        ((-86_400, 2 * 86_400), True, 3600, 86_401),
    ],
)
def test_search_bounds_cover_the_window_exactly(
    gt_lt: tuple[int, int], day_granular: bool, start: float, end: float
) -> None:
    def at(seconds: float) -> datetime:
        return datetime.fromtimestamp(seconds, UTC)

    assert search_bounds(at(start), at(end), day_granular) == gt_lt
    assert search_bounds(at(end), at(start), day_granular) is None


def _distinct_moments(moments: list[datetime]) -> tuple[datetime, datetime]:
    """Two update times held by exactly one record each, a few days apart, mid-day."""
    unique = sorted(m for m in set(moments) if moments.count(m) == 1 and 3 <= m.hour <= 20)
    first = unique[len(unique) // 4]
    last = next(m for m in unique if m - first > timedelta(days=2))
    return first, last


@pytest.mark.parametrize("obj", sorted(OBJECTS))
def test_window_includes_its_start_and_excludes_its_end(
    intercom: IntercomResource, world: World, crm: Crm, obj: str
) -> None:
    if obj == "contacts":
        moments = [p.updated_at for p in visible_customers(world, crm)]
    else:
        moments = [c.updated_at for c in visible_conversations(world, crm)]
    start, end = _distinct_moments(moments)
    table, _, _ = pull(intercom.model_copy(update={"per_page": 25}), obj, start, end)
    assert_exact(table, obj, world, crm, start, end)
    stamps = table.column("updated_at").to_pylist()
    assert start in stamps and end not in stamps
    later, _, _ = pull(intercom, obj, end, end + timedelta(seconds=1))
    assert end in later.column("updated_at").to_pylist()


# ---------------------------------------------------------------- faults and limits


@pytest.mark.slow
def test_all_faults_mixed_at_ten_percent_each(sandbox: SandboxProcess, world: World, crm: Crm) -> None:
    sandbox.set_faults(FaultConfig.mixed(0.1, slow_seconds=1.5, retry_after_seconds=0, seed=5))
    resource = intercom_resource(sandbox, per_page=25, timeout_seconds=0.75)
    start, end = one_day(world)
    totals = {"http_429s": 0, "retries": 0, "malformed_bodies": 0, "transport_errors": 0, "http_5xx": 0}
    for obj in sorted(OBJECTS):
        table, metrics, _ = pull(resource, obj, start, end)
        assert_exact(table, obj, world, crm, start, end)
        for name in totals:
            totals[name] += metrics[name]
    served = sandbox.stats()["intercom"]
    for fault in ("429", "500", "503", "slow", "drop", "truncate"):
        assert served.get(f"fault_{fault}", 0) > 0, f"no {fault} fault was injected"
    assert all(totals[name] > 0 for name in totals), totals
    assert totals["retries"] >= totals["http_429s"] + totals["http_5xx"]


def test_rate_limit_headers_are_read(sandbox: SandboxProcess) -> None:
    sandbox.set_rate_limits(1.0)
    with intercom_resource(sandbox).open_client() as client:
        client.check_credentials()
        client.check_credentials()
        state = client.api.buckets["default"].last_state
        assert client.api.quota_remaining() == state.remaining == RATE_LIMIT.requests - 2
        assert state.limit == RATE_LIMIT.requests
        assert state.reset_after is not None and 0 < state.reset_after <= RATE_LIMIT.per_seconds + 1  # from epoch


def test_paced_client_sees_no_429(sandbox: SandboxProcess, world: World, crm: Crm) -> None:
    """The sandbox allows 8 requests per (shortened, 1 s) window, a rate even a slow machine outruns; a
    client configured with the same limit paces itself below it, even with parallel detail fetches."""
    sandbox.set_rate_limits(8.5 / RATE_LIMIT.requests, window_scale=0.1)
    resource = intercom_resource(
        sandbox, requests_per_minute=8 * 60, rate_limit_window_seconds=1.0, detail_concurrency=4
    )
    start, end = one_day(world)
    table, metrics, _ = pull(resource, "conversation_parts", start, end)
    assert_exact(table, "conversation_parts", world, crm, start, end)
    assert metrics["requests"] > 20  # several windows' worth, so pacing mattered
    assert metrics["http_429s"] == 0 and metrics["rate_limit_wait_s"] > 0
    assert sandbox.stats()["intercom"].get("rate_limited", 0) == 0


def test_detail_concurrency_changes_nothing_but_speed(intercom: IntercomResource, world: World) -> None:
    start, end = one_day(world)
    results = [
        pull(intercom.model_copy(update={"per_page": 10, "detail_concurrency": n}), "conversation_parts", start, end)
        for n in (1, 8)
    ]
    (serial, _, serial_pages), (parallel, _, parallel_pages) = results
    assert sorted(serial.column("id").to_pylist()) == sorted(parallel.column("id").to_pylist())
    assert serial_pages == parallel_pages > 1  # one ExportPage per search page


# ---------------------------------------------------------------- credentials and configuration


def test_wrong_token_is_a_clear_error_without_the_secret(
    sandbox: SandboxProcess, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str], world: World
) -> None:
    caplog.set_level(logging.DEBUG)
    resource = intercom_resource(sandbox, access_token=SECRET)
    start, end = one_day(world)
    with pytest.raises(AuthenticationError) as excinfo, resource.open_client() as client:
        list(client.pages("conversation_parts", start, end))
    message = str(excinfo.value)
    assert message.startswith("[intercom]") and "Intercom" in message and "401" in message
    assert "INTERCOM_ACCESS_TOKEN" in message and "Access Token Invalid" in message
    captured = capsys.readouterr()
    everything = "\n".join(
        [message, repr(excinfo.value), caplog.text, captured.out, captured.err, repr(resource), str(resource)]
    )
    assert SECRET not in everything
    assert caplog.records, "requests should have been logged"
    assert resource.redactor().text(f"token={SECRET} Bearer {SECRET}") == "token=*** Bearer ***"


def test_missing_token_is_reported_before_any_request() -> None:
    with pytest.raises(ConfigurationError, match="INTERCOM_ACCESS_TOKEN"), IntercomResource().open_client():
        pass


def test_unsupported_api_version_names_the_setting(sandbox: SandboxProcess) -> None:
    resource = intercom_resource(sandbox, api_version="1.1")
    with pytest.raises(ConfigurationError, match="INTERCOM_API_VERSION") as excinfo, resource.open_client() as c:
        c.check_credentials()
    assert sandbox.stats()["intercom"]["requests"] == 1, "a configuration error is not retried"
    assert ACCESS_TOKEN not in str(excinfo.value)


def test_per_page_is_capped_at_intercoms_maximum() -> None:
    with pytest.raises(ValueError):
        IntercomResource(access_token="x", per_page=151)
