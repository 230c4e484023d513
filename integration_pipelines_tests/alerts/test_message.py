"""The alert text: what it names, and that secrets are masked in every form before anything is cut."""

from __future__ import annotations

import json
from urllib.parse import quote

from integration_pipelines.lib.alerts.message import MAX_STEPS_LISTED, FailedRun, StepError, build_message
from integration_pipelines.lib.alerts.secrets import alert_redactor, env_vars_in_config, sensitive_environment_values

SECRET = 'tok-"Q9/+=&x7Secret'
URL = "http://127.0.0.1:3000/runs/r-1"


def test_a_secret_straddling_the_cut_is_masked_not_half_shown() -> None:
    """Cutting before redacting would leave the secret's first half, which no redactor recognises."""
    error = "x" * 1490 + SECRET + " tail"
    run = FailedRun("job", "r-1", URL, steps=(StepError("step", error),))
    message = build_message(run, alert_redactor([SECRET]), error_chars=1500)
    assert SECRET[:5] not in message.text and "***" in message.text
    assert "tail" in message.text  # the mask is shorter than the secret: the rest now fits


def test_every_form_of_a_secret_is_masked() -> None:
    forms = [SECRET, quote(SECRET, safe=""), quote(SECRET), json.dumps(SECRET)[1:-1]]
    run = FailedRun("job", "r-1", URL, steps=(StepError("step", " | ".join(forms)),))
    message = build_message(run, alert_redactor([SECRET]))
    for form in forms:
        assert form not in message.text and form not in message.short_text
    assert message.text.count("***") == len(forms)


def test_many_failed_steps_are_listed_up_to_a_limit_and_the_sms_stays_short() -> None:
    steps = tuple(StepError(f"step_{i}", "boom " * 200) for i in range(MAX_STEPS_LISTED + 2))
    run = FailedRun("job", "r-1", URL, partition_range=("2026-10-01", "2026-10-07"), steps=steps)
    message = build_message(run, alert_redactor([]))
    assert message.text.count("Failed step:") == MAX_STEPS_LISTED
    assert f"Also failed: step_{MAX_STEPS_LISTED}, step_{MAX_STEPS_LISTED + 1}" in message.text
    assert "Partitions: 2026-10-01 to 2026-10-07" in message.text
    assert "(+6 more)" in message.short_text and URL in message.short_text
    assert len(message.short_text) < 320  # two SMS segments at most


def test_a_run_that_failed_outside_any_step_says_why() -> None:
    run = FailedRun("job", "r-1", URL, run_error="run worker exited unexpectedly")
    message = build_message(run, alert_redactor([]))
    assert "Error: run worker exited unexpectedly" in message.text and "Failed step" not in message.text
    assert message.subject == "Dagster run failed: job"


def test_secrets_are_found_in_resource_config_and_in_the_environment() -> None:
    config = {
        "api_token": {"env": "ACME_LOGIN"},
        "subdomain": {"env": "ACME_SUBDOMAIN"},
        "retries": 3,
        "nested": {"client_secret": {"env": "ACME_CS"}},
    }
    assert sorted(env_vars_in_config(config)) == [
        ("api_token", "ACME_LOGIN"),
        ("client_secret", "ACME_CS"),
        ("subdomain", "ACME_SUBDOMAIN"),
    ]
    environ = {
        "AWS_SECRET_ACCESS_KEY": "aws-secret",
        "BIGQUERY_CREDENTIALS": "b64json",
        "HOME": "/root",
        "DAGSTER_PG_PASSWORD": "pg-pass",
        "ZENDESK_SUBDOMAIN": "acme",
    }
    assert sorted(sensitive_environment_values(environ)) == ["aws-secret", "b64json", "pg-pass"]
