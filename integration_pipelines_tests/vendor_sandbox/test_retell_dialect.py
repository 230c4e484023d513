"""The sandbox's Retell dialect, read with retell-sdk (Retell's own client, as the oracle of the API shape)
and plain HTTP: one call per shared voice script, Retell's enums, filters, cursor paging, auth, deletes
and the change feed's new calls and analyses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from retell import AuthenticationError, BadRequestError, NotFoundError, Retell
from retell.types.phone_call_response import PhoneCallResponse

from vendor_sandbox import voices
from vendor_sandbox.dialects.retell import API_KEY, render
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

SANDBOX_DIALECTS = "retell"  # this module's own sandbox (fixtures vendor_server / vendor_sandbox)
SENTIMENTS = {"Positive", "Negative", "Neutral", "Unknown"}


@pytest.fixture
def client(vendor_sandbox: SandboxProcess) -> Iterator[Retell]:
    with Retell(api_key=API_KEY, base_url=f"{vendor_sandbox.url}/retell", max_retries=0) as sdk:
        yield sdk


def every_call(client: Retell, limit: int, order: str = "ascending", **filters: object) -> tuple[list, int]:
    """All pages through the SDK's own list (v3) and the number of requests it took."""
    calls, key, requests = [], None, 0
    while True:
        args: dict = {"limit": limit, "sort_order": order}
        if filters:
            args["filter_criteria"] = filters
        if key:
            args["pagination_key"] = key
        page = client.call.list(**args)
        requests += 1
        calls.extend(page.items)
        if not page.has_more:
            assert page.pagination_key is None
            return calls, requests
        key = page.pagination_key


def test_one_call_per_voice_script_in_retells_shape(client: Retell, world: World) -> None:
    scripts = voices.scripts(world, "voice")
    calls, requests = every_call(client, limit=20)
    assert len(calls) == len(scripts) == 75 and requests == 4
    assert [c.call_id for c in calls] == [render.call_id(world.config.seed, s.number) for s in scripts]
    starts = [c.start_timestamp for c in calls]
    assert starts == sorted(starts)
    for call, script in zip(calls, scripts, strict=True):
        assert call.call_type == "phone_call" and call.call_status == "ended"
        assert 0 <= call.start_timestamp - render.epoch_ms(script.at) < 1000
        customer = call.from_number if call.direction == "inbound" else call.to_number
        assert customer == script.customer.phone
        assert call.call_analysis.user_sentiment in SENTIMENTS
        assert call.call_analysis.user_sentiment == render.user_sentiment(script.turns)
        assert not {"transcript", "transcript_object", "recording_url"} & set(call.to_dict())  # as v3 lists them
        full = client.call.retrieve(call.call_id)
        assert isinstance(full, PhoneCallResponse)  # get-call's model accepts it: the enums are Retell's
        said = [t.content for t in full.transcript_object or () if t.role == "user"]
        assert said == [t.text for t in script.customer_turns]
        assert full.transcript.startswith(("Agent: ", "User: "))
        assert call.call_cost.combined_cost == pytest.approx(sum(p.cost for p in call.call_cost.product_costs))
        assert call.end_timestamp - call.start_timestamp == call.duration_ms
    directions = {c.direction for c in calls}
    assert directions == {"inbound", "outbound"}


def test_start_timestamp_filters_and_descending_order(client: Retell, world: World) -> None:
    calls, _ = every_call(client, limit=1000)
    first, second = calls[10].start_timestamp, calls[20].start_timestamp
    between, _ = every_call(client, 4, start_timestamp={"type": "range", "op": "bt", "value": [first, second]})
    assert [c.call_id for c in between] == [c.call_id for c in calls[10:21]]  # both ends included
    after, _ = every_call(client, 1000, start_timestamp={"type": "number", "op": "gt", "value": second})
    assert [c.call_id for c in after] == [c.call_id for c in calls[21:]]
    newest_first, _ = every_call(client, 7, order="descending")
    assert [c.call_id for c in newest_first] == [c.call_id for c in reversed(calls)]
    page = client.call.list()  # Retell's defaults: 50, newest first
    assert len(page.items) == 50 and page.has_more and page.items[0].call_id == calls[-1].call_id


def test_bad_requests_and_bad_keys_are_refused(client: Retell, vendor_sandbox: SandboxProcess) -> None:
    with pytest.raises(BadRequestError):
        client.call.list(limit=1001)
    with pytest.raises(BadRequestError):
        client.call.list(pagination_key="not-a-key")
    with (
        Retell(api_key="key_wrong", base_url=f"{vendor_sandbox.url}/retell", max_retries=0) as wrong,
        pytest.raises(AuthenticationError),
    ):
        wrong.call.list()
    assert httpx.post(f"{vendor_sandbox.url}/retell/v3/list-calls", json={}).status_code == 401


def test_get_and_delete_a_call(client: Retell) -> None:
    calls, _ = every_call(client, limit=1000)
    target = calls[3]
    assert client.call.retrieve(target.call_id).call_id == target.call_id
    client.call.delete(target.call_id)
    with pytest.raises(NotFoundError):
        client.call.retrieve(target.call_id)
    with pytest.raises(NotFoundError):
        client.call.delete(target.call_id)
    remaining, _ = every_call(client, limit=1000)
    assert [c.call_id for c in remaining] == [c.call_id for c in calls if c.call_id != target.call_id]


def test_change_feed_adds_calls_then_publishes_their_analysis(
    client: Retell, vendor_sandbox: SandboxProcess, world: World
) -> None:
    at = datetime(2026, 10, 31, 15, 30, tzinfo=UTC)
    made = vendor_sandbox.make_changes("retell", "new_message", count=2, deliver=False, at=at)
    new = [c["record_id"] for c in made["changes"]]
    assert [c["topic"] for c in made["changes"]] == ["call_ended", "call_ended"]
    for call_id in new:
        call = client.call.retrieve(call_id)
        assert call.call_analysis is None and call.end_timestamp == int(at.timestamp() * 1000)
    calls, _ = every_call(client, limit=1000)
    assert len(calls) == 77 and set(new) <= {c.call_id for c in calls}
    analyzed = vendor_sandbox.make_changes("retell", "status_change", count=2, deliver=False)
    assert sorted(c["record_id"] for c in analyzed["changes"]) == sorted(new)
    assert all(client.call.retrieve(c).call_analysis.user_sentiment in SENTIMENTS for c in new)
    with pytest.raises(ValueError, match="does not announce delete"):
        vendor_sandbox.make_changes("retell", "delete", deliver=False)
