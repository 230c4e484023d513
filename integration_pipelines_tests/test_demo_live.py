"""`integration-pipelines demo --live`: a sandbox change reaches DuckDB and sentiment through its webhook."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest


@pytest.mark.slow
def test_live_demo_follows_a_message_and_a_delete_from_webhook_to_duckdb(tmp_path: Path) -> None:
    env = {**os.environ, "DAGSTER_HOME": "", "INTEGRATION_PIPELINES_HOME": "", "INTEGRATION_PIPELINES_ENV": "local"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "integration_pipelines.cli",
            "demo",
            "--live",
            "--conversations",
            "2000",
            "--home",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert out.count("webhook delivered after 1 attempt(s)") == 2
    assert len(re.findall(r"synced into DuckDB [\d.]+s after the change", out)) == 2
    message = re.search(r"new message '([^']+)' \((\w+)\): .* -> sentiment (negative|neutral|positive)", out)
    deleted = re.search(r"intercom\.conversations (\S+): is_deleted=True", out)
    assert message and deleted, out
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        assert (
            con.execute(
                "SELECT count(*) FROM feedback.feedback_sentiment WHERE source = 'intercom' AND message_id = ?",
                [message.group(1)],
            ).fetchone()[0]
            == 1
        )
        assert con.execute(
            "SELECT is_deleted FROM intercom.conversations WHERE id = ?", [deleted.group(1)]
        ).fetchone() == (True,)
