"""{VENDOR}_CONCURRENCY: how many of a vendor's objects one raw step pulls at once, read when the
definitions load; a malformed value fails the load naming the variable, like every other setting.

Also the pure scheduling of :func:`run_in_order`: results in the given order whatever finishes first,
and a failure stops the rest and is raised after what finished is handed back."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import dagster as dg
import pytest

from integration_pipelines.components.concurrent_pulls import PullCancelled, run_in_order
from integration_pipelines.components.vendor_sync import vendor_components
from integration_pipelines.definitions import defs as load_defs
from integration_pipelines.lib.settings import SettingError

DEFAULTS = {"zendesk": 1, "salesforce": 5, "hubspot": 4, "intercom": 3}


@pytest.mark.parametrize("vendor", sorted(DEFAULTS))
def test_each_vendor_declares_its_variable_and_default(vendor: str, monkeypatch: pytest.MonkeyPatch) -> None:
    variable = f"{vendor.upper()}_CONCURRENCY"
    monkeypatch.delenv(variable, raising=False)
    component = vendor_components()[vendor]
    assert component.concurrency is not None and component.concurrency.env == variable
    assert component.concurrency_degree() == DEFAULTS[vendor]
    monkeypatch.setenv(variable, "2")
    assert component.concurrency_degree() == 2


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5", ""])
@pytest.mark.parametrize("vendor", sorted(DEFAULTS))
def test_a_malformed_degree_fails_the_load_naming_its_variable(
    vendor: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    variable = f"{vendor.upper()}_CONCURRENCY"
    monkeypatch.setenv(variable, value)
    with pytest.raises(
        SettingError, match=rf"^{variable} must be an integer of at least 1 \(e\.g\. \d\), not '{value}'$"
    ):
        dg.build_defs_for_component(vendor_components()[vendor])


def test_results_come_in_the_given_order_whatever_finishes_first() -> None:
    """Four pulls at once, the first slowest: the results still come first to last."""
    running, most = [0], [0]
    lock = threading.Lock()

    def pull(index: int, seconds: float):
        def run(stop: threading.Event) -> int:
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(seconds)
            with lock:
                running[0] -= 1
            return index

        return run

    pulls = [pull(i, s) for i, s in enumerate([0.3, 0.2, 0.1, 0.0])]
    assert list(run_in_order(pulls, 4, lambda: None)) == [0, 1, 2, 3]
    assert most[0] > 1  # they did overlap
    most[0] = 0
    assert list(run_in_order(pulls, 1, lambda: None)) == [0, 1, 2, 3]
    assert most[0] == 1  # degree 1: one after another


def test_a_failure_stops_the_others_yields_what_finished_and_raises_its_error() -> None:
    """Pull 0 finishes, pull 1 fails, pull 2 pages until told to stop: 0 is handed back, then pull 1's
    own error (not pull 2's cancellation) is raised, and pull 2 did stop."""
    stopped = threading.Event()

    def done(stop: threading.Event) -> str:
        return "done"

    def fails(stop: threading.Event) -> str:
        time.sleep(0.05)
        raise RuntimeError("HTTP 500 for good")

    def pages(stop: threading.Event) -> str:
        for _ in range(500):  # at most 5 s
            if stop.is_set():
                stopped.set()
                raise PullCancelled("stopped")
            time.sleep(0.01)
        return "finished"

    results = []
    with pytest.raises(RuntimeError, match="HTTP 500 for good"):
        for result in run_in_order([done, fails, pages], 3, lambda: None):
            results.append(result)
    assert results == ["done"] and stopped.is_set()


def test_the_code_location_does_not_load_with_a_malformed_degree(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The whole code location, as ``dg`` loads it: the error behind the failed load names the variable."""
    monkeypatch.setenv("INTEGRATION_PIPELINES_ENV", "local")
    monkeypatch.setenv("INTEGRATION_PIPELINES_HOME", str(tmp_path))
    monkeypatch.setenv("HUBSPOT_CONCURRENCY", "zero")
    with pytest.raises(Exception) as excinfo:
        load_defs()
    chain, error = [], excinfo.value
    while error is not None:
        chain.append(error)
        error = error.__cause__ or error.__context__
    assert any(
        isinstance(e, SettingError)
        and str(e) == "HUBSPOT_CONCURRENCY must be an integer of at least 1 (e.g. 4), not 'zero'"
        for e in chain
    ), chain
