"""ML assets fitted on the star schema, written back to the warehouse's ``ml`` schema.

- ``customer_segments``: behavioural segments of customers (``ml.customer_segments``,
  ``ml.segment_profiles``) from ``marts.dim_customers``;
- ``forecast_backtest`` and ``revenue_forecast``: how a daily revenue forecast would have done
  (``ml.forecast_backtest``) and, if it beats the seasonal-naive baseline, the next 14 days per
  store (``ml.revenue_forecast``) from ``marts.fct_daily_store_sales``.

Pure logic lives in ``segmentation.py`` and ``forecasting.py``, and when to refit rather than
score with the stored model in ``cadence.py`` (weekly, on Sunday's data); the asset modules only
read, call it, write and report. scikit-learn is imported inside asset bodies, never at load time.
"""

from ml_assets.checks import ml_asset_checks
from ml_assets.customer_segments import customer_segments
from ml_assets.revenue_forecast import forecast_backtest, revenue_forecast

ml_assets = [customer_segments, forecast_backtest, revenue_forecast]

__all__ = ["ml_asset_checks", "ml_assets"]
