"""The Dagster UI as a person uses it, in headless Chromium (Debian's, driven by Playwright):
the asset graph shows raw, dbt and ML assets with lineage between them, a materialization
launched through Dagster's GraphQL client succeeds, and its asset checks show their results."""

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dagster import DagsterRunStatus
from dagster_graphql import DagsterGraphQLClient
from playwright.sync_api import expect, sync_playwright

from tests.orchestration.conftest import REPO, generate, start_deployment, stop

pytestmark = pytest.mark.e2e

SCREENSHOTS = REPO / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def materialize_everything(home: Path) -> None:
    env = {**os.environ, "DATAFLOW_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}
    completed = subprocess.run(
        [sys.executable, "-m", "dataflow_assets.cli.materialize"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]


def dismiss_welcome_dialog(page) -> None:
    # A fresh instance greets its first visitor with a community/newsletter dialog.
    skip = page.get_by_role("button", name="Skip")
    if skip.is_visible():
        skip.click()


def test_asset_graph_launch_and_check_results_in_the_ui(scratch_home):
    # A small sample, built before the UI starts: the page shows a populated graph, and the
    # deployment's sensors find nothing new to react to while the browser looks around.
    generate(scratch_home, 21, dt.date.today() - dt.timedelta(days=1), scale=0.3, seed=7)
    materialize_everything(scratch_home)
    deployment, process = start_deployment(scratch_home)
    try:
        port = int(deployment.url.rsplit(":", 1)[1])
        client = DagsterGraphQLClient("127.0.0.1", port_number=port)
        run_id = client.submit_job_execution(
            "__ASSET_JOB", asset_selection=[["marts", "dim_customers"]], tags={"test": "ui"}
        )
        deadline = time.monotonic() + 600
        while client.get_run_status(run_id) not in (
            DagsterRunStatus.SUCCESS,
            DagsterRunStatus.FAILURE,
            DagsterRunStatus.CANCELED,
        ):
            assert time.monotonic() < deadline, "run did not finish in time"
            time.sleep(3)
        assert client.get_run_status(run_id) == DagsterRunStatus.SUCCESS

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1600, "height": 1000})

            # The global graph collapses each group to a box; the groups and the edges between
            # them are what a newcomer sees first.
            page.goto(f"{deployment.url}/asset-groups", wait_until="networkidle")
            dismiss_welcome_dialog(page)
            for group in ("raw", "staging", "marts", "ml"):
                expect(page.get_by_text(group, exact=True).first).to_be_visible(timeout=60_000)
            page.screenshot(path=str(SCREENSHOTS / "asset-groups.png"))

            # One ML asset's upstream lineage crosses every layer: raw -> staging -> marts -> ml.
            page.goto(
                f"{deployment.url}/assets/ml/customer_segments"
                "?view=lineage&lineageScope=upstream&lineageDepth=6",
                wait_until="networkidle",
            )
            dismiss_welcome_dialog(page)
            for name in ("orders", "stg_shop__orders", "dim_customers", "customer_segments"):
                expect(page.get_by_text(name, exact=True).first).to_be_visible(timeout=60_000)
            edges = page.locator("svg path").count()
            assert edges > 10, f"only {edges} lineage edges drawn"
            page.screenshot(path=str(SCREENSHOTS / "asset-lineage.png"))

            page.goto(f"{deployment.url}/runs/{run_id}", wait_until="networkidle")
            expect(page.get_by_text("Success").first).to_be_visible(timeout=60_000)
            page.screenshot(path=str(SCREENSHOTS / "run.png"))

            page.goto(
                f"{deployment.url}/assets/marts/dim_customers?view=checks", wait_until="networkidle"
            )
            expect(page.get_by_text("Passed").first).to_be_visible(timeout=60_000)
            # Long check names are truncated on screen; the accessible text carries them whole.
            checks_list = page.locator("body").aria_snapshot()
            assert "unique_dim_customers_customer_id Succeeded" in checks_list
            assert page.get_by_text("Failed", exact=True).count() == 0
            page.screenshot(path=str(SCREENSHOTS / "asset-checks.png"))
            browser.close()
    finally:
        stop(process)
    assert all(
        Path(SCREENSHOTS / name).stat().st_size > 10_000
        for name in ("asset-groups.png", "asset-lineage.png", "run.png", "asset-checks.png")
    )
