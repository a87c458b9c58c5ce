"""Daily revenue forecast per store as pure functions: mart rows in, backtest and forecast out.

The model forecasts every day of the next ``HORIZON_DAYS`` directly from one origin (the last
day of history). One example is (store, origin day T, horizon h): its features use revenue up
to T only, plus what is known about day T+h itself (calendar, the store's age, the weather), and
its target is revenue on T+h divided by the store's level (mean of its last week at T), so one
model serves stores of every size and a growing store is not capped at what it already sold.

``rolling_origin_backtest`` refits the model at several origins (Sundays, fixed calendar points)
over the last weeks of history and scores it against two baselines (seasonal naive: the same
weekday in the last week known; trailing mean: the store's last 28 days); ``update_backtest``
does the same but reuses every origin whose data are unchanged since it was stored.
``forecast_revenue`` uses a model fitted on the history and forecasts the days after the last
one, with an interval from the backtest's own errors.

Every fit works with the inputs that exist: weather is an optional signal, used only when the
training window has it for most store-days (``MIN_WEATHER_COVERAGE``), and a feature with no
value at all in a training window is left out of that fit rather than failing it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sklearn
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from ml_assets.cadence import REFIT_WEEKDAY, method_fingerprint

HORIZON_DAYS = 14
# Weather as the mart gives it; the WMO weather_code is a label derived from these, left out.
WEATHER = (
    "temperature_max_celsius",
    "temperature_mean_celsius",
    "precipitation_mm",
    "snowfall_cm",
    "sunshine_hours",
)
MART_COLUMNS = (
    "store_id",
    "store_name",
    "sales_date",
    "revenue",
    "days_since_store_opened",
    *WEATHER,
)
FEATURES = (
    "horizon",
    "day_of_week",
    "is_weekend",
    "season_sin",
    "season_cos",
    "store_age_days",
    "history_days",
    "trend_7_over_28",
    "same_weekday_last",
    "same_weekday_mean_4",
    *WEATHER,
)
CATEGORICAL = ("day_of_week",)
MODEL = "model"
SEASONAL_NAIVE = "seasonal_naive"
TRAILING_MEAN = "trailing_mean"
# The model scored as if the target days' weather had been known (a perfect weather forecast):
# what better weather input would be worth. Never published as a forecast.
WEATHER_KNOWN = "model_if_weather_known"
MODELS = (MODEL, SEASONAL_NAIVE, TRAILING_MEAN, WEATHER_KNOWN)
TRAILING_MEAN_DAYS = 28
LEVEL_DAYS = 7
# A store is scored, trained on and forecast by the model once it has a week of history at the
# origin (so the seasonal naive baseline exists); younger stores get their mean so far.
MIN_HISTORY_DAYS = 7
BACKTEST_ORIGINS = 8
BACKTEST_STEP_DAYS = 7
# The earliest backtest origin still leaves this much history to train on.
MIN_TRAINING_DAYS = 21
# Each fit learns from the last two years of target days: both seasons twice, and a cost that
# stops growing with history (a five-year warehouse fits as fast as a two-year one).
TRAINING_WINDOW_DAYS = 730
INTERVAL_LEVEL = 0.8
# A store's own interval needs this many backtest days; fewer borrow the chain-wide one.
MIN_DAYS_FOR_STORE_INTERVAL = 50
# Revenue is never scaled by a level under a dollar (a store with a silent week).
MIN_LEVEL = 1.0
# Fits of thousands of rows: OpenMP threads cost more than they return and, on a shared
# two-core machine, oversubscribe it (measured 10x slower under load; see docs/ml.md).
THREADS = 1
# A fit uses the weather features only when at least this share of the open store-days in its
# training window has observed weather. Below it the model would mostly learn when weather was
# recorded (a period), not what it does, and the expected weather it is scored with is missing
# just as often (e.g. a jafgen dump of 2018-2021 against a snapshot of the sample period).
MIN_WEATHER_COVERAGE = 0.8


class NotEnoughHistory(ValueError):
    """Too little daily sales history to fit or to judge a forecast honestly."""


@dataclass(frozen=True)
class ForecastModel:
    """A fitted regressor with the features it was fitted on and why weather is or is not one."""

    regressor: HistGradientBoostingRegressor
    features: tuple[str, ...]
    weather_coverage: float

    @property
    def weather_features_used(self) -> bool:
        return any(name in self.features for name in WEATHER)

    @property
    def weather_note(self) -> str:
        share = f"{self.weather_coverage:.0%} of the training store-days have weather"
        if self.weather_features_used:
            return f"weather features used: {share}"
        return (
            f"fitted without weather features: {share}, under the "
            f"{MIN_WEATHER_COVERAGE:.0%} needed (load weather for the period to use them)"
        )


@dataclass(frozen=True)
class StoreDays:
    """Daily sales as aligned (day x store) matrices; NaN before a store opened."""

    dates: pd.DatetimeIndex
    store_ids: list[str]
    store_names: list[str]
    revenue: np.ndarray
    store_age: np.ndarray
    weather: dict[str, np.ndarray]

    @property
    def last_index(self) -> int:
        return len(self.dates) - 1

    @property
    def last_date(self) -> pd.Timestamp:
        return self.dates[-1]


def store_days(sales: pd.DataFrame) -> StoreDays:
    """Pivot ``marts.fct_daily_store_sales`` rows into aligned day x store matrices."""
    missing = sorted(set(MART_COLUMNS) - set(sales.columns))
    if missing:
        raise ValueError(
            f"marts.fct_daily_store_sales lacks {', '.join(missing)}; rebuild the dbt marts "
            "(make materialize) before fitting the forecast."
        )
    if sales.empty:
        raise NotEnoughHistory("marts.fct_daily_store_sales is empty: load some orders first.")
    frame = sales.assign(sales_date=pd.to_datetime(sales["sales_date"]))
    dates = pd.date_range(frame["sales_date"].min(), frame["sales_date"].max(), freq="D")
    names = frame.drop_duplicates("store_id").set_index("store_id")["store_name"]
    store_ids = sorted(names.index)

    def matrix(column: str) -> np.ndarray:
        wide = frame.pivot(index="sales_date", columns="store_id", values=column)
        return wide.reindex(index=dates, columns=store_ids).to_numpy(dtype=float)

    return StoreDays(
        dates=dates,
        store_ids=store_ids,
        store_names=[str(names[s]) for s in store_ids],
        revenue=matrix("revenue"),
        store_age=matrix("days_since_store_opened"),
        weather={name: matrix(name) for name in WEATHER},
    )


def _trailing_mean(values: np.ndarray, days: int) -> np.ndarray:
    """Mean of the last ``days`` values up to and including each day; NaN values are skipped."""
    return pd.DataFrame(values).rolling(days, min_periods=1).mean().to_numpy()


def _nanmean(arrays: list[np.ndarray]) -> np.ndarray:
    """Element-wise mean ignoring NaN; NaN where every value is missing (without a warning)."""
    stacked = np.stack(arrays)
    known = np.isfinite(stacked)
    count = known.sum(axis=0)
    total = np.where(known, stacked, 0.0).sum(axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _shifted(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``values[rows]`` with NaN where ``rows`` falls outside the matrix."""
    inside = (rows >= 0) & (rows < len(values))
    out = np.full((len(rows), values.shape[1]), np.nan)
    out[inside] = values[rows[inside]]
    return out


def _origin_state(days: StoreDays) -> dict[str, np.ndarray]:
    """What is known at the end of every day, per store: levels, history and expected weather."""
    opened = ~np.isnan(days.revenue)
    trailing_mean = _trailing_mean(days.revenue, TRAILING_MEAN_DAYS)
    level = np.maximum(_trailing_mean(days.revenue, LEVEL_DAYS), MIN_LEVEL)
    state = {
        "level": np.where(opened, level, np.nan),
        "trailing_mean": trailing_mean,
        "history_days": np.cumsum(opened, axis=0).astype(float),
        "trend_7_over_28": level / np.maximum(trailing_mean, MIN_LEVEL),
    }
    # The weather to expect, as known at the origin: the last four weeks' average.
    for name in WEATHER:
        state[f"expected_{name}"] = _trailing_mean(days.weather[name], TRAILING_MEAN_DAYS)
    return state


def examples(
    days: StoreDays,
    origins: np.ndarray,
    horizons: range = range(1, HORIZON_DAYS + 1),
    observed_weather: bool = True,
) -> pd.DataFrame:
    """One row per (origin, store, horizon) with features, level, baselines and actual.

    Revenue enters only through values at or before the origin. Weather on the target day is
    the observed weather when ``observed_weather`` (training: learn what weather does) and
    otherwise the weather expected at the origin (scoring and forecasting: what is knowable).
    Rows exist only for stores open at the origin (a row in the mart on that day).
    """
    origins = np.asarray(origins, dtype=int)
    state = _origin_state(days)
    n_stores = len(days.store_ids)
    parts = []
    for h in horizons:
        target = origins + h
        # Seasonal naive: the target's weekday in the last week of history.
        same_weekday = target - 7 * int(np.ceil(h / 7))
        lags = [_shifted(days.revenue, same_weekday - 7 * j) for j in range(4)]
        level = state["level"][origins]
        target_dates = days.dates[0] + pd.to_timedelta(target, unit="D")
        day_of_year = target_dates.day_of_year.to_numpy()
        weekday = target_dates.day_of_week.to_numpy()  # Monday = 0
        columns = {
            "origin_index": np.repeat(origins, n_stores),
            "target_index": np.repeat(target, n_stores),
            "store_index": np.tile(np.arange(n_stores), len(origins)),
            "horizon": np.full(len(origins) * n_stores, h),
            "day_of_week": np.repeat(weekday, n_stores),
            "is_weekend": np.repeat(weekday >= 5, n_stores).astype(float),
            "season_sin": np.repeat(np.sin(2 * np.pi * day_of_year / 365.25), n_stores),
            "season_cos": np.repeat(np.cos(2 * np.pi * day_of_year / 365.25), n_stores),
            "store_age_days": (days.store_age[origins] + h).ravel(),
            "history_days": state["history_days"][origins].ravel(),
            "trend_7_over_28": state["trend_7_over_28"][origins].ravel(),
            "same_weekday_last": (lags[0] / level).ravel(),
            "same_weekday_mean_4": (_nanmean(lags) / level).ravel(),
            "level": level.ravel(),
            SEASONAL_NAIVE: lags[0].ravel(),
            TRAILING_MEAN: state["trailing_mean"][origins].ravel(),
            "actual": _shifted(days.revenue, target).ravel(),
        }
        for name in WEATHER:
            observed = _shifted(days.weather[name], target).ravel()
            expected = state[f"expected_{name}"][origins].ravel()
            columns[name] = observed if observed_weather else expected
            columns[f"observed_{name}"] = observed
        parts.append(pd.DataFrame(columns))
    frame = pd.concat(parts, ignore_index=True)
    return frame[np.isfinite(frame["level"])].reset_index(drop=True)


def with_observed_weather(frame: pd.DataFrame) -> pd.DataFrame:
    """The same examples with the target days' observed weather in place of the expected."""
    return frame.assign(**{name: frame[f"observed_{name}"] for name in WEATHER})


def regressor(seed: int, features: tuple[str, ...] = FEATURES) -> HistGradientBoostingRegressor:
    """Gradient boosting on the revenue-to-level ratio.

    Absolute error, because daily revenue has heavy right tails (group orders) and the
    backtest is judged on MAE; shallow trees and large leaves, because a chain's history is a
    few thousand store-days of noisy data. Fixed iterations without early stopping: no random
    validation split, the same fit on every run.
    """
    return HistGradientBoostingRegressor(
        loss="absolute_error",
        max_iter=200,
        learning_rate=0.05,
        max_depth=4,
        min_samples_leaf=50,
        l2_regularization=1.0,
        categorical_features=[features.index(c) for c in CATEGORICAL if c in features],
        early_stopping=False,
        random_state=seed,
    )


def training_examples(days: StoreDays) -> pd.DataFrame:
    """Every example whose target day is in the history, with observed weather (origins old
    enough to fall outside every fit's training window are skipped)."""
    oldest = days.last_index - TRAINING_WINDOW_DAYS - BACKTEST_ORIGINS * BACKTEST_STEP_DAYS
    oldest -= 2 * HORIZON_DAYS
    frame = examples(days, np.arange(max(oldest, 0), days.last_index))
    usable = frame["actual"].notna() & (frame["history_days"] >= MIN_HISTORY_DAYS)
    return frame[usable].reset_index(drop=True)


def weather_coverage(days: StoreDays, through: int | None = None) -> float:
    """Share of the open store-days up to day index ``through`` with a weather record (any
    variable known: one that is never reported is left out by ``fit_features``)."""
    through = days.last_index if through is None else through
    opened = np.isfinite(days.revenue[: through + 1])
    known = np.logical_or.reduce(
        [np.isfinite(days.weather[name][: through + 1]) for name in WEATHER]
    )
    return float(known[opened].mean()) if opened.any() else 0.0


def fit_features(train: pd.DataFrame, coverage: float) -> tuple[str, ...]:
    """The features a fit uses: weather only when covered, and never a column with no value
    (gradient boosting cannot bin a feature that is missing everywhere)."""
    wanted = (
        FEATURES
        if coverage >= MIN_WEATHER_COVERAGE
        else tuple(name for name in FEATURES if name not in WEATHER)
    )
    return tuple(name for name in wanted if np.isfinite(train[name].to_numpy(dtype=float)).any())


def fit_model(
    days: StoreDays,
    through: int | None = None,
    seed: int = 42,
    training: pd.DataFrame | None = None,
) -> ForecastModel:
    """Fit on the examples whose target day is known by day index ``through`` (default: all).

    ``training`` is ``training_examples(days)``, passed in when fitting at several origins.
    Whether weather is a feature is decided on this fit's own training window.
    """
    through = days.last_index if through is None else through
    training = training_examples(days) if training is None else training
    window = training["target_index"].between(through - TRAINING_WINDOW_DAYS + 1, through)
    train = training[window]
    if len(train) < 2 * HORIZON_DAYS:
        raise NotEnoughHistory(
            f"Only {len(train)} training examples by {days.dates[through].date()}: the forecast "
            "needs a few weeks of daily sales per store. Load more history first."
        )
    coverage = weather_coverage(days, through)
    features = fit_features(train, coverage)
    model = regressor(seed, features)
    with threadpool_limits(limits=THREADS):
        model.fit(train[list(features)].to_numpy(dtype=float), train["actual"] / train["level"])
    return ForecastModel(model, features, coverage)


def predict(model: ForecastModel, frame: pd.DataFrame) -> np.ndarray:
    """Revenue predictions in dollars, never negative."""
    if frame.empty:
        return np.zeros(0)
    with threadpool_limits(limits=THREADS):
        ratio = model.regressor.predict(frame[list(model.features)].to_numpy(dtype=float))
    return np.maximum(ratio * frame["level"].to_numpy(), 0.0)


def backtest_origins(
    days: StoreDays, origins: int = BACKTEST_ORIGINS, step: int = BACKTEST_STEP_DAYS
) -> np.ndarray:
    """Origins every ``step`` days on the weekly refit day (Sundays), the latest leaving a full
    horizon of known days after it.

    Fixed calendar points, not "the last day minus 14": an origin's result then depends only on
    the data up to its window's end, so a new day adds a new origin once a week and otherwise
    leaves every stored origin valid (``update_backtest``).
    """
    latest = days.last_index - HORIZON_DAYS
    if latest >= 0:
        latest -= (days.dates[latest].weekday() - REFIT_WEEKDAY) % 7
    chosen = [latest - step * i for i in range(origins)]
    return np.array(sorted(o for o in chosen if o >= MIN_TRAINING_DAYS - 1), dtype=int)


def _too_short(days: StoreDays) -> NotEnoughHistory:
    return NotEnoughHistory(
        f"History of {len(days.dates)} days is too short for a backtest: it needs "
        f"{MIN_TRAINING_DAYS + HORIZON_DAYS} days (training plus one {HORIZON_DAYS}-day window), "
        "and up to 6 more to reach the first Sunday origin."
    )


def _nothing_scored(days: StoreDays) -> NotEnoughHistory:
    return NotEnoughHistory(
        f"No backtest origin of the {len(days.dates)} days has both a few weeks of stores' "
        "sales to train on and a store with a week of history to score: load more history."
    )


def origin_predictions(
    days: StoreDays, origin: int, seed: int = 42, training: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Refit at one origin on what was known then and predict the next 14 days of every store.

    One row per (store, day) with the actual, the model and both baselines, and whether the fit
    used the weather features; empty when the origin has too little to fit on or nothing to
    score. Depends only on the data up to ``origin + HORIZON_DAYS`` (``history_fingerprint``).
    """
    scored = examples(days, np.array([origin]), observed_weather=False)
    scored = scored[
        (scored["history_days"] >= MIN_HISTORY_DAYS)
        & scored["actual"].notna()
        & scored[SEASONAL_NAIVE].notna()
        & scored[TRAILING_MEAN].notna()
    ].copy()
    if not scored.empty:
        try:
            model = fit_model(days, int(origin), seed, training)
        except NotEnoughHistory:
            scored = scored.iloc[0:0].copy()
        else:
            scored[MODEL] = predict(model, scored)
            scored[WEATHER_KNOWN] = predict(model, with_observed_weather(scored))
            scored["weather_features_used"] = model.weather_features_used
    for name in (MODEL, WEATHER_KNOWN, "weather_features_used"):
        if name not in scored:
            scored[name] = pd.Series(dtype=float)
    return pd.DataFrame(
        {
            "origin_date": days.dates[scored["origin_index"]].date,
            "store_id": np.array(days.store_ids, dtype=object)[scored["store_index"]],
            "store_name": np.array(days.store_names, dtype=object)[scored["store_index"]],
            "sales_date": days.dates[scored["target_index"]].date,
            "horizon": scored["horizon"].to_numpy(),
            "actual": scored["actual"].to_numpy(),
            **{name: scored[name].to_numpy(dtype=float) for name in MODELS},
            "weather_features_used": scored["weather_features_used"].to_numpy(dtype=bool),
        }
    )


def rolling_origin_backtest(
    days: StoreDays, origins: np.ndarray | None = None, seed: int = 42
) -> pd.DataFrame:
    """Refit at each origin on what was known then; predict the next 14 days of every store.

    Returns one row per (origin, store, day) with the actual, the model and both baselines,
    and whether that origin's fit used the weather features. Rows are kept only where every
    model has a prediction (a week of history at the origin). An origin with too little to fit
    on or nothing to score is passed over; with none left the history is too short.
    """
    origins = backtest_origins(days) if origins is None else np.asarray(origins, dtype=int)
    if len(origins) == 0:
        raise _too_short(days)
    training = training_examples(days)
    parts = [origin_predictions(days, int(origin), seed, training) for origin in origins]
    frame = pd.concat(parts, ignore_index=True)
    if frame.empty:
        raise _nothing_scored(days)
    return frame


def history_fingerprint(days: StoreDays, through: int) -> str:
    """A hash of everything a fit or score up to day index ``through`` reads: the first day, the
    stores with history by then (ids and names), their revenue, age and weather. Stores that
    open later do not change it, so a new store leaves older backtest origins valid."""
    rows = slice(0, through + 1)
    present = np.flatnonzero(np.isfinite(days.revenue[rows]).any(axis=0))
    digest = hashlib.sha256(str(days.dates[0].date()).encode())
    for store in present:
        digest.update(f"|{days.store_ids[store]}|{days.store_names[store]}".encode())
    for matrix in (days.revenue, days.store_age, *(days.weather[name] for name in WEATHER)):
        digest.update(np.ascontiguousarray(matrix[rows][:, present]).tobytes())
    return digest.hexdigest()[:16]


def forecast_method(seed: int = 42) -> str:
    """The id of how the forecast and its backtest are made: a change to any of these refits."""
    return method_fingerprint(
        {
            "regressor": regressor(seed).get_params(),
            "features": FEATURES,
            "horizon_days": HORIZON_DAYS,
            "training_window_days": TRAINING_WINDOW_DAYS,
            "min_history_days": MIN_HISTORY_DAYS,
            "min_weather_coverage": MIN_WEATHER_COVERAGE,
            "scikit-learn": sklearn.__version__,
        }
    )


@dataclass(frozen=True)
class BacktestUpdate:
    """A backtest brought up to date: every origin's predictions, the key each origin's result
    was computed under (its data fingerprint), which origins were fitted in this run, which
    were reused and which stored ones are no longer origins."""

    predictions: pd.DataFrame
    origin_keys: dict[str, str]
    fitted: list[str]
    reused: list[str]
    dropped: list[str]

    @property
    def refit(self) -> bool:
        """Whether the evidence differs from the stored backtest (else it keeps its version)."""
        return bool(self.fitted or self.dropped)


def update_backtest(
    days: StoreDays,
    stored_predictions: pd.DataFrame | None = None,
    stored_keys: Mapping[str, str] | None = None,
    seed: int = 42,
) -> BacktestUpdate:
    """The rolling-origin backtest, refitting only the origins whose result is not stored.

    An origin is keyed by its date and the fingerprint of the data up to the end of its window;
    a stored result under the same key is what a refit would compute, so it is reused. New
    origins (once a week) and origins whose data changed (late or corrected files) are fitted.
    The predictions equal ``rolling_origin_backtest(days)``'s.
    """
    origins = backtest_origins(days)
    if len(origins) == 0:
        raise _too_short(days)
    stored_keys = dict(stored_keys or {})
    keys = {
        str(days.dates[o].date()): history_fingerprint(days, int(o) + HORIZON_DAYS) for o in origins
    }
    reuse = [d for d, key in keys.items() if stored_keys.get(d) == key]
    if stored_predictions is None or stored_predictions.empty:
        stored_predictions = pd.DataFrame({"origin_date": pd.Series(dtype=object)})
    stored_dates = stored_predictions["origin_date"].astype(str)
    to_fit = [o for o in origins if str(days.dates[o].date()) not in reuse]
    training = training_examples(days) if to_fit else None
    parts = {d: stored_predictions[stored_dates == d] for d in reuse}
    for origin in to_fit:
        parts[str(days.dates[origin].date())] = origin_predictions(
            days, int(origin), seed, training
        )
    frame = pd.concat([parts[d] for d in sorted(parts)], ignore_index=True)
    if frame.empty:
        raise _nothing_scored(days)
    return BacktestUpdate(
        predictions=frame,
        origin_keys=keys,
        fitted=[str(days.dates[o].date()) for o in to_fit],
        reused=reuse,
        dropped=sorted(set(stored_keys) - set(keys)),
    )


def backtest_refit_reason(
    update: BacktestUpdate, stored_version: str | None, forced: bool, method_changed: bool
) -> str:
    """Which origins this run fitted and why, or that every origin was reused, in words."""
    if forced:
        return f"refit forced: fitted all {len(update.fitted)} origins"
    if method_changed:
        return f"the method changed since backtest {stored_version}: fitted all {len(update.fitted)} origins"
    if not update.fitted and update.dropped:
        return f"dropped origin(s) {', '.join(update.dropped)}; reused {len(update.reused)}"
    if not update.refit:
        return (
            f"all {len(update.reused)} origins reused from backtest {stored_version}: their data "
            "are unchanged (a new origin is added on each Sunday's data, two weeks on)"
        )
    if not update.reused:
        return f"fitted all {len(update.fitted)} origins: no stored result for their data"
    return (
        f"fitted {len(update.fitted)} origin(s) ({', '.join(update.fitted)}): new, or their data "
        f"changed; reused {len(update.reused)}"
    )


def forecast_inputs_changed(
    days: StoreDays, fitted: Mapping[str, object], backtest_version: str
) -> str | None:
    """Why a stored forecast model no longer stands for the data (in words), or None.

    It stands while the backtest it was accepted under is the current one and the sales it was
    trained on (up to ``trained_through``) are unchanged: late or corrected files restating them
    refit it at once rather than at the next weekly refit.
    """
    accepted_under = fitted.get("backtest_model_version")
    if accepted_under != backtest_version:
        return (
            f"the backtest was redone (now {backtest_version}; the stored model was accepted "
            f"under {accepted_under})"
        )
    trained_through = pd.Timestamp(fitted["trained_through"])
    if trained_through not in days.dates:
        return f"the sales no longer reach the stored model's training end {trained_through.date()}"
    index = int(days.dates.get_loc(trained_through))
    if history_fingerprint(days, index) != fitted.get("training_fingerprint"):
        return (
            f"the sales up to {trained_through.date()} changed since the stored model was fitted "
            "(late or corrected files)"
        )
    return None


def scores(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """MAE, MAPE (over days with revenue: a closed day has no percentage error), R^2 and bias."""
    actual = np.asarray(actual, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    error = predicted - actual
    sold = actual > 0
    total = ((actual - actual.mean()) ** 2).sum()
    return {
        "mae": float(np.abs(error).mean()),
        "mape": float(np.abs(error[sold] / actual[sold]).mean()) if sold.any() else np.nan,
        "r2": float(1 - (error**2).sum() / total) if total > 0 else np.nan,
        "bias": float(error.mean()),
    }


def interval_bounds(
    predictions: pd.DataFrame, column: str = MODEL, level: float = INTERVAL_LEVEL
) -> pd.DataFrame:
    """Lower and upper multipliers of a prediction for a central ``level`` interval, per store.

    From the backtest's out-of-sample ratios actual / predicted, so the interval is as wide as
    the real errors on unseen weeks. A store with fewer than ``MIN_DAYS_FOR_STORE_INTERVAL``
    backtest days borrows the chain-wide ratios. The row with store_id None is chain-wide.
    """
    usable = predictions[predictions[column] > 0]
    ratio = usable["actual"] / usable[column]
    tail = (1 - level) / 2

    def bounds(values: pd.Series) -> tuple[float, float]:
        if values.empty:
            return (np.nan, np.nan)
        return (float(values.quantile(tail)), float(values.quantile(1 - tail)))

    chain = bounds(ratio)
    rows = [{"store_id": None, "lower_ratio": chain[0], "upper_ratio": chain[1]}]
    for store_id in sorted(predictions["store_id"].unique()):
        own = ratio[usable["store_id"] == store_id]
        low, high = bounds(own) if len(own) >= MIN_DAYS_FOR_STORE_INTERVAL else chain
        rows.append({"store_id": store_id, "lower_ratio": low, "upper_ratio": high})
    return pd.DataFrame(rows)


def interval_coverage(
    predictions: pd.DataFrame, column: str = MODEL, level: float = INTERVAL_LEVEL
) -> dict[str | None, float]:
    """Share of actuals inside the interval, each origin judged by the other origins' errors.

    Keys are store ids and None (all stores). Empty with fewer than two origins.
    """
    origins = predictions["origin_date"].unique()
    if len(origins) < 2:
        return {}
    inside = pd.Series(np.nan, index=predictions.index)
    for origin in origins:
        this = predictions["origin_date"] == origin
        bounds = interval_bounds(predictions[~this], column, level).set_index("store_id")
        rows = predictions[this]
        chain = bounds.loc[bounds.index.isna()].iloc[0]
        low = rows["store_id"].map(bounds["lower_ratio"]).fillna(chain["lower_ratio"])
        high = rows["store_id"].map(bounds["upper_ratio"]).fillna(chain["upper_ratio"])
        inside[this] = (
            (rows["actual"] >= rows[column] * low) & (rows["actual"] <= rows[column] * high)
        ).astype(float)
    coverage: dict[str | None, float] = {None: float(inside.mean())}
    coverage.update(inside.groupby(predictions["store_id"]).mean().to_dict())
    return coverage


def backtest_metrics(predictions: pd.DataFrame) -> pd.DataFrame:
    """MAE, MAPE, R^2 and bias of every model, over all stores and per store.

    The model's rows also carry its interval multipliers and their leave-one-origin-out
    coverage. The overall R^2 pools all stores, so differences in store size count as
    explained; the per-store rows are the stricter reading.
    """
    bounds = interval_bounds(predictions).set_index("store_id")
    chain_bounds = bounds.loc[bounds.index.isna()].iloc[0]
    coverage = interval_coverage(predictions)
    groups: list[tuple[str | None, str, pd.DataFrame]] = [(None, "all stores", predictions)]
    groups += [
        (store_id, name, group)
        for (store_id, name), group in predictions.groupby(["store_id", "store_name"])
    ]
    rows = []
    for store_id, store_name, group in groups:
        own = chain_bounds if store_id is None else bounds.loc[store_id]
        for name in MODELS:
            is_model = name == MODEL
            rows.append(
                {
                    "scope": "overall" if store_id is None else "store",
                    "store_id": store_id,
                    "store_name": store_name,
                    "model": name,
                    **scores(group["actual"], group[name]),
                    "days_scored": len(group),
                    "origins": group["origin_date"].nunique(),
                    "first_origin_date": group["origin_date"].min(),
                    "last_origin_date": group["origin_date"].max(),
                    "interval_level": INTERVAL_LEVEL if is_model else np.nan,
                    "interval_lower_ratio": own["lower_ratio"] if is_model else np.nan,
                    "interval_upper_ratio": own["upper_ratio"] if is_model else np.nan,
                    "interval_coverage": coverage.get(store_id, np.nan) if is_model else np.nan,
                }
            )
    return pd.DataFrame(rows)


def beats_baseline(
    metrics: pd.DataFrame, baseline: str = SEASONAL_NAIVE, metric: str = "mae"
) -> tuple[bool, str]:
    """Whether the model's overall error is below the baseline's, and the comparison in words."""
    overall = metrics[metrics["scope"] == "overall"].set_index("model")
    ours, theirs = float(overall.loc[MODEL, metric]), float(overall.loc[baseline, metric])
    won = bool(ours < theirs)
    change = f" ({ours / theirs - 1:+.1%})" if theirs else ""
    verdict = "beats" if won else "does not beat"
    return won, (
        f"model {metric.upper()} {ours:,.2f} {verdict} {baseline.replace('_', ' ')} "
        f"{theirs:,.2f}{change}"
    )


def publishable(metrics: pd.DataFrame, history_end_date: dt.date) -> tuple[bool, str]:
    """Whether ``ml.forecast_backtest`` allows publishing a forecast from history ending on
    ``history_end_date``: the backtest must cover that same history and the model must beat
    the seasonal-naive baseline. The reason is in words either way."""
    if metrics.empty:
        return False, "the backtest table is empty; materialize ml/forecast_backtest first"
    backtested = pd.to_datetime(metrics["history_end_date"]).max().date()
    if backtested != history_end_date:
        return False, (
            f"the backtest covers history to {backtested} but the sales now run to "
            f"{history_end_date}; materialize ml/forecast_backtest first"
        )
    return beats_baseline(metrics)


def forecast_revenue(
    days: StoreDays,
    model: ForecastModel,
    bounds: pd.DataFrame,
    future_weather: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The next ``HORIZON_DAYS`` days of every open store, from the last day of history.

    ``bounds`` is ``interval_bounds`` of the backtest (per store, None for the chain).
    ``future_weather`` (store_id, sales_date and the ``WEATHER`` columns, e.g. from a weather
    forecast) replaces the expected weather where given; without it the last four weeks'
    average stands in, as in the backtest. A store with under a week of history is forecast
    at its mean so far (method ``trailing_mean``): the model has never seen one that young.
    """
    frame = examples(days, np.array([days.last_index]), observed_weather=False)
    frame["store_id"] = np.array(days.store_ids)[frame["store_index"]]
    frame["sales_date"] = days.last_date + pd.to_timedelta(frame["horizon"], unit="D")
    if future_weather is not None:
        known = future_weather.assign(sales_date=pd.to_datetime(future_weather["sales_date"]))
        frame = frame.merge(
            known[["store_id", "sales_date", *WEATHER]],
            on=["store_id", "sales_date"],
            how="left",
            suffixes=("", "_forecast"),
        )
        for name in WEATHER:
            frame[name] = frame[f"{name}_forecast"].fillna(frame[name])
    young = frame["history_days"] < MIN_HISTORY_DAYS
    prediction = np.where(young, frame[TRAILING_MEAN], predict(model, frame))
    indexed = bounds.set_index("store_id")
    chain = indexed.loc[indexed.index.isna()].iloc[0]
    low = frame["store_id"].map(indexed["lower_ratio"]).fillna(chain["lower_ratio"])
    high = frame["store_id"].map(indexed["upper_ratio"]).fillna(chain["upper_ratio"])
    return pd.DataFrame(
        {
            "store_id": frame["store_id"].to_numpy(),
            "store_name": np.array(days.store_names)[frame["store_index"]],
            "date": frame["sales_date"].dt.date.to_numpy(),
            "horizon": frame["horizon"].to_numpy(),
            "prediction": prediction,
            "prediction_lower": prediction * low.to_numpy(),
            "prediction_upper": prediction * high.to_numpy(),
            "interval_level": INTERVAL_LEVEL,
            "method": np.where(young, TRAILING_MEAN, MODEL),
            "history_end_date": days.last_date.date(),
        }
    ).sort_values(["store_id", "date"], ignore_index=True)
