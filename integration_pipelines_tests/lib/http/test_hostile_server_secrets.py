"""A server that echoes our token in every encoding cannot get it into anything a run leaves behind.

The hostile-server probe found a token in Dagster's event log, the compute logs and stderr: bodies were
cut before redaction (a copy across the cut kept all but its tail) and a JSON ``\\/`` escape hid the
rest. Here a real ``dagster asset materialize`` subprocess pulls Intercom's raw assets from
:class:`HostileServer`, and everything the run wrote is searched for the token and for any 12
characters of it, decoded every way (percent, JSON escapes, base64 at each alignment).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import subprocess
import sys
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from integration_pipelines_tests.fixtures.hostile import HostileServer, hostile_server
from integration_pipelines_tests.fixtures.leaks import readable

__all__ = ["hostile_server"]  # the fixture, imported so pytest finds it

WINDOW = 12  # no run of this many token characters may survive anywhere


def _token() -> str:
    """Random, and with the characters escapes treat specially (``/ + = - _``)."""
    return f"hx/{secrets.token_urlsafe(12)}+{secrets.token_urlsafe(6)}={secrets.token_hex(4)}"


def _files_text(root: Path) -> dict[str, str]:
    """Every file under ``root`` (SQLite event logs included, read as bytes) as text."""
    return {
        str(path.relative_to(root)): path.read_bytes().decode("utf-8", errors="replace")
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_hostile_error_bodies_leave_no_trace_of_the_token(hostile_server: HostileServer, tmp_path: Path) -> None:
    token = _token()
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "HOSTILE_HOME": str(tmp_path / "data"),
        "HOSTILE_URL": hostile_server.url,
        "INTERCOM_ACCESS_TOKEN": token,
        "PYTHONUNBUFFERED": "1",
    }
    day = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    command = [
        sys.executable,
        "-m",
        "dagster",
        "asset",
        "materialize",
        "-m",
        "integration_pipelines_tests.fixtures.hostile_defs",
        "--select",
        "raw/intercom/contacts,raw/intercom/conversations",
        "--partition",
        day,
        "--config-json",  # one process fewer to start; compute logs are still captured per step
        json.dumps({"execution": {"config": {"in_process": {}}}}),
    ]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180, cwd=Path.cwd())
    replay = f"(hostile server seed {hostile_server.seed}, token {token!r})"

    # the attack really happened: the server saw our token, and both errors reached the run's record
    assert hostile_server.tokens == {token}, replay
    assert hostile_server.requests["/conversations/search"] >= 2  # a 503 retried, then the 401
    assert proc.returncode != 0, proc.stdout[-2000:]
    with dg.DagsterInstance.from_config(str(home)) as instance:
        (run,) = instance.get_run_records()
        entries = instance.all_logs(run.dagster_run.run_id)
        events = "\n".join(dg.serialize_value(entry) for entry in entries)
    assert "Intercom rejected the access token (HTTP 401)" in events, events[-3000:]
    assert "***" in events  # the quoted bodies arrived, masked
    files = _files_text(home / "storage")
    assert any("compute_logs" in name for name in files), sorted(files)

    texts = {"event log": events, "stdout": proc.stdout, "stderr": proc.stderr, **files}
    leaks = [name for name, text in texts.items() if readable(token, text, window=WINDOW)]
    assert not leaks, f"token readable in {leaks} {replay}"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_oracle_finds_a_token_cut_before_redaction(seed: int) -> None:
    """The tests here must be able to fail: the old order (cut, then redact) leaves a readable piece."""
    import random

    from integration_pipelines.lib.http.redact import Redactor
    from integration_pipelines_tests.fixtures.hostile import hostile_body

    token = _token()
    body = hostile_body(token, random.Random(seed), 200)
    redactor = Redactor([token], share=False)
    assert readable(token, redactor.text(body[:200]), window=WINDOW)
    assert not readable(token, redactor.snippet(body, 200), window=WINDOW)


def test_a_422_quoted_by_the_shared_client_keeps_no_piece_of_the_token(
    hostile_server: HostileServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The shared client's own cut (300 characters) on Intercom's contacts search, in process."""
    from integration_pipelines.lib.http.errors import ResponseError
    from integration_pipelines.sources.intercom import IntercomResource

    token = _token()
    caplog.set_level(logging.DEBUG)
    resource = IntercomResource(access_token=token, base_url=hostile_server.url, backoff_seconds=0.01, max_attempts=3)
    with pytest.raises(ResponseError) as raised, resource.open_client() as client:
        list(client.pages("contacts", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)))
    text = "\n".join(traceback.format_exception(raised.value))
    assert "HTTP 422" in text and "***" in text and hostile_server.tokens == {token}
    assert not readable(token, text, window=WINDOW) and not readable(token, caplog.text, window=WINDOW)


@pytest.mark.parametrize("vendor", ["openai", "anthropic"])
def test_an_llm_key_echoed_by_the_vendor_keeps_no_piece_of_it(
    hostile_server: HostileServer, vendor: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The LLM path: the SDK's error quotes the body; we redact it, then cut it at 300 characters."""
    from integration_pipelines.lib.http.errors import AuthenticationError
    from integration_pipelines.lib.http.retry import RetryPolicy
    from integration_pipelines.lib.text.sentiment.base import SentimentRequest
    from integration_pipelines.lib.text.sentiment.llm import AnthropicProvider, OpenAICompatibleProvider

    key = "sk-" + _token()
    caplog.set_level(logging.DEBUG)
    options = {"api_key": key, "retry": RetryPolicy(base_delay=0.01, max_delay=0.02), "timeout": 5.0}
    provider = (
        OpenAICompatibleProvider("gpt-4o-mini", base_url=hostile_server.url, **options)
        if vendor == "openai"
        else AnthropicProvider("claude-haiku-4-5", base_url=hostile_server.url, **options)
    )
    with pytest.raises(AuthenticationError) as raised:
        provider.score([SentimentRequest("1", "the parcel never came", "en")])
    provider.close()
    text = "\n".join(traceback.format_exception(raised.value))
    assert "401" in text and "***" in text and hostile_server.tokens == {key}
    assert not readable(key, text, window=WINDOW) and not readable(key, caplog.text, window=WINDOW)
