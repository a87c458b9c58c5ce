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
    backtest_origins,
    beats_baseline,
    examples,
    fit_model,
    forecast_inputs_changed,
    forecast_revenue,
    history_fingerprint,
    interval_bounds,
    origin_predictions,
    predict,
    publishable,
    rolling_origin_backtest,
    scores,
    store_days,
    update_backtest,
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


def truncated(sales: pd.DataFrame, last_day: str) -> pd.DataFrame:
    """The same mart as it stood on ``last_day``: the rows up to it, nothing redrawn."""
    return sales[pd.to_datetime(sales["sales_date"]) <= pd.Timestamp(last_day)]


@pytest.fixture(scope="module")
def sales(store_sales):
    return store_sales.drop(columns="expected_revenue")  # 2024-01-01 to Saturday 2024-10-26


def test_backtest_origins_are_sundays_that_move_once_a_week(sales):
    for last_day in ("2024-10-19", "2024-10-20", "2024-10-25", "2024-10-26"):
        days = store_days(truncated(sales, last_day))
        origins = days.dates[backtest_origins(days)]
        assert (origins.day_of_week == 6).all()
        assert (days.last_date - origins.max()).days in range(HORIZON_DAYS, HORIZON_DAYS + 7)
    saturday = store_days(truncated(sales, "2024-10-19"))
    sunday = store_days(truncated(sales, "2024-10-20"))
    assert saturday.dates[backtest_origins(saturday)].max() == pd.Timestamp("2024-09-29")
    assert sunday.dates[backtest_origins(sunday)].max() == pd.Timestamp("2024-10-06")


@pytest.fixture(scope="module")
def saturday_backtest(sales):
    """The backtest as fitted on Saturday 19 October's data: eight origins, 29 September last."""
    return update_backtest(store_days(truncated(sales, "2024-10-19")), seed=3)


def test_a_sunday_fits_only_its_new_origin_and_the_days_after_it_fit_none(sales, saturday_backtest):
    assert len(saturday_backtest.fitted) == 8 and not saturday_backtest.reused
    sunday_days = store_days(truncated(sales, "2024-10-20"))
    sunday = update_backtest(
        sunday_days, saturday_backtest.predictions, saturday_backtest.origin_keys, seed=3
    )
    assert sunday.fitted == ["2024-10-06"] and len(sunday.reused) == 7
    # A reused origin is exactly what fitting it again on the newer data gives.
    reused = sunday.predictions[sunday.predictions["origin_date"] == dt.date(2024, 9, 29)]
    again = origin_predictions(
        sunday_days, int(sunday_days.dates.get_loc(pd.Timestamp("2024-09-29"))), seed=3
    )
    pd.testing.assert_frame_equal(reused.reset_index(drop=True), again)

    monday = update_backtest(
        store_days(truncated(sales, "2024-10-21")), sunday.predictions, sunday.origin_keys, seed=3
    )
    assert monday.fitted == [] and len(monday.reused) == 8
    pd.testing.assert_frame_equal(monday.predictions, sunday.predictions)


def test_a_corrected_day_refits_the_origins_that_saw_it_and_reuses_the_older_ones(
    sales, saturday_backtest
):
    corrected = truncated(sales, "2024-10-19").copy()
    late = pd.to_datetime(corrected["sales_date"]) == pd.Timestamp("2024-09-20")
    corrected.loc[late, "revenue"] *= 1.5  # a late file for 20 September
    update = update_backtest(
        store_days(corrected),
        saturday_backtest.predictions,
        saturday_backtest.origin_keys,
        seed=3,
    )
    # Origins that saw the 20th, in their 14-day window (from the 8th) or in training.
    assert update.fitted == ["2024-09-08", "2024-09-15", "2024-09-22", "2024-09-29"]
    assert update.reused == ["2024-08-11", "2024-08-18", "2024-08-25", "2024-09-01"]


def test_a_stored_forecast_model_stands_until_its_sales_or_backtest_change(sales):
    days = store_days(truncated(sales, "2024-10-19"))
    fitted = {
        "trained_through": dt.date(2024, 10, 18),
        "training_fingerprint": history_fingerprint(days, days.last_index - 1),
        "backtest_model_version": "backtest-1",
    }
    assert forecast_inputs_changed(days, fitted, "backtest-1") is None
    assert "backtest was redone" in forecast_inputs_changed(days, fitted, "backtest-2")
    corrected = truncated(sales, "2024-10-19").copy()
    corrected.loc[pd.to_datetime(corrected["sales_date"]) == "2024-10-01", "revenue"] = 0.0
    changed = forecast_inputs_changed(store_days(corrected), fitted, "backtest-1")
    assert "changed since the stored model was fitted" in changed


def test_a_store_opening_later_leaves_older_history_fingerprints_unchanged(sales):
    days = store_days(truncated(sales, "2024-10-19"))
    newcomer = truncated(sales, "2024-10-19").query("store_id == 'store-0'").tail(5)
    newcomer = newcomer.assign(store_id="store-9", store_name="Store 9")
    grown = store_days(pd.concat([truncated(sales, "2024-10-19"), newcomer]))
    before = int(days.dates.get_loc(pd.Timestamp("2024-10-10")))
    assert history_fingerprint(grown, before) == history_fingerprint(days, before)
    assert history_fingerprint(grown, grown.last_index) != history_fingerprint(
        days, days.last_index
    )
