"""The sandbox's Twilio dialect, read by Twilio's own Python SDK (the oracle for paths, paging and the
RFC 2822 times) and by plain HTTP: every SMS and WhatsApp turn of the shared pool is one message,
filters and page links behave as Twilio documents them, errors carry Twilio's codes, and the change
feed's webhooks validate with the SDK's RequestValidator."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qsl

import httpx
import pytest
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from integration_pipelines_tests.vendor_sandbox.webhook_receiver import Receiver
from vendor_sandbox import voices
from vendor_sandbox.dialects.twilio import ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID, AUTH_TOKEN, render
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

SANDBOX_DIALECTS = "twilio"  # this module's own sandbox
LIST = f"/twilio/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
DAY = date(2026, 10, 27)


@pytest.fixture
def sandbox(vendor_sandbox: SandboxProcess) -> SandboxProcess:
    return vendor_sandbox


def sdk(sandbox: SandboxProcess, user: str = ACCOUNT_SID, password: str = AUTH_TOKEN) -> Client:
    client = Client(user, password, ACCOUNT_SID)
    client.api.base_url = f"{sandbox.url}/twilio"  # api.twilio.com, as the sandbox serves it
    return client


def get(sandbox: SandboxProcess, path: str, auth: tuple[str, str] = (ACCOUNT_SID, AUTH_TOKEN), **params: object):
    return httpx.get(f"{sandbox.url}{path}", params=params, auth=auth)


def test_the_sdk_pages_through_every_turn_of_every_script_newest_first(sandbox: SandboxProcess, world: World) -> None:
    listed = sdk(sandbox).messages.list(page_size=50)
    turns = sum(len(s.turns) for channel in ("sms", "whatsapp") for s in voices.scripts(world, channel))
    assert len(listed) == len({m.sid for m in listed}) == turns
    sent = [m.date_sent for m in listed]
    assert sent == sorted(sent, reverse=True)
    rendered = {m.sid: m for m in render.messages(world)}
    for message in listed:  # the SDK parsed the RFC 2822 times and the string counts
        mine = rendered[message.sid]
        assert (message.date_updated, message.body, message.direction) == (mine.date_updated, mine.body, mine.direction)
        assert message.num_media == str(mine.num_media) and message.account_sid == ACCOUNT_SID


def test_date_sent_filters_are_inclusive_gmt_days_or_times(sandbox: SandboxProcess, world: World) -> None:
    client = sdk(sandbox)
    start = datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC)
    that_day = {m.sid for m in render.messages(world) if start <= m.date_sent < start + timedelta(days=1)}
    by_day = get(sandbox, LIST, DateSent=DAY.isoformat(), PageSize=1000).json()["messages"]
    assert {m["sid"] for m in by_day} == that_day and that_day
    bounds = {"DateSent>": DAY.isoformat(), "DateSent<": DAY.isoformat()}  # on or after, on or before: that day
    between = get(sandbox, LIST, PageSize=1000, **bounds).json()
    assert {m["sid"] for m in between["messages"]} == that_day and between["next_page_uri"] is None
    noon = start + timedelta(hours=12)
    after_noon = client.messages.list(date_sent_after=noon, date_sent_before=start + timedelta(days=1))
    assert {m.sid for m in after_noon} == {m.sid for m in render.messages(world)
                                           if noon <= m.date_sent <= start + timedelta(days=1)}  # fmt: skip


def test_to_and_from_filter_one_thread(sandbox: SandboxProcess, world: World) -> None:
    script = voices.scripts(world, "whatsapp")[0]
    customer = f"whatsapp:{script.customer.phone}"
    sent = sdk(sandbox).messages.list(from_=customer)
    received = sdk(sandbox).messages.list(to=customer)
    threads = [m for m in render.messages(world) if m.thread == f"{customer}|{render.WHATSAPP_SENDER}"]
    assert {m.sid for m in sent} == {m.sid for m in threads if m.direction == "inbound"}
    assert {m.sid for m in received} == {m.sid for m in threads if m.direction != "inbound"}


def test_page_links_carry_the_filters_and_a_page_token(sandbox: SandboxProcess) -> None:
    first = get(sandbox, LIST, PageSize=3, **{"DateSent>": "2026-10-25"}).json()
    assert first["page"] == 0 and len(first["messages"]) == 3
    following = first["next_page_uri"]
    query = dict(parse_qsl(following.split("?", 1)[1]))
    assert following.startswith(f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json?")
    assert query["DateSent>"] == "2026-10-25" and query["PageToken"] == "PA" + first["messages"][-1]["sid"]
    second = httpx.get(f"{sandbox.url}/twilio{following}", auth=(ACCOUNT_SID, AUTH_TOKEN)).json()
    assert second["page"] == 1 and not {m["sid"] for m in second["messages"]} & {m["sid"] for m in first["messages"]}


def test_messages_and_their_media_are_fetched_by_sid(sandbox: SandboxProcess, world: World) -> None:
    photo = next(m for m in render.messages(world) if m.num_media)
    client = sdk(sandbox)
    fetched = client.messages(photo.sid).fetch()
    assert (fetched.sid, fetched.num_media, fetched.subresource_uris["media"]) == (
        photo.sid,
        "1",
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{photo.sid}/Media.json",
    )
    (media,) = client.messages(photo.sid).media.list()
    assert media.parent_sid == photo.sid and media.content_type == "image/jpeg"
    plain = next(m for m in render.messages(world) if not m.num_media)
    assert photo.sid.startswith("MM") and plain.sid.startswith("SM")


def test_credentials_and_errors_as_twilio_answers_them(sandbox: SandboxProcess) -> None:
    assert get(sandbox, LIST, auth=(API_KEY_SID, API_KEY_SECRET), PageSize=1).status_code == 200
    wrong = get(sandbox, LIST, auth=(ACCOUNT_SID, "not-the-token"))
    assert wrong.status_code == 401 and wrong.json()["code"] == 20003
    other = get(sandbox, LIST.replace(ACCOUNT_SID, "AC" + "1" * 32), auth=(API_KEY_SID, API_KEY_SECRET))
    assert other.status_code == 404 and other.json()["code"] == 20404
    assert get(sandbox, LIST, PageSize=1001).status_code == 400
    assert get(sandbox, LIST, PageToken="PAnothing").status_code == 400
    assert get(sandbox, f"/twilio/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/SM{'0' * 32}.json").json()["code"] == 20404


def test_change_feed_webhooks_validate_with_the_sdk_and_retry_identically(
    sandbox: SandboxProcess, receiver: Receiver
) -> None:
    receiver.clear()
    receiver.script("/webhooks/twilio", 500)  # the first attempt fails: Twilio retries the same request
    url = f"{receiver.url}/twilio"
    made = sandbox.make_changes("twilio", "new_message", url=url)
    assert made["deliveries"][0]["status"] == "delivered" and made["deliveries"][0]["attempts"] == 2
    first, second = receiver.wait_for("twilio", 2)
    assert (first.body, first.header("X-Twilio-Signature"), first.header("I-Twilio-Idempotency-Token")) == (
        second.body,
        second.header("X-Twilio-Signature"),
        second.header("I-Twilio-Idempotency-Token"),
    )
    params = dict(parse_qsl(first.body.decode(), keep_blank_values=True))
    assert RequestValidator(AUTH_TOKEN).validate(url, params, first.header("X-Twilio-Signature"))
    assert not RequestValidator("another-token").validate(url, params, first.header("X-Twilio-Signature"))
    (change,) = made["changes"]
    assert params["MessageSid"] == change["record_id"] and params["SmsStatus"] == "received"
    listed = sdk(sandbox).messages(change["record_id"]).fetch()
    assert (listed.body, listed.direction, listed.from_) == (params["Body"], "inbound", params["From"])

    status = sandbox.make_changes("twilio", "status_change", url=url)
    (callback,) = receiver.wait_for("twilio", 3)[2:]
    fields = dict(parse_qsl(callback.body.decode()))
    assert fields["MessageStatus"] == status["changes"][0]["status"] in ("delivered", "read")
    assert RequestValidator(AUTH_TOKEN).validate(url, fields, callback.header("X-Twilio-Signature"))
    redaction = sandbox.make_changes("twilio", "delete", url=url)
    assert (
        redaction["deliveries"] == [] and sdk(sandbox).messages(redaction["changes"][0]["record_id"]).fetch().body == ""
    )
