"""The forecast works with whatever inputs exist: missing weather, young, closed and silent stores.

Each case is a small synthetic mart shaped like one a real data set produced; none may crash a
fit, and every published number must be a number.
"""

import numpy as np
import pandas as pd
import pytest

from ml_assets.forecasting import (
    HORIZON_DAYS,
    MIN_WEATHER_COVERAGE,
    TRAILING_MEAN,
    WEATHER,
    backtest_metrics,
    backtest_origins,
    beats_baseline,
    fit_model,
    forecast_revenue,
    interval_bounds,
    rolling_origin_backtest,
    store_days,
)
from tests.ml.synthetic import planted_store_sales


def mart(days: int = 150, seed: int = 1) -> pd.DataFrame:
    return planted_store_sales(days=days, seed=seed).drop(columns="expected_revenue")


def without_weather(sales: pd.DataFrame, before: str | None = None) -> pd.DataFrame:
    """The weather columns null (everywhere, or on days before ``before``), as after a dump
    whose period the weather snapshot does not cover."""
    sales = sales.astype({"weather_code": float})
    rows = (
        slice(None)
        if before is None
        else pd.to_datetime(sales["sales_date"]) < pd.Timestamp(before)
    )
    sales.loc[rows, [*WEATHER, "weather_code"]] = np.nan
    return sales


def backtest_and_forecast(sales: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, object]:
    days = store_days(sales)
    # Two origins: these tests are about what fits, not how well (test_forecasting.py).
    predictions = rolling_origin_backtest(days, backtest_origins(days, origins=2), seed=3)
    model = fit_model(days, seed=3)
    forecast = forecast_revenue(days, model, interval_bounds(predictions))
    return predictions, forecast, model


def assert_all_numbers(forecast: pd.DataFrame) -> None:
    columns = ["prediction", "prediction_lower", "prediction_upper"]
    assert np.isfinite(forecast[columns].to_numpy(dtype=float)).all()
    assert (forecast["prediction"] >= 0).all()


def test_a_history_without_any_weather_is_fitted_without_weather_features():
    predictions, forecast, model = backtest_and_forecast(without_weather(mart()))

    assert not model.weather_features_used
    assert model.weather_coverage == 0.0
    assert not set(WEATHER) & set(model.features)
    assert "fitted without weather features" in model.weather_note
    assert not predictions["weather_features_used"].any()
    assert len(forecast) == HORIZON_DAYS * 3
    assert_all_numbers(forecast)
    _, verdict = beats_baseline(backtest_metrics(predictions))
    assert verdict.startswith("model MAE")


def test_weather_covering_only_the_last_weeks_is_too_thin_to_fit_on():
    sales = mart()
    recent = without_weather(sales, before="2024-04-15")  # about the last 30% of the days
    model = fit_model(store_days(recent), seed=3)

    assert model.weather_coverage < MIN_WEATHER_COVERAGE
    assert not model.weather_features_used
    assert "under the 80% needed" in model.weather_note


def test_weather_covering_the_training_window_is_used():
    model = fit_model(store_days(mart()), seed=3)

    assert model.weather_coverage == 1.0
    assert model.weather_features_used
    assert set(WEATHER) <= set(model.features)
    assert model.weather_note.startswith("weather features used: 100%")


def test_a_weather_variable_never_reported_is_left_out_and_the_others_kept():
    sales = mart().assign(sunshine_hours=np.nan)
    _, forecast, model = backtest_and_forecast(sales)

    assert model.weather_features_used
    assert "sunshine_hours" not in model.features
    assert "precipitation_mm" in model.features
    assert_all_numbers(forecast)


def test_a_store_with_one_day_of_history_is_forecast_at_that_day():
    sales = mart()
    last_day = sales["sales_date"].max()
    newcomer = sales[(sales["store_id"] == "store-0") & (sales["sales_date"] == last_day)].assign(
        store_id="store-new", store_name="New", days_since_store_opened=0, revenue=321.0
    )
    _, forecast, _ = backtest_and_forecast(pd.concat([sales, newcomer], ignore_index=True))

    new = forecast[forecast["store_id"] == "store-new"]
    assert len(new) == HORIZON_DAYS
    assert (new["method"] == TRAILING_MEAN).all()
    assert new["prediction"].to_numpy() == pytest.approx(321.0)
    assert_all_numbers(forecast)


def test_a_chain_whose_only_store_has_one_day_is_not_enough_history():
    sales = mart()
    one_day = sales[sales["sales_date"] == sales["sales_date"].min()]
    with pytest.raises(ValueError, match="too short for a backtest"):
        rolling_origin_backtest(store_days(one_day))


def test_a_store_that_closed_and_sells_nothing_since_is_forecast_near_zero():
    sales = mart()
    closed = (sales["store_id"] == "store-1") & (
        pd.to_datetime(sales["sales_date"]) >= pd.Timestamp("2024-04-20")
    )
    sales.loc[closed, ["revenue", "count_orders"]] = 0
    _, forecast, _ = backtest_and_forecast(sales)

    assert_all_numbers(forecast)
    closed_store = forecast[forecast["store_id"] == "store-1"]
    assert closed_store["prediction"].sum() < 0.05 * forecast["prediction"].sum()


def test_a_store_whose_rows_stop_gets_no_forecast_and_the_others_do():
    sales = mart()
    gone = (sales["store_id"] == "store-1") & (
        pd.to_datetime(sales["sales_date"]) >= pd.Timestamp("2024-04-20")
    )
    predictions, forecast, _ = backtest_and_forecast(sales[~gone])

    assert set(forecast["store_id"]) == {"store-0", "store-2"}
    assert_all_numbers(forecast)
    assert np.isfinite(predictions["model"]).all()


@pytest.mark.parametrize("silence", ["zero revenue everywhere", "no rows at all"])
def test_a_day_with_no_orders_anywhere_fits_and_forecasts(silence):
    sales = mart()
    day = pd.to_datetime(sales["sales_date"]) == pd.Timestamp("2024-04-10")
    if silence == "zero revenue everywhere":
        sales.loc[day, ["revenue", "count_orders"]] = 0
    else:
        sales = sales[~day]
    predictions, forecast, _ = backtest_and_forecast(sales)

    assert_all_numbers(forecast)
    assert np.isfinite(predictions[["model", "seasonal_naive", "trailing_mean"]]).all().all()
    assert len(forecast) == HORIZON_DAYS * 3


def test_a_last_day_with_no_orders_anywhere_still_forecasts_every_store():
    sales = mart()
    last = sales["sales_date"] == sales["sales_date"].max()
    sales.loc[last, ["revenue", "count_orders"]] = 0
    _, forecast, _ = backtest_and_forecast(sales)

    assert len(forecast) == HORIZON_DAYS * 3
    assert_all_numbers(forecast)
