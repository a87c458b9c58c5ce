"""The Dagster UI as a person uses it, in headless Chromium (Debian's, driven by Playwright):
the asset graph shows raw, dbt and ML assets with lineage between them, a materialization
launched through Dagster's GraphQL client succeeds, and its asset checks show their results."""

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

from dagster import DagsterRunStatus
from dagster_graphql import DagsterGraphQLClient
from playwright.sync_api import expect, sync_playwright

from tests.orchestration.conftest import REPO, generate, start_deployment, stop

SCREENSHOTS = REPO / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def materialize_everything(deployment) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "dataflow_assets.materialize"],
        cwd=REPO,
        env=deployment.env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]


def test_asset_graph_launch_and_check_results_in_the_ui(scratch_home):
    # The same sample as the end-to-end test of `make run`, so the whole graph (the forecast's
    # blocking backtest check included) is built the way that test proves it builds.
    generate(scratch_home, 60, dt.date.today() - dt.timedelta(days=1), scale=0.5, seed=7)
    deployment, process = start_deployment(scratch_home)
    try:
        materialize_everything(deployment)
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

            page.goto(f"{deployment.url}/asset-groups", wait_until="networkidle")
            for name in (
                "orders",
                "stg_shop__orders",
                "fct_orders",
                "dim_customers",
                "customer_segments",
            ):
                expect(page.get_by_text(name, exact=True).first).to_be_visible(timeout=60_000)
            edges = page.locator("svg path[data-testid], svg g path").count()
            assert edges > 10, f"only {edges} lineage edges drawn"
            page.screenshot(path=str(SCREENSHOTS / "asset-graph.png"))

            page.goto(f"{deployment.url}/runs/{run_id}", wait_until="networkidle")
            expect(page.get_by_text("Success").first).to_be_visible(timeout=60_000)
            page.screenshot(path=str(SCREENSHOTS / "run.png"))

            page.goto(
                f"{deployment.url}/assets/marts/dim_customers?view=checks", wait_until="networkidle"
            )
            expect(page.get_by_text("unique_dim_customers_customer_id").first).to_be_visible(
                timeout=60_000
            )
            expect(page.get_by_text("Passed").first).to_be_visible(timeout=60_000)
            page.screenshot(path=str(SCREENSHOTS / "asset-checks.png"))
            browser.close()
    finally:
        stop(process)
    assert all(
        Path(SCREENSHOTS / name).stat().st_size > 10_000 for name in ("asset-graph.png", "run.png")
    )
