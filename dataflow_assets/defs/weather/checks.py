"""How much of each store's sales history has weather: an advisory check on the sales mart.

Weather is an optional input of the revenue forecast (see docs/ml.md): below the forecast's
floor the model is fitted without it. A history with no weather is no error (a jafgen dump of
2018-2021 against the offline snapshot of the sample period has none), but it should be seen.
"""

from __future__ import annotations

from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue, asset_check

from dataflow_assets.lib.dbt import dbt_model_key
from dataflow_assets.lib.warehouse import DUCKDB_POOL, Warehouse

DAILY_STORE_SALES = dbt_model_key("fct_daily_store_sales")
# The endpoint to name when the offline snapshot lacks a period (docs/configuration.md).
LIVE_WEATHER_API = "https://archive-api.open-meteo.com/v1/archive"

COVERAGE_SQL = """
    select
        sales.store_id,
        sales.store_name,
        count(*) as business_days,
        count(sales.temperature_mean_celsius) as days_with_weather,
        min(sales.sales_date) as first_day,
        max(sales.sales_date) as last_day
    from marts.fct_daily_store_sales as sales
    inner join marts.dim_stores as stores using (store_key)
    where not stores.is_unknown_member
    group by 1, 2
    order by 2
"""


def coverage_verdict(
    rows: list[tuple[str, str, int, int, object, object]], floor: float
) -> tuple[bool, str, str]:
    """(passed, description, markdown table) from per-store (id, name, days, days with weather,
    first day, last day); passes when every store has weather on at least ``floor`` of its days."""
    if not rows:
        return True, "no store has sales days yet", "none"
    thin = [r for r in rows if r[3] < floor * r[2]]
    table = "\n".join(
        [
            "| store | business days | with weather | share |",
            "|---|---:|---:|---:|",
            *(f"| {r[1]} | {r[2]:,} | {r[3]:,} | {r[3] / r[2]:.0%} |" for r in rows),
        ]
    )
    if not thin:
        return True, f"every store has weather on at least {floor:.0%} of its business days", table
    first, last = min(r[4] for r in thin), max(r[5] for r in thin)
    shares = ", ".join(f"{r[1]} {r[3] / r[2]:.0%} ({r[3]:,} of {r[2]:,} days)" for r in thin)
    return (
        False,
        f"Weather on under {floor:.0%} of business days: {shares}. The revenue forecast is "
        "fitted without weather where it is this thin. If the offline snapshot does not cover "
        f"the period, fetch it from the live API: set DATAFLOW_WEATHER_API_URL={LIVE_WEATHER_API} "
        f"and materialize raw/weather for {first}...{last}, then the marts.",
        table,
    )


@asset_check(
    asset=DAILY_STORE_SALES,
    name="weather_coverage",
    description=(
        "Per store, the share of business days that have weather. Warns when a store has "
        "weather on under 80% of its days (the revenue forecast then fits without weather); "
        "never blocks anything."
    ),
    pool=DUCKDB_POOL,
)
def weather_coverage(warehouse: Warehouse) -> AssetCheckResult:
    # The forecast's own floor, so the warning and the fit agree (imported late: scikit-learn).
    from ml_assets.forecasting import MIN_WEATHER_COVERAGE

    with warehouse.connect(read_only=True) as connection:
        rows = connection.execute(COVERAGE_SQL).fetchall()
    passed, description, table = coverage_verdict(rows, MIN_WEATHER_COVERAGE)
    return AssetCheckResult(
        passed=passed,
        severity=AssetCheckSeverity.WARN,
        description=description,
        metadata={
            "coverage_by_store": MetadataValue.md(table),
            "lowest_share": round(min((r[3] / r[2] for r in rows), default=1.0), 4),
            "coverage_floor": MIN_WEATHER_COVERAGE,
        },
    )
