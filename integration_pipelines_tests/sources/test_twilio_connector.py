"""The Twilio connector against its sandbox over real HTTP: exact message sets, paging, the window on
``date_updated``, redactions as deletes, quarantine, 429s, faults and credentials.

This module starts its own sandbox process serving the Twilio dialect. Totals come from the shared pool
of customers (``voices.scripts``): every SMS and WhatsApp turn is one message, every customer turn an
inbound one; per-day sets from the sandbox's own rendering of those turns (``render.messages``).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, timedelta

import dagster as dg
import pyarrow as pa
import pytest

from integration_pipelines.lib.http.errors import AuthenticationError, ConfigurationError, IntegrationError
from integration_pipelines.sources.twilio import OBJECTS, TwilioResource, settings
from integration_pipelines_tests.fixtures.sandbox import sandbox_resource
from vendor_sandbox import voices
from vendor_sandbox.dialects.twilio import API_KEY_SECRET, API_KEY_SID, render
from vendor_sandbox.faults import FaultConfig
from vendor_sandbox.process import SandboxProcess
from vendor_sandbox.world import World

SANDBOX_DIALECTS = "twilio"  # this module's own sandbox (fixtures vendor_server / vendor_sandbox)
SECRET = "wrong-but-secret-twilio-token-93c1"
DAY = datetime(2026, 10, 28, tzinfo=UTC)


@pytest.fixture
def sandbox(vendor_sandbox: SandboxProcess) -> SandboxProcess:
    return vendor_sandbox


def twilio(sandbox: SandboxProcess, **overrides: object) -> TwilioResource:
    resource = sandbox_resource(sandbox, "twilio", timeout_seconds=2.0, **overrides)
    assert isinstance(resource, TwilioResource)
    return resource


def pull(resource: TwilioResource, start: datetime, end: datetime) -> tuple[pa.Table, dict, list]:
    with resource.open_client() as client:
        pages = list(client.pages("messages", start, end))
        metrics = client.api.metrics.as_dict()
    table = pa.Table.from_batches([p.batch for p in pages]) if pages else pa.table({"sid": pa.array([], pa.string())})
    return table, metrics, pages


def thread(pair: str) -> str:
    """A thread's id as the contract states it: TH + 32 hex of SHA-256("{customer}|{sender}")."""
    return "TH" + hashlib.sha256(pair.encode()).hexdigest()[:32]


def expected(world: World, start: datetime, end: datetime) -> dict[str, render.Message]:
    return {m.sid: m for m in render.messages(world) if start <= m.date_updated < end}


def assert_exact(table: pa.Table, world: World, start: datetime, end: datetime) -> None:
    sids = table.column("sid").to_pylist()
    assert len(sids) == len(set(sids)), "a message arrived twice"
    want = expected(world, start, end)
    assert want and set(sids) == set(want)


def test_whole_history_is_every_turn_of_every_script(sandbox: SandboxProcess, world: World) -> None:
    """A window at the history start lists every message whenever sent: one per SMS or WhatsApp turn."""
    anchor = world.config.anchor
    assert anchor is not None
    start = anchor - timedelta(days=world.config.days + 1)
    table, metrics, pages = pull(twilio(sandbox, history_start=start.date().isoformat(), page_size=100), start, anchor)
    scripts = {channel: voices.scripts(world, channel) for channel in ("sms", "whatsapp")}
    rows = table.to_pylist()
    assert len(rows) == len({r["sid"] for r in rows}) == sum(len(s.turns) for v in scripts.values() for s in v)
    for channel, channel_scripts in scripts.items():
        inbound = [r for r in rows if r["channel"] == channel and r["direction"] == "inbound"]
        assert len(inbound) == sum(len(s.customer_turns) for s in channel_scripts)
        threads = {r["thread_id"] for r in rows if r["channel"] == channel}
        pairs = {
            f"{render.address_of(str(s.customer.phone), channel)}|{render.sender_of(channel)}" for s in channel_scripts
        }
        assert threads == {thread(pair) for pair in pairs}
        assert not any(str(s.customer.phone)[1:] in t for s in channel_scripts for t in threads)  # no number in it
    assert len(pages) == -(-len(rows) // 100) and pages[-1].end_of_stream and metrics["retries"] == 0
    assert not any(r["is_deleted"] for r in rows)


@pytest.mark.parametrize("page_size", [1000, 7])
def test_one_day_is_exact_at_any_page_size(sandbox: SandboxProcess, world: World, page_size: int) -> None:
    table, _, pages = pull(twilio(sandbox, page_size=page_size), DAY, DAY + timedelta(days=1))
    assert_exact(table, world, DAY, DAY + timedelta(days=1))
    if page_size == 7:
        assert len(pages) > 5  # the lookback days are listed too, then trimmed to the window


def test_rows_carry_twilios_fields_typed(sandbox: SandboxProcess, world: World) -> None:
    start, end = DAY - timedelta(days=2), DAY + timedelta(days=1)
    table, _, _ = pull(twilio(sandbox), start, end)
    want = expected(world, start, end)
    media = 0
    for row in table.to_pylist():
        message = want[row["sid"]]
        assert (row["body"], row["date_updated"], row["date_sent"]) == (
            message.body,
            message.date_updated.replace(microsecond=0),
            message.date_sent.replace(microsecond=0),
        )
        whatsapp = row["channel"] == "whatsapp"
        assert row["from_address"].startswith("whatsapp:") == whatsapp == row["to_address"].startswith("whatsapp:")
        assert row["direction"] in ("inbound", "outbound-api", "outbound-reply")
        assert row["status"] == ("received" if row["direction"] == "inbound" else row["status"])
        assert row["media_uri"].endswith(f"/Messages/{row['sid']}/Media.json")
        assert row["num_media"] == message.num_media and row["num_segments"] >= 1
        media += row["num_media"] > 0
    assert media > 0, "a few messages carry a photo"


def test_media_links_open_the_media_list_and_never_the_bytes(sandbox: SandboxProcess, world: World) -> None:
    photo = next(m for m in render.messages(world) if m.num_media)
    with twilio(sandbox).open_client() as client:
        listing = client.api.request_json("GET", photo.record()["subresource_uris"]["media"])
    (media,) = listing["media_list"]
    assert media["parent_sid"] == photo.sid and media["content_type"] == "image/jpeg"


def test_window_includes_its_start_and_excludes_its_end(sandbox: SandboxProcess, world: World) -> None:
    times = sorted(m.date_updated for m in render.messages(world) if DAY <= m.date_updated < DAY + timedelta(days=1))
    start, end = times[3], times[-3]
    table, _, _ = pull(twilio(sandbox, page_size=10), start, end)
    assert_exact(table, world, start, end)
    stamps = table.column("date_updated").to_pylist()
    assert start in stamps and end not in stamps


def test_a_redaction_arrives_as_a_deleted_row_in_its_own_day(sandbox: SandboxProcess, world: World) -> None:
    """Twilio's redaction (Body="") empties the body and moves date_updated; no webhook says so."""
    made = sandbox.make_changes("twilio", "delete", deliver=False, at=DAY + timedelta(hours=20))
    (change,) = made["changes"]
    assert made["deliveries"] == []
    at = datetime.fromisoformat(change["at"].replace("Z", "+00:00"))
    day = at.replace(hour=0, minute=0, second=0)
    table, _, _ = pull(twilio(sandbox), day, day + timedelta(days=1))
    rows = {r["sid"]: r for r in table.to_pylist()}
    assert (rows[change["record_id"]]["is_deleted"], rows[change["record_id"]]["body"]) == (True, "")
    assert rows[change["record_id"]]["date_updated"] == at
    assert sum(r["is_deleted"] for r in rows.values()) == 1 and len(rows) == len(set(rows))


def test_a_record_without_a_usable_date_updated_is_quarantined_and_the_rest_stays(
    sandbox: SandboxProcess, world: World
) -> None:
    at = DAY + timedelta(hours=12)
    made = [
        sandbox.admin("twilio", "poison_message", at=at.isoformat(), kind=k)["sid"] for k in ("null_version", "bad")
    ]
    table, _, pages = pull(twilio(sandbox), DAY, DAY + timedelta(days=1))
    assert_exact(table, world, DAY, DAY + timedelta(days=1))
    rejects = sorted((r.reason, r.key) for p in pages for r in p.rejects)
    assert rejects == sorted([("null_version", made[0]), ("malformed_version", made[1])])


def test_a_malformed_page_is_a_clear_error(sandbox: SandboxProcess) -> None:
    sandbox.admin("twilio", "malformed_list")
    with pytest.raises(IntegrationError, match=r"^\[twilio\] malformed messages list page: expected a 'messages'"):
        pull(twilio(sandbox), DAY, DAY + timedelta(days=1))


def test_429_with_retry_after_is_waited_out_with_nothing_lost_or_doubled(sandbox: SandboxProcess, world: World) -> None:
    sandbox.set_rate_limits(4 / 100, window_scale=1.0)  # 4 requests a second; the client is not paced
    table, metrics, _ = pull(twilio(sandbox, page_size=20), DAY, DAY + timedelta(days=1))
    assert_exact(table, world, DAY, DAY + timedelta(days=1))
    assert metrics["http_429s"] > 0 and sandbox.stats()["twilio"]["rate_limited"] == metrics["http_429s"]


def test_faults_mixed_change_nothing(sandbox: SandboxProcess, world: World) -> None:
    sandbox.set_faults(FaultConfig.mixed(0.1, rate_slow=0.0, retry_after_seconds=0, seed=3))
    table, metrics, _ = pull(twilio(sandbox, page_size=10), DAY, DAY + timedelta(days=1))
    assert_exact(table, world, DAY, DAY + timedelta(days=1))
    assert metrics["retries"] > 0


def test_an_api_key_reads_the_same(sandbox: SandboxProcess, world: World) -> None:
    resource = twilio(sandbox, auth_token=None, api_key_sid=API_KEY_SID, api_key_secret=API_KEY_SECRET)
    table, _, _ = pull(resource, DAY, DAY + timedelta(days=1))
    assert_exact(table, world, DAY, DAY + timedelta(days=1))


@pytest.mark.parametrize("credential", ["auth_token", "api_key_secret"])
def test_wrong_credentials_name_the_variables_and_never_the_secret(
    sandbox: SandboxProcess, caplog: pytest.LogCaptureFixture, credential: str
) -> None:
    caplog.set_level(logging.DEBUG)
    key = {"api_key_sid": API_KEY_SID} if credential == "api_key_secret" else {}
    resource = twilio(sandbox, **{credential: SECRET, **key})
    with pytest.raises(AuthenticationError) as excinfo:
        pull(resource, DAY, DAY + timedelta(days=1))
    message = str(excinfo.value)
    assert message.startswith("[twilio] Twilio rejected the credentials (HTTP 401)") and "20003" in message
    assert "TWILIO_ACCOUNT_SID" in message
    assert ("TWILIO_API_KEY_SECRET" if key else "TWILIO_AUTH_TOKEN") in message
    assert SECRET not in message + repr(excinfo.value) + caplog.text + repr(resource)
    assert sandbox.stats()["twilio"]["requests"] == 1, "credentials are not retried"


def test_an_unknown_account_and_missing_settings_are_configuration_errors(sandbox: SandboxProcess) -> None:
    """An API key of another account answers 404 there (with the Auth Token the SID is the user name: 401)."""
    other = twilio(sandbox, account_sid="AC" + "0" * 32, api_key_sid=API_KEY_SID, api_key_secret=API_KEY_SECRET)
    with pytest.raises(ConfigurationError, match="TWILIO_ACCOUNT_SID"):
        pull(other, DAY, DAY + timedelta(days=1))
    with pytest.raises(ConfigurationError, match="TWILIO_ACCOUNT_SID"), TwilioResource().open_client():
        pass
    with pytest.raises(ConfigurationError, match="TWILIO_AUTH_TOKEN"), TwilioResource(account_sid="AC1").open_client():
        pass


def test_page_size_is_capped_at_twilios_maximum() -> None:
    with pytest.raises(ValueError):
        TwilioResource(account_sid="AC1", auth_token="x", page_size=1001)
    assert OBJECTS["messages"].version_column == "date_updated"


def test_the_list_asks_for_gmt_days_from_the_lookback_through_the_windows_end(sandbox: SandboxProcess) -> None:
    with twilio(sandbox, update_lookback_days=2).open_client() as client:
        params = client.list_params(DAY, DAY + timedelta(days=1))
        assert params == {"PageSize": 1000, "DateSent>": "2026-10-26", "DateSent<": "2026-10-28"}
        client.history_start = DAY
        assert "DateSent>" not in client.list_params(DAY, DAY + timedelta(days=1))  # the first partition: all


def test_prod_settings_are_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TWILIO_API_KEY_SID", raising=False)
    assert settings.prod()["auth_token"] == dg.EnvVar("TWILIO_AUTH_TOKEN")
    monkeypatch.setenv("TWILIO_API_KEY_SID", "SK1")
    prod = settings.prod()
    assert (prod["account_sid"], prod["api_key_sid"], prod["api_key_secret"]) == (
        dg.EnvVar("TWILIO_ACCOUNT_SID"),
        dg.EnvVar("TWILIO_API_KEY_SID"),
        dg.EnvVar("TWILIO_API_KEY_SECRET"),
    )
    assert "auth_token" not in prod and prod["update_lookback_days"] == 3.0
