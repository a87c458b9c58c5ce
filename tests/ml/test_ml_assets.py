"""The ML assets materialized into a temporary DuckDB file and a temporary Dagster instance."""

import json

import duckdb
import numpy as np
import pandas as pd
import pytest
from dagster import AssetKey, AssetSelection, DagsterInstance, materialize

from dataflow_assets.lib.warehouse import Warehouse
from ml_assets import ml_asset_checks, ml_assets
from ml_assets.cadence import REFIT_TAG
from tests.ml.synthetic import planted_customers, planted_store_sales

FORECAST = AssetKey(["ml", "revenue_forecast"])
BACKTEST = AssetKey(["ml", "forecast_backtest"])


def write_marts(path, customers: pd.DataFrame, sales: pd.DataFrame) -> None:
    customers = customers.drop(columns="planted_group").assign(
        customer_key=lambda frame: "key-" + frame["customer_id"],
        customer_name="Someone",
        customer_type="returning",
    )
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts")
        connection.register("customers", customers)
        connection.register("sales", sales.drop(columns="expected_revenue"))
        connection.execute("create table marts.dim_customers as select * from customers")
        connection.execute("create table marts.fct_daily_store_sales as select * from sales")


def tables(path) -> set[str]:
    with duckdb.connect(str(path), read_only=True) as connection:
        rows = connection.execute(
            "select table_name from duckdb_tables() where schema_name = 'ml'"
        ).fetchall()
    return {name for (name,) in rows}


def run(path, selection=None, tags=None):
    return materialize(
        [*ml_assets, *ml_asset_checks],
        resources={"warehouse": Warehouse(database=str(path))},
        instance=DagsterInstance.ephemeral(),
        selection=selection,
        raise_on_error=False,
        tags=tags,
    )


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("DATAFLOW_HOME", str(tmp_path))
    return tmp_path


def test_ml_assets_publish_their_tables_pass_their_checks_and_keep_artifacts(home):
    warehouse = home / "warehouse.duckdb"
    write_marts(warehouse, planted_customers(), planted_store_sales())
    result = run(warehouse)

    assert result.success
    assert tables(warehouse) == {
        "customer_segments",
        "segment_profiles",
        "forecast_backtest",
        "revenue_forecast",
    }
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"segmentation_quality": True, "forecast_beats_seasonal_naive": True}
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        segments = connection.execute("select * from ml.customer_segments").df()
        forecast = connection.execute("select * from ml.revenue_forecast").df()
    assert {"customer_id", "segment_id", "segment_name", "distance_to_centre"} <= set(segments)
    assert {"store_id", "date", "prediction", "prediction_lower", "prediction_upper"} <= set(
        forecast
    )
    for model in ("customer_segments", "forecast_backtest", "revenue_forecast"):
        (card,) = (home / "artifacts" / model).glob("*.json")
        assert card.with_suffix(".joblib").exists()
        assert json.loads(card.read_text())["libraries"]["scikit-learn"]


def test_metadata_shows_metrics_tables_and_embedded_charts(home):
    warehouse = home / "warehouse.duckdb"
    write_marts(warehouse, planted_customers(), planted_store_sales())
    result = run(warehouse)

    segments = result.asset_materializations_for_node("customer_segments")
    by_key = {m.asset_key: m.metadata for m in segments}
    metadata = by_key[AssetKey(["ml", "customer_segments"])]
    assert "kmeans" in metadata["model"].value or "gaussian" in metadata["model"].value
    assert "silhouette" in metadata["model_comparison"].value
    assert "data:image/svg+xml;base64," in metadata["segment_profiles"].value
    (backtest,) = result.asset_materializations_for_node("ml__forecast_backtest")
    assert "data:image/svg+xml;base64," in backtest.metadata["actual_vs_predicted"].value
    assert "seasonal_naive" in backtest.metadata["overall"].value


def weekly_pattern_sales() -> pd.DataFrame:
    """Revenue that repeats exactly every week: the seasonal-naive baseline is perfect."""
    sales = planted_store_sales(days=200)
    weekday = pd.to_datetime(sales["sales_date"]).dt.day_of_week
    return sales.assign(revenue=np.array([500.0, 520, 480, 510, 530, 900, 800])[weekday])


def test_a_forecast_that_loses_to_seasonal_naive_is_not_published(home):
    warehouse = home / "warehouse.duckdb"
    write_marts(warehouse, planted_customers(), weekly_pattern_sales())
    result = run(warehouse, selection=AssetSelection.assets(BACKTEST, FORECAST))

    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"forecast_beats_seasonal_naive": False}
    assert not result.asset_materializations_for_node("ml__revenue_forecast")
    assert tables(warehouse) == {"forecast_backtest"}


def test_materializing_the_forecast_alone_after_a_losing_backtest_publishes_nothing(home):
    warehouse = home / "warehouse.duckdb"
    write_marts(warehouse, planted_customers(), weekly_pattern_sales())
    run(warehouse, selection=AssetSelection.assets(BACKTEST).without_checks())

    result = run(warehouse, selection=AssetSelection.assets(FORECAST))
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "not published" in str(failure.event_specific_data.error.message)
    assert "revenue_forecast" not in tables(warehouse)


def test_too_young_a_data_set_publishes_nothing_and_fails_nothing(home):
    warehouse = home / "warehouse.duckdb"
    write_marts(warehouse, planted_customers(per_group=5), planted_store_sales(days=21))
    result = run(warehouse)

    assert result.success
    assert result.get_asset_check_evaluations() == []
    assert tables(warehouse) == set()
    assert not result.get_asset_materialization_events()


FRIDAY, SATURDAY, SUNDAY = "2024-10-25", "2024-10-26", "2024-10-27"
SEGMENTS = AssetKey(["ml", "customer_segments"])


def marts_as_of(path, last_day: str, sales: pd.DataFrame) -> None:
    """The marts as they stand once ``last_day``'s files are in (replacing earlier ones)."""
    with duckdb.connect(str(path)) as connection:
        connection.execute("drop schema if exists marts cascade")
    known = sales[pd.to_datetime(sales["sales_date"]) <= pd.Timestamp(last_day)]
    write_marts(path, planted_customers(per_group=60, last_day=last_day), known)


def cadence(result) -> dict[AssetKey, tuple[bool, str, str]]:
    """Each ML output's (refit, model_version, refit_reason) from its materialization."""
    return {
        event.asset_key: (
            event.metadata["refit"].value,
            event.metadata["model_version"].value,
            event.metadata["refit_reason"].value,
        )
        for event in (e.materialization for e in result.get_asset_materialization_events())
    }


def published_versions(path) -> dict[str, set[str]]:
    with duckdb.connect(str(path), read_only=True) as connection:
        return {
            table: {
                v
                for (v,) in connection.execute(
                    f"select distinct model_version from ml.{table}"
                ).fetchall()
            }
            for table in (
                "customer_segments",
                "segment_profiles",
                "forecast_backtest",
                "revenue_forecast",
            )
        }


def test_days_between_weekly_refits_are_scored_with_the_stored_models(home):
    warehouse, sales = home / "warehouse.duckdb", planted_store_sales(days=301)
    marts_as_of(warehouse, FRIDAY, sales)
    fitted = cadence(run(warehouse))
    assert all(refit for refit, _, _ in fitted.values()) and len(fitted) == 4

    marts_as_of(warehouse, SATURDAY, sales)
    result = run(warehouse)
    scored = cadence(result)
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"segmentation_quality": True, "forecast_beats_seasonal_naive": True}
    for key, (refit, version, reason) in scored.items():
        assert not refit, (key, reason)
        assert version == fitted[key][1]
    assert "next weekly refit is on the data of 2024-10-27" in scored[FORECAST][2]
    assert "reused" in scored[BACKTEST][2]
    assert published_versions(warehouse) == {
        "customer_segments": {fitted[SEGMENTS][1]},
        "segment_profiles": {fitted[SEGMENTS][1]},
        "forecast_backtest": {fitted[BACKTEST][1]},
        "revenue_forecast": {fitted[FORECAST][1]},
    }
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        first_day, history_end = connection.execute(
            "select min(date), max(history_end_date) from ml.revenue_forecast"
        ).fetchone()
    assert (str(first_day), str(history_end)) == ("2024-10-27", SATURDAY)
    for model in ("customer_segments", "forecast_backtest", "revenue_forecast"):
        assert len(list((home / "artifacts" / model).glob("*.joblib"))) == 1

    forced = cadence(run(warehouse, tags={REFIT_TAG: "true"}))
    for key, (refit, version, reason) in forced.items():
        assert refit and "forced" in reason
        assert version != fitted[key][1]


def test_the_sunday_data_refit_every_model_and_the_backtest_fits_one_new_origin(home):
    warehouse, sales = home / "warehouse.duckdb", planted_store_sales(days=301)
    marts_as_of(warehouse, SATURDAY, sales)
    fitted = cadence(run(warehouse))

    marts_as_of(warehouse, SUNDAY, sales)
    result = run(warehouse)
    refitted = cadence(result)
    assert result.success
    for key, (refit, version, _) in refitted.items():
        assert refit and version != fitted[key][1]
    assert refitted[SEGMENTS][2].startswith("weekly refit")
    assert refitted[FORECAST][2].startswith("weekly refit")
    (backtest,) = result.asset_materializations_for_node("ml__forecast_backtest")
    assert backtest.metadata["origins_fitted"].value == 1
    assert backtest.metadata["origins_reused"].value == 7
