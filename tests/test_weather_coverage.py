"""The weather-coverage check: per store, the share of business days with weather; a warning."""

import datetime as dt

import duckdb
from dagster import AssetCheckSeverity

from dataflow_assets.defs.weather.checks import coverage_verdict, weather_coverage
from dataflow_assets.lib.warehouse import Warehouse


def write_sales_mart(path, weather_days: dict[str, int], days: int = 100) -> None:
    """marts.dim_stores and marts.fct_daily_store_sales with weather on each store's first days."""
    first = dt.date(2019, 1, 1)
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts")
        connection.execute(
            "create table marts.dim_stores (store_key varchar, is_unknown_member boolean)"
        )
        connection.execute(
            "create table marts.fct_daily_store_sales (store_key varchar, store_id varchar, "
            "store_name varchar, sales_date date, temperature_mean_celsius double)"
        )
        connection.execute("insert into marts.dim_stores values ('unknown', true)")
        for name, with_weather in weather_days.items():
            connection.execute("insert into marts.dim_stores values (?, false)", [name])
            connection.executemany(
                "insert into marts.fct_daily_store_sales values (?, ?, ?, ?, ?)",
                [
                    (
                        name,
                        name,
                        name,
                        first + dt.timedelta(days=n),
                        10.0 if n < with_weather else None,
                    )
                    for n in range(days)
                ],
            )
        # Orders of no known store: not a store's business day.
        connection.execute(
            "insert into marts.fct_daily_store_sales values ('unknown', '-1', 'Unknown', ?, null)",
            [first],
        )


def test_every_store_covered_passes_with_the_shares(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    write_sales_mart(warehouse, {"Brooklyn": 100, "Chicago": 85})
    result = weather_coverage(warehouse=Warehouse(database=str(warehouse)))

    assert result.passed
    assert result.severity == AssetCheckSeverity.WARN
    table = result.metadata["coverage_by_store"].value
    assert "| Brooklyn | 100 | 100 | 100% |" in table
    assert "| Chicago | 100 | 85 | 85% |" in table
    assert "Unknown" not in table
    assert result.metadata["lowest_share"].value == 0.85


def test_a_store_without_weather_warns_naming_it_and_how_to_fetch_the_period(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    write_sales_mart(warehouse, {"Brooklyn": 100, "Philadelphia": 0})
    result = weather_coverage(warehouse=Warehouse(database=str(warehouse)))

    assert not result.passed
    assert result.severity == AssetCheckSeverity.WARN
    assert "Philadelphia 0% (0 of 100 days)" in result.description
    assert "Brooklyn" not in result.description
    assert "fitted without weather" in result.description
    assert "DATAFLOW_WEATHER_API_URL=https://archive-api.open-meteo.com/v1/archive" in (
        result.description
    )
    assert "raw/weather for 2019-01-01...2019-04-10" in result.description


def test_no_sales_yet_is_nothing_to_warn_about():
    assert coverage_verdict([], 0.8) == (True, "no store has sales days yet", "none")
