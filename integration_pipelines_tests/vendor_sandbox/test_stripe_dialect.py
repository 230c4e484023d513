"""The sandbox's Stripe over real HTTP: Stripe's own SDK reads it, its data is the payment channel's
customers, its errors and limits are Stripe's, and its change feed sends deliveries Stripe's SDK verifies.

This module starts its own sandbox process serving the Stripe dialect.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import stripe as stripe_sdk

from integration_pipelines_tests.vendor_sandbox.webhook_receiver import Receiver
from vendor_sandbox import voices
from vendor_sandbox.changefeed.settings import STRIPE_WEBHOOK_SECRET
from vendor_sandbox.dialects.stripe import API_KEY, render
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

SANDBOX_DIALECTS = "stripe"


@pytest.fixture
def sandbox(vendor_sandbox: SandboxProcess) -> SandboxProcess:
    return vendor_sandbox


@pytest.fixture(scope="module")
def account(world: World) -> render.StripeState:
    return render.build(world)


@pytest.fixture
def api(sandbox: SandboxProcess) -> httpx.Client:
    with httpx.Client(base_url=f"{sandbox.url}/stripe", headers={"Authorization": f"Bearer {API_KEY}"}) as client:
        yield client


def sdk(sandbox: SandboxProcess) -> stripe_sdk.StripeClient:
    """Stripe's own Python SDK pointed at the sandbox: the oracle for the wire format."""
    return stripe_sdk.StripeClient(API_KEY, base_addresses={"api": f"{sandbox.url}/stripe"}, max_network_retries=0)


def test_stripes_sdk_pages_through_every_event(sandbox: SandboxProcess, account: render.StripeState) -> None:
    events = list(sdk(sandbox).v1.events.list({"limit": 13}).auto_paging_iter())
    assert [e.id for e in events] == [e["id"] for e in reversed(account.events)]  # newest first, each once
    created = [e.created for e in events]
    assert created == sorted(created, reverse=True)


def test_events_filter_by_types_and_created(sandbox: SandboxProcess, account: render.StripeState) -> None:
    types = ["customer.subscription.deleted", "charge.dispute.closed"]
    start, end = account.events[20]["created"], account.events[-20]["created"]
    listed = sdk(sandbox).v1.events.list({"types": types, "created": {"gte": start, "lt": end}, "limit": 3})
    got = [e.id for e in listed.auto_paging_iter()]
    expected = [e["id"] for e in reversed(account.events) if e["type"] in types and start <= e["created"] < end]
    assert got == expected and len(expected) > 3


def test_customers_are_the_payment_channels_customers(api: httpx.Client, world: World) -> None:
    people = {s.customer.id: s.customer for s in voices.scripts(world, "payment")}
    listed, after = [], None
    while True:
        page = api.get("/v1/customers", params={"limit": 10, **({"starting_after": after} if after else {})}).json()
        listed += page["data"]
        if not page["has_more"]:
            break
        after = page["data"][-1]["id"]
    deleted = render.build(world).deleted
    assert deleted and len(listed) == len({c["id"] for c in listed}) == len(people) - len(deleted)
    by_id = {render.customer_id(p): p for p in people.values()}
    for customer in listed:
        person = by_id[customer["id"]]
        assert (customer["email"], customer["phone"], customer["name"]) == (person.email, person.phone, person.name)
    gone = sorted(deleted)[0]
    assert api.get(f"/v1/customers/{gone}").json() == {"id": gone, "object": "customer", "deleted": True}


def test_subscriptions_list_leaves_out_cancelled_ones_unless_asked(
    api: httpx.Client, account: render.StripeState
) -> None:
    default = api.get("/v1/subscriptions", params={"limit": 100}).json()["data"]
    every = api.get("/v1/subscriptions", params={"limit": 100, "status": "all"}).json()["data"]
    canceled = {s["id"] for s in account.subscriptions.values() if s["status"] == "canceled"}
    assert canceled and {s["id"] for s in every} == set(account.subscriptions)
    assert {s["id"] for s in default} == set(account.subscriptions) - canceled


def test_cancellations_and_disputes_carry_the_scripts_words(world: World, account: render.StripeState) -> None:
    for script in voices.scripts(world, "payment"):
        if script.number % 3 == 0:
            dispute = account.disputes[render.stripe_id("dp", script.number)]
            assert dispute["reason"] in render.DISPUTE_REASONS
            words = dispute["evidence"]["uncategorized_text"]
            assert words == (script.customer_turns[0].text if script.number % 2 == 0 else None)
        elif script.number % 4 in (1, 2):
            sub = account.subscriptions[render.stripe_id("sub", script.number)]
            assert sub["cancellation_details"]["comment"] == script.customer_turns[0].text
    assert {r["reason"] for r in account.refunds.values()} <= {"duplicate", "fraudulent", "requested_by_customer"}


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"types[]": [f"customer.t{i}" for i in range(21)]}, "types"),
        ({"type": "customer.created", "types[]": ["customer.updated"]}, "types"),
        ({"starting_after": "evt_doesnotexist"}, "starting_after"),
        ({"created[after]": 5}, "created[after]"),
    ],
)
def test_bad_parameters_are_stripes_400s(api: httpx.Client, params: dict, param: str) -> None:
    response = api.get("/v1/events", params=params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param


def test_a_wrong_key_is_a_401_that_masks_it(sandbox: SandboxProcess) -> None:
    wrong = "rk_test_thisIsNotTheSandboxKey1234"
    response = httpx.get(f"{sandbox.url}/stripe/v1/events", headers={"Authorization": f"Bearer {wrong}"})
    assert response.status_code == 401
    message = response.json()["error"]["message"]
    assert (
        message.startswith("Invalid API Key provided: rk_test_") and message.endswith("1234") and wrong not in message
    )
    with pytest.raises(stripe_sdk.AuthenticationError):
        stripe_sdk.StripeClient(wrong, base_addresses={"api": f"{sandbox.url}/stripe"}).v1.events.list()


def test_over_the_limit_is_a_429_with_retry_after(sandbox: SandboxProcess, api: httpx.Client) -> None:
    sandbox.set_rate_limits(0.04)  # one request a second
    answers = [api.get("/v1/events", params={"limit": 1}) for _ in range(3)]
    throttled = [a for a in answers if a.status_code == 429]
    assert throttled and answers[0].status_code == 200
    assert throttled[0].json()["error"]["code"] == "rate_limit"
    assert int(throttled[0].headers["Retry-After"]) >= 1 and throttled[0].headers["Stripe-Should-Retry"] == "true"


# ---------------------------------------------------------------- change feed


@pytest.mark.parametrize("kind", ["new_message", "status_change", "delete"])
def test_a_change_is_listed_and_delivered_signed_as_stripe_does(
    sandbox: SandboxProcess, api: httpx.Client, receiver: Receiver, kind: str
) -> None:
    receiver.clear()
    when = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=2)
    made = sandbox.make_changes("stripe", kind, url=f"{receiver.url}/stripe", at=when)
    assert [d["status"] for d in made["deliveries"]] == ["delivered"]
    (change,) = made["changes"]
    (delivery,) = receiver.wait_for("stripe", 1)
    event = stripe_sdk.Webhook.construct_event(
        delivery.body, delivery.header("Stripe-Signature"), STRIPE_WEBHOOK_SECRET
    )  # Stripe's own check accepts the signature
    assert event.id == change["event_id"] and event.type == change["topic"]
    assert json.loads(delivery.body) == api.get(f"/v1/events/{event.id}").json()  # the API lists what was sent
    newest = api.get("/v1/events", params={"limit": 1}).json()["data"][0]
    assert newest["id"] == event.id and newest["created"] == int(when.timestamp())
    obj = event.data.object
    if kind == "new_message":
        assert obj.status == "canceled" and obj.cancellation_details.comment == change["comment"]
        listed = api.get("/v1/subscriptions", params={"status": "canceled", "limit": 100}).json()["data"]
        assert obj.id in {s["id"] for s in listed}
    elif kind == "status_change":
        assert event.type in ("charge.dispute.updated", "charge.dispute.closed") and obj.status == change["status"]
    else:
        assert event.type == "customer.deleted"
        assert api.get(f"/v1/customers/{obj.id}").json()["deleted"] is True
    sandbox.admin("stripe", "reset")
    assert api.get(f"/v1/events/{event.id}").status_code == 404  # reset drops the change again
