"""Revenue forecast: recovers a planted relationship, beats its baselines, never peeks ahead."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from ml_assets.forecasting import (
    FEATURES,
    HORIZON_DAYS,
    MODEL,
    SEASONAL_NAIVE,
    TRAILING_MEAN,
    WEATHER_KNOWN,
    backtest_metrics,
    beats_baseline,
    examples,
    fit_model,
    forecast_revenue,
    interval_bounds,
    predict,
    publishable,
    rolling_origin_backtest,
    scores,
    store_days,
    with_observed_weather,
)
from tests.ml.synthetic import RAIN_EFFECT_PER_MM, planted_store_sales


@pytest.fixture(scope="module")
def days(store_sales):
    return store_days(store_sales.drop(columns="expected_revenue"))


@pytest.fixture(scope="module")
def backtest(days):
    return rolling_origin_backtest(days, seed=3)


@pytest.fixture(scope="module")
def metrics(backtest):
    return backtest_metrics(backtest)


def overall(metrics: pd.DataFrame, model: str, metric: str) -> float:
    rows = metrics[(metrics["scope"] == "overall") & (metrics["model"] == model)]
    return float(rows[metric].iloc[0])


def test_model_beats_both_baselines_on_the_backtest(metrics):
    model_mae = overall(metrics, MODEL, "mae")
    assert model_mae < 0.9 * overall(metrics, SEASONAL_NAIVE, "mae")
    assert model_mae < 0.9 * overall(metrics, TRAILING_MEAN, "mae")
    assert overall(metrics, MODEL, "mape") < overall(metrics, SEASONAL_NAIVE, "mape")
    won, verdict = beats_baseline(metrics)
    assert won and verdict.startswith("model MAE")


def test_model_recovers_the_planted_revenue_when_the_weather_is_known(store_sales, backtest):
    truth = store_sales.set_index(["store_id", "sales_date"])["expected_revenue"]
    expected = truth.loc[list(zip(backtest["store_id"], backtest["sales_date"], strict=True))]
    fitted = scores(expected.to_numpy(), backtest[WEATHER_KNOWN].to_numpy())
    assert fitted["r2"] > 0.85
    assert abs(fitted["bias"]) < 0.05 * expected.mean()


def test_model_recovers_the_planted_rain_effect(days):
    model = fit_model(days, seed=3)
    frame = with_observed_weather(examples(days, np.array([days.last_index - HORIZON_DAYS])))
    dry = predict(model, frame.assign(precipitation_mm=0.0, sunshine_hours=10.0))
    wet = predict(model, frame.assign(precipitation_mm=20.0, sunshine_hours=0.0))
    planted = np.exp(-RAIN_EFFECT_PER_MM * 20)
    assert wet.sum() / dry.sum() == pytest.approx(planted, abs=0.15)


def test_model_learns_the_planted_weekend_lift(days):
    model = fit_model(days, seed=3)
    frame = examples(days, np.array([days.last_index - HORIZON_DAYS]), observed_weather=False)
    predicted = pd.Series(predict(model, frame)).groupby(frame["is_weekend"].to_numpy()).mean()
    assert predicted[1.0] / predicted[0.0] > 1.25  # planted: about 1.43


def test_shuffling_future_revenue_does_not_change_past_predictions(store_sales):
    origin_date = pd.Timestamp("2024-08-01")
    shuffled = store_sales.copy()
    future = pd.to_datetime(shuffled["sales_date"]) > origin_date
    rng = np.random.default_rng(0)
    shuffled.loc[future, "revenue"] = rng.permutation(shuffled.loc[future, "revenue"].to_numpy())
    shuffled.loc[future, "precipitation_mm"] = rng.permutation(
        shuffled.loc[future, "precipitation_mm"].to_numpy()
    )
    original = store_days(store_sales.drop(columns="expected_revenue"))
    changed = store_days(shuffled.drop(columns="expected_revenue"))
    origin = int(original.dates.get_loc(origin_date))

    past = [origin - 7, origin]
    made_then = rolling_origin_backtest(original, origins=past, seed=3)
    made_again = rolling_origin_backtest(changed, origins=past, seed=3)
    columns = ["origin_date", "store_id", "sales_date", MODEL, SEASONAL_NAIVE, TRAILING_MEAN]
    pd.testing.assert_frame_equal(made_then[columns], made_again[columns])
    # The features themselves see nothing after their origin.
    before = examples(original, np.arange(origin + 1), observed_weather=False)
    after = examples(changed, np.arange(origin + 1), observed_weather=False)
    pd.testing.assert_frame_equal(before[list(FEATURES)], after[list(FEATURES)])


def test_seasonal_naive_is_the_same_weekday_in_the_last_known_week(days):
    origin = days.last_index - HORIZON_DAYS
    frame = examples(days, np.array([origin]))
    store = frame[frame["store_index"] == 0].set_index("horizon")
    revenue = days.revenue[:, 0]
    assert store.loc[1, SEASONAL_NAIVE] == revenue[origin + 1 - 7]
    assert store.loc[7, SEASONAL_NAIVE] == revenue[origin]
    assert store.loc[8, SEASONAL_NAIVE] == revenue[origin + 8 - 14]
    assert store.loc[14, SEASONAL_NAIVE] == revenue[origin]
    assert store.loc[1, TRAILING_MEAN] == pytest.approx(revenue[origin - 27 : origin + 1].mean())


def test_forecast_covers_the_next_two_weeks_of_every_store_with_an_interval(days, backtest):
    model = fit_model(days, seed=3)
    forecast = forecast_revenue(days, model, interval_bounds(backtest))
    assert len(forecast) == HORIZON_DAYS * len(days.store_ids)
    assert forecast["date"].min() == (days.last_date + pd.Timedelta(days=1)).date()
    assert forecast["date"].max() == (days.last_date + pd.Timedelta(days=HORIZON_DAYS)).date()
    assert (forecast["prediction_lower"] <= forecast["prediction"]).all()
    assert (forecast["prediction"] <= forecast["prediction_upper"]).all()
    assert (forecast["method"] == MODEL).all()


def test_given_weather_forecast_replaces_the_expected_weather(days, backtest):
    model = fit_model(days, seed=3)
    bounds = interval_bounds(backtest)
    future = pd.DataFrame(
        {
            "store_id": days.store_ids[0],
            "sales_date": [days.last_date + pd.Timedelta(days=h) for h in range(1, 15)],
            "temperature_max_celsius": 20.0,
            "temperature_mean_celsius": 15.0,
            "precipitation_mm": 30.0,
            "snowfall_cm": 0.0,
            "sunshine_hours": 0.0,
        }
    )
    plain = forecast_revenue(days, model, bounds)
    rainy = forecast_revenue(days, model, bounds, future_weather=future)
    first = days.store_ids[0]
    assert rainy.loc[rainy["store_id"] == first, "prediction"].sum() < (
        0.6 * plain.loc[plain["store_id"] == first, "prediction"].sum()
    )
    others = plain["store_id"] != first
    assert np.allclose(plain.loc[others, "prediction"], rainy.loc[others, "prediction"])


def test_a_store_opened_days_ago_is_forecast_at_its_mean_so_far():
    sales = planted_store_sales(days=200)
    young = (
        sales[sales["store_id"] == "store-0"]
        .tail(3)
        .assign(store_id="store-new", store_name="New", days_since_store_opened=[0, 1, 2])
    )
    days = store_days(pd.concat([sales, young]).drop(columns="expected_revenue"))
    model = fit_model(days, seed=3)
    bounds = pd.DataFrame([{"store_id": None, "lower_ratio": 0.8, "upper_ratio": 1.2}])
    forecast = forecast_revenue(days, model, bounds)
    new = forecast[forecast["store_id"] == "store-new"]
    assert (new["method"] == TRAILING_MEAN).all()
    assert new["prediction"].iloc[0] == pytest.approx(young["revenue"].mean())


def test_interval_coverage_is_measured_on_unseen_origins(metrics):
    coverage = overall(metrics, MODEL, "interval_coverage")
    assert 0.6 < coverage <= 1.0


def test_scores_skip_closed_days_for_mape():
    result = scores(np.array([0.0, 100.0, 200.0]), np.array([10.0, 110.0, 180.0]))
    assert result["mae"] == pytest.approx(40 / 3)
    assert result["mape"] == pytest.approx((0.1 + 0.1) / 2)
    assert result["bias"] == pytest.approx(0.0)


def test_a_model_that_loses_to_seasonal_naive_is_not_publishable(metrics):
    losing = metrics.copy()
    is_model = (losing["scope"] == "overall") & (losing["model"] == MODEL)
    losing.loc[is_model, "mae"] = overall(metrics, SEASONAL_NAIVE, "mae") + 1
    losing["history_end_date"] = dt.date(2024, 10, 26)
    ok, reason = publishable(losing, dt.date(2024, 10, 26))
    assert not ok and "does not beat seasonal naive" in reason


def test_a_backtest_of_older_history_is_not_publishable(metrics):
    current = metrics.assign(history_end_date=dt.date(2024, 10, 26))
    assert publishable(current, dt.date(2024, 10, 26))[0]
    ok, reason = publishable(current, dt.date(2024, 10, 27))
    assert not ok and "materialize ml/forecast_backtest first" in reason


def test_too_short_a_history_is_refused_with_what_it_needs():
    short = store_days(planted_store_sales(days=30).drop(columns="expected_revenue"))
    with pytest.raises(ValueError, match=r"too short for a backtest: it needs 35 days"):
        rolling_origin_backtest(short)
