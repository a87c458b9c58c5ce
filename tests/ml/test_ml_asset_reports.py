"""The small decisions behind what the ML assets report: counts, publication, weather use."""

import pandas as pd

from ml_assets.customer_segments import segment_counts
from ml_assets.revenue_forecast import publication, weather_origins


def test_customers_with_too_few_orders_are_counted_apart_from_segmented_ones():
    assignments = pd.DataFrame({"segment_id": [0, 1, 1, -1, 2, -1]})
    assert segment_counts(assignments) == (4, 2)
    assert segment_counts(pd.DataFrame({"segment_id": [-1, -1]})) == (0, 2)
    assert segment_counts(pd.DataFrame({"segment_id": pd.Series([], dtype=int)})) == (0, 0)


def test_a_winning_backtest_publishes_the_forecast():
    assert publication(True, "model MAE 10 beats seasonal naive 12") == {"forecast_published": True}


def test_a_losing_or_missing_backtest_names_the_unpublished_forecast_and_why():
    for reason in ("model MAE 12 does not beat seasonal naive 10", "only 21 days of history"):
        assert publication(False, reason) == {
            "forecast_published": False,
            "not_published": "ml/revenue_forecast",
            "not_published_because": reason,
        }


def test_weather_use_is_counted_once_per_backtest_origin():
    predictions = pd.DataFrame(
        {
            "origin_date": ["2026-01-01"] * 3 + ["2026-01-08"] * 2 + ["2026-01-15"] * 4,
            "weather_features_used": [True] * 3 + [False] * 2 + [True] * 4,
        }
    )
    assert weather_origins(predictions) == (2, 3)
    assert weather_origins(predictions.assign(weather_features_used=False)) == (0, 3)
