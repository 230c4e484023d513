"""An operator's backfill, clicked in the Dagster UI: two days of Zendesk tickets, one run, and each
day's materialization carries that day's row count, the same as the lake holds for the day.

Why through the browser: a backfill launched from the UI is planned by the UI and the backfill
daemon, and with the raw assets' single-run backfill policy both days land in one run. A run over
several days once recorded the window's total on every day; only a multi-day run shows it, and this is
how operators start one. Screenshots of each stage are kept (``ui_artifacts``, path printed).
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import dagster as dg
import pyarrow.compute as pc
import pytest
from playwright.sync_api import Page, expect

from integration_pipelines.lib.lake import Lake
from integration_pipelines.lib.partitions import RANGE_END_TAG, RANGE_START_TAG
from integration_pipelines_tests.ui.conftest import DagsterDev, zendesk_ticket_ids
from vendor_sandbox.world import World

ASSET = dg.AssetKey(["raw", "zendesk", "tickets"])
BACKFILL_TIMEOUT_SECONDS = 240


def shoot(page: Page, folder: Path, name: str, full_page: bool = False) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)


def wait_for_backfill(dev: DagsterDev, instance: dg.DagsterInstance) -> tuple[str, list[dg.DagsterRun]]:
    """The id of the UI's one backfill and its runs, once it and every run it launched succeeded; a
    failed run fails at once with its errors (a backfill whose run failed still reports
    COMPLETED_SUCCESS: it counts asset partitions, and those were materialized before the failure)."""
    deadline = time.monotonic() + BACKFILL_TIMEOUT_SECONDS
    while True:
        backfills = instance.get_backfills()
        runs = []
        if backfills:
            assert len(backfills) == 1, [b.backfill_id for b in backfills]
            (backfill,) = backfills
            runs = list(instance.get_runs(dg.RunsFilter.for_backfill(backfill.backfill_id)))
            failed = [r for r in runs if r.status in (dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED)]
            assert not failed, f"backfill run failed: {run_errors(instance, failed[0])}\n{dev.log_tail()}"
            status = backfill.status.value  # BulkActionStatus, not part of dagster's public API
            assert status not in ("FAILED", "COMPLETED_FAILED", "CANCELED", "CANCELING"), backfill
            done = runs and all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
            if status == "COMPLETED_SUCCESS" and done:
                return backfill.backfill_id, runs
        if time.monotonic() > deadline:
            states = [(r.run_id, r.status.value) for r in runs]
            raise AssertionError(f"backfill not done after {BACKFILL_TIMEOUT_SECONDS}s: {backfills} {states}")
        time.sleep(2.0)


def run_errors(instance: dg.DagsterInstance, run: dg.DagsterRun) -> str:
    errors = []
    for entry in instance.all_logs(run.run_id):
        if not entry.is_dagster_event:
            continue
        error = getattr(entry.dagster_event.event_specific_data, "error", None)
        if error is not None:
            errors.append(f"{entry.step_key}: {entry.message[:300]}\n{error.to_string()[:2000]}")
        elif entry.dagster_event.is_failure:  # e.g. marked failed by a sensor: a message, no error
            errors.append(f"{entry.step_key}: {entry.message[:300]}")
    return f"run {run.run_id}: " + ("\n".join(errors) or "no error events")


def lake_day(dev: DagsterDev, day: str) -> tuple[int, set[int]]:
    """Rows and ids of the tickets the lake holds for ``day``."""
    lake = Lake(str(dev.home / "lake"))
    table = lake.read(lake.files(ASSET.path, [date.fromisoformat(day)]))
    return table.num_rows, set(pc.unique(table.column("id")).to_pylist()) if table.num_rows else set()


@pytest.mark.slow
def test_a_two_day_backfill_launched_in_the_ui_records_each_days_own_row_count(
    dagster_dev: DagsterDev, page: Page, ui_artifacts: Path, world: World, days: tuple[str, str]
) -> None:
    try:
        # the Zendesk group's lineage: raw and warehouse nodes of every object
        page.goto(f"{dagster_dev.url}/locations/integration_pipelines/asset-groups/zendesk")
        for name in ("tickets", "ticket_comments", "users", "organizations"):
            expect(page.get_by_text(name, exact=True).first).to_be_visible()
        expect(page.get_by_text("Python").first).to_be_visible()  # raw nodes' kind tags
        expect(page.get_by_text("DuckDB").first).to_be_visible()  # warehouse nodes'
        shoot(page, ui_artifacts, "01-zendesk-asset-graph")

        # narrow the graph to the raw tickets asset with the asset filter, and materialize what is shown
        page.locator(".CodeMirror").first.click()  # the filter box is a CodeMirror editor, not an <input>
        page.keyboard.type(f'key:"{ASSET.to_user_string()}"')
        page.keyboard.press("Enter")
        expect(page.get_by_text("DuckDB")).to_have_count(0)  # the warehouse nodes are gone
        shoot(page, ui_artifacts, "02-raw-tickets-selected")
        page.get_by_role("button", name="Materialize").first.click()

        dialog = page.get_by_role("dialog")
        expect(dialog.get_by_text("Launch runs to materialize raw / zendesk / tickets")).to_be_visible()
        partitions = dialog.get_by_role("textbox").first  # the partition selection, typed as a range
        partitions.fill(f"[{days[0]}...{days[1]}]")
        partitions.press("Enter")
        expect(dialog.get_by_text("2 partitions", exact=True)).to_be_visible()
        expect(dialog.get_by_text("Backfills all partitions in a single run.")).to_be_visible()
        shoot(page, ui_artifacts, "03-backfill-dialog-two-days")
        dialog.get_by_role("button", name="Launch backfill").click()
        expect(dialog).to_have_count(0)
        shoot(page, ui_artifacts, "04-backfill-launched")

        with dagster_dev.instance() as instance:
            backfill_id, runs = wait_for_backfill(dagster_dev, instance)
            # one run over both days: the case where a per-run count would be written on every day
            assert len(runs) == 1, [r.run_id for r in runs]
            (run,) = runs
            assert (run.tags.get(RANGE_START_TAG), run.tags.get(RANGE_END_TAG)) == days, run.tags

            page.goto(f"{dagster_dev.url}/runs/b/{backfill_id}")
            expect(page.get_by_text(f"{days[0]}...{days[1]}").first).to_be_visible()
            shoot(page, ui_artifacts, "05-backfill-page")

            counts = {}
            for day in days:
                (record,) = instance.fetch_materializations(
                    dg.AssetRecordsFilter(asset_key=ASSET, asset_partitions=[day]), limit=1
                ).records
                assert record.run_id == run.run_id
                metadata = {k: v.value for k, v in record.asset_materialization.metadata.items()}
                lake_rows, lake_ids = lake_day(dagster_dev, day)
                assert lake_ids == zendesk_ticket_ids(world, date.fromisoformat(day)), day  # the lake is right
                assert metadata.get("dagster/row_count") == lake_rows, (
                    f"{day}: dagster/row_count {metadata.get('dagster/row_count')!r} but the lake holds {lake_rows} "
                    f"rows for the day (metadata: {metadata})"
                )
                counts[day] = lake_rows
            assert len(set(counts.values())) == 2, f"the two days must differ to tell a day from the window: {counts}"

        page.goto(f"{dagster_dev.url}/assets/{'/'.join(ASSET.path)}?view=partitions&partition={days[1]}")
        expect(page.get_by_text("Materialized (2)")).to_be_visible()
        shoot(page, ui_artifacts, "06-raw-tickets-partitions")
        row_count = page.get_by_role("row").filter(has_text="dagster/row_count").first
        row_count.scroll_into_view_if_needed()
        expect(row_count).to_contain_text(str(counts[days[1]]))  # the day's own count, as the operator sees it
        shoot(page, ui_artifacts, "07-raw-tickets-day-row-count")
    except BaseException:
        try:
            shoot(page, ui_artifacts, "99-failure", full_page=True)
        except Exception as error:  # the browser may be what failed
            print(f"no failure screenshot: {error}")
        print(f"UI test artifacts (screenshots, dagster-dev.log): {ui_artifacts}")
        raise
