"""The static docs site in a real headless browser: Debian's Chromium, driven by Playwright."""

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser_page():
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: install Debian's `chromium` package (.ci/run does).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 900})
        finally:
            browser.close()


def test_docs_page_shows_a_models_column_descriptions_and_its_lineage(docs_site, browser_page):
    page = browser_page
    site = (docs_site / "static_index.html").resolve()
    page.goto(f"{site.as_uri()}#!/model/model.dataflow.dim_customers")

    page.get_by_text("midday_order_share", exact=True).first.wait_for(timeout=30_000)
    body = page.inner_text("body")
    assert "Placed from 11:00 up to 14:00" in body.replace("Midday: placed", "Placed")
    assert "Analytics engineering" in body  # the group's owner
    assert "Enforced" in body  # the contract

    page.locator(".launcher-btn").first.click()
    page.get_by_text("Lineage Graph").first.wait_for(timeout=30_000)
    lineage = page.wait_for_function(
        """() => {
            const graph = document.querySelector('#cy');
            const nodes = graph && graph._cyreg && graph._cyreg.cy.nodes();
            return nodes && nodes.length ? nodes.map(node => node.data('label')) : null;
        }""",
        timeout=30_000,
    ).json_value()
    assert "int_orders__enriched" in lineage  # upstream
    assert "fct_orders" in lineage  # downstream
    assert "Customer segments (ml.customer_segments)" in lineage  # the ML exposure


def test_docs_page_of_a_metric_explains_it_for_a_stakeholder(docs_site, browser_page):
    page = browser_page
    site = (docs_site / "static_index.html").resolve()
    page.goto(f"{site.as_uri()}#!/metric/metric.dataflow.revenue")

    page.get_by_text("Revenue metric", exact=True).first.wait_for(timeout=30_000)
    body = page.inner_text("body")
    assert "What customers paid for their orders, tax included, in dollars" in body
    assert "Semantic Models\norders" in body  # what it is computed from

    # The standard questions have pages too, naming the table their Dagster asset keeps.
    page.goto(f"{site.as_uri()}#!/saved_query/saved_query.dataflow.daily_revenue_by_store")
    page.get_by_text("daily_revenue_by_store saved_query", exact=True).first.wait_for(
        timeout=30_000
    )
    body = page.inner_text("body")
    assert "Table metrics.daily_revenue_by_store" in body
    assert "average_order_value" in body  # the metrics it asks for
