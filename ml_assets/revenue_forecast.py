"""The revenue forecast assets: ``marts.fct_daily_store_sales`` in; ``ml.forecast_backtest`` (how
the model would have done) and, only when it beats the seasonal-naive baseline,
``ml.revenue_forecast`` (the next 14 days per store) out. Both refit weekly and score the days in
between from their stored artifacts (``ml_assets/cadence.py``)."""

from typing import TYPE_CHECKING, Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetObservation,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from dataflow_assets.lib.dbt import dbt_model_key
from dataflow_assets.lib.warehouse import DUCKDB_POOL, Warehouse
from ml_assets.automation import PUBLISH_WHEN_BACKTEST_PASSES
from ml_assets.cadence import RefitConfig, StoredFit, refit_decision, wants_refit

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from ml_assets.forecasting import ForecastModel, StoreDays

DAILY_STORE_SALES = dbt_model_key("fct_daily_store_sales")
FORECAST_BACKTEST = AssetKey(["ml", "forecast_backtest"])
REVENUE_FORECAST = AssetKey(["ml", "revenue_forecast"])
SEED = 42
SALES_QUERY = "select * from marts.fct_daily_store_sales order by store_id, sales_date"


@asset(
    key=FORECAST_BACKTEST,
    deps=[DAILY_STORE_SALES],
    description=(
        "Rolling-origin backtest of the daily revenue forecast at 8 weekly origins (Sundays) "
        "over the last weeks of history: MAE, MAPE, R^2 and bias per store and overall for the "
        "model, the seasonal-naive and trailing-mean baselines and the model given the actual "
        "weather; the model's 80% interval multipliers and their leave-one-origin-out coverage. "
        "An origin is fitted once and reused while its data are unchanged (model_version)."
    ),
    pool=DUCKDB_POOL,
    group_name="ml",
    kinds={"scikitlearn", "duckdb"},
    output_required=False,
)
def forecast_backtest(context: AssetExecutionContext, warehouse: Warehouse, config: RefitConfig):
    """Score the forecast at each backtest origin against both baselines, fitting only the
    origins whose result is not stored under their data (a new one each week)."""
    from ml_assets.artifacts import artifact_version, latest_artifact, save_artifact
    from ml_assets.forecasting import (
        NotEnoughHistory,
        backtest_metrics,
        backtest_refit_reason,
        beats_baseline,
        forecast_method,
        store_days,
        update_backtest,
        weather_coverage,
    )

    with warehouse.connect(read_only=True) as connection:
        sales = _sales(connection)
    stored = latest_artifact("forecast_backtest")
    artifact, fitted = stored if stored else (None, {})
    forced = wants_refit(config.refit, context.run.tags)
    method_changed = bool(fitted) and fitted.get("method") != forecast_method(SEED)
    reusable = fitted if fitted and not forced and not method_changed else {}
    try:
        days = store_days(sales)
        update = update_backtest(
            days, reusable.get("predictions"), reusable.get("origin_keys"), seed=SEED
        )
    except NotEnoughHistory as short:
        # A young data set is not an error: no backtest, so no forecast, until it can be judged.
        # The observation puts the reason on the asset's page without claiming a new table.
        context.log.warning(f"Backtest not run, forecast not published: {short}")
        yield AssetObservation(asset_key=FORECAST_BACKTEST, metadata=publication(False, str(short)))
        return
    predictions = update.predictions
    # The same origins under the same data keys are the same evidence: it keeps its version.
    refit = update.refit
    reason = backtest_refit_reason(update, fitted.get("version"), forced, method_changed)
    metrics = backtest_metrics(predictions)
    won, verdict = beats_baseline(metrics)
    version = artifact_version(context.run.run_id) if refit else fitted["version"]
    metrics = metrics.assign(history_end_date=days.last_date.date(), model_version=version)
    _replace_table(warehouse, "forecast_backtest", metrics)

    if refit:
        artifact = save_artifact(
            "forecast_backtest",
            version,
            fitted={
                "predictions": predictions,
                "metrics": metrics,
                "origin_keys": update.origin_keys,
                "method": forecast_method(SEED),
            },
            card=_backtest_card(days, predictions, metrics, verdict),
        )
    context.log.info(f"Backtest ({reason}): {verdict}")
    yield MaterializeResult(
        metadata={
            "dagster/row_count": len(metrics),
            "verdict": verdict,
            "beats_seasonal_naive": won,
            **publication(won, verdict),
            **_backtest_scores(predictions, metrics, weather_coverage(days)),
            "history_end_date": str(days.last_date.date()),
            "model_version": version,
            "refit": refit,
            "refit_reason": reason,
            "origins_fitted": len(update.fitted),
            "origins_reused": len(update.reused),
            "artifact": MetadataValue.path(str(artifact)),
        }
    )


@asset(
    key=REVENUE_FORECAST,
    deps=[DAILY_STORE_SALES, FORECAST_BACKTEST],
    description=(
        "Daily revenue (order totals incl. tax, dollars) of every store for the 14 days after "
        "the last day of data: prediction and an 80% interval from the backtest's errors. "
        "Published only when the backtest shows the model beating the seasonal-naive baseline; "
        "the model is refitted weekly and scores every day in between (model_version)."
    ),
    pool=DUCKDB_POOL,
    group_name="ml",
    kinds={"scikitlearn", "duckdb"},
    automation_condition=PUBLISH_WHEN_BACKTEST_PASSES,
)
def revenue_forecast(
    context: AssetExecutionContext, warehouse: Warehouse, config: RefitConfig
) -> MaterializeResult:
    """Forecast from the last day, if the backtest of this same history earned it: with a model
    fitted now on the weekly refit day (or when forced or its inputs changed), otherwise with
    the stored model accepted under the current backtest."""
    from ml_assets.artifacts import artifact_version, latest_artifact, save_artifact
    from ml_assets.forecasting import (
        ForecastModel,
        fit_model,
        forecast_inputs_changed,
        forecast_method,
        forecast_revenue,
        history_fingerprint,
        publishable,
        store_days,
    )

    with warehouse.connect(read_only=True) as connection:
        sales, metrics = _sales(connection), _backtest(connection)
    days = store_days(sales)
    ok, reason = publishable(metrics, days.last_date.date())
    if not ok:
        # The blocking check normally stops this run first; this guards direct materializations.
        raise Failure(
            description=f"Revenue forecast not published: {reason}",
            metadata={"reason": reason},
        )
    backtest_version = str(metrics["model_version"].iloc[0])
    stored = latest_artifact("revenue_forecast")
    artifact, fitted = stored if stored else (None, {})
    previous = StoredFit.from_artifact(fitted)
    changed = forecast_inputs_changed(days, fitted, backtest_version) if previous else None
    decision = refit_decision(
        previous,
        days.last_date.date(),
        forecast_method(SEED),
        forced=wants_refit(config.refit, context.run.tags),
        inputs_changed=changed,
    )
    if decision.refit:
        model = fit_model(days, seed=SEED)
        version = artifact_version(context.run.run_id)
        trained_through = days.last_date.date()
    else:
        model = ForecastModel(
            fitted["model"], tuple(fitted["features"]), fitted["weather_coverage"]
        )
        version, trained_through = fitted["version"], previous.trained_through
    bounds = _bounds(metrics)
    forecast = forecast_revenue(days, model, bounds).assign(model_version=version)
    _replace_table(warehouse, "revenue_forecast", forecast)

    if decision.refit:
        artifact = save_artifact(
            "revenue_forecast",
            version,
            fitted={
                "model": model.regressor,
                "features": list(model.features),
                "interval_bounds": bounds,
                "weather_coverage": model.weather_coverage,
                "trained_through": trained_through,
                "training_fingerprint": history_fingerprint(days, days.last_index),
                "backtest_model_version": backtest_version,
                "method": forecast_method(SEED),
            },
            card=_forecast_card(days, model, forecast, metrics, reason),
        )
    context.log.info(f"Published the forecast ({decision.reason}): {reason}")
    return MaterializeResult(
        metadata={
            **_forecast_summary(days, model, forecast, reason),
            "model_version": version,
            "refit": decision.refit,
            "refit_reason": decision.reason,
            "trained_through": str(trained_through),
            "artifact": MetadataValue.path(str(artifact)),
        }
    )


def _sales(connection: "duckdb.DuckDBPyConnection") -> "pd.DataFrame":
    return connection.execute(SALES_QUERY).df()


def _backtest(connection: "duckdb.DuckDBPyConnection") -> "pd.DataFrame":
    """``ml.forecast_backtest``, or an empty frame if no backtest has been written yet."""
    import pandas as pd

    has_backtest = connection.execute(
        "select count(*) from duckdb_tables() "
        "where schema_name = 'ml' and table_name = 'forecast_backtest'"
    ).fetchone()[0]
    if not has_backtest:
        return pd.DataFrame()
    return connection.execute("select * from ml.forecast_backtest").df()


def _replace_table(warehouse: Warehouse, table: str, frame: "pd.DataFrame") -> None:
    """Replace ``ml.<table>`` with ``frame``."""
    with warehouse.connect() as connection:
        connection.execute("create schema if not exists ml")
        connection.register("frame", frame)
        connection.execute(f"create or replace table ml.{table} as select * from frame")


def publication(published: bool, reason: str) -> dict[str, Any]:
    """Whether the backtest lets ``ml.revenue_forecast`` be published, and if not, why."""
    if published:
        return {"forecast_published": True}
    return {
        "forecast_published": False,
        "not_published": REVENUE_FORECAST.to_user_string(),
        "not_published_because": reason,
    }


def weather_origins(predictions: "pd.DataFrame") -> tuple[int, int]:
    """At how many backtest origins the model used weather features, out of how many origins."""
    used = int(predictions.drop_duplicates("origin_date")["weather_features_used"].sum())
    return used, int(predictions["origin_date"].nunique())


def _backtest_card(
    days: "StoreDays", predictions: "pd.DataFrame", metrics: "pd.DataFrame", verdict: str
) -> dict[str, Any]:
    return {
        "history": [str(days.dates[0].date()), str(days.last_date.date())],
        "verdict": verdict,
        "overall": _overall(metrics).to_dict(orient="records"),
        "weather_features_used_at_origins": list(weather_origins(predictions)),
    }


def _backtest_scores(
    predictions: "pd.DataFrame", metrics: "pd.DataFrame", coverage: float
) -> dict[str, Any]:
    """The model's scores, the weather it had, and the tables and chart behind them."""
    used, origins = weather_origins(predictions)
    overall = _overall(metrics)
    return {
        "weather_features_used": used == origins,
        "weather_features_used_at_origins": f"{used} of {origins}",
        "weather_coverage": round(coverage, 4),
        "model_mae": float(overall.loc["model", "mae"]),
        "model_mape": float(overall.loc["model", "mape"]),
        "model_r2": float(overall.loc["model", "r2"]),
        "interval_coverage": float(overall.loc["model", "interval_coverage"]),
        "overall": MetadataValue.md(overall.round(3).to_markdown()),
        "per_store": MetadataValue.md(_per_store(metrics)),
        "actual_vs_predicted": MetadataValue.md(_backtest_chart(predictions)),
    }


def _forecast_days(forecast: "pd.DataFrame") -> tuple[str, str]:
    return str(forecast["date"].min()), str(forecast["date"].max())


def _forecast_card(
    days: "StoreDays",
    model: "ForecastModel",
    forecast: "pd.DataFrame",
    metrics: "pd.DataFrame",
    reason: str,
) -> dict[str, Any]:
    return {
        "history": [str(days.dates[0].date()), str(days.last_date.date())],
        "forecast_days": list(_forecast_days(forecast)),
        "backtest": reason,
        "backtest_model_version": str(metrics["model_version"].iloc[0]),
        "weather": model.weather_note,
    }


def _forecast_summary(
    days: "StoreDays", model: "ForecastModel", forecast: "pd.DataFrame", reason: str
) -> dict[str, Any]:
    """What was forecast, for which days and stores, with which weather, as a chart and table."""
    first_date, last_date = _forecast_days(forecast)
    return {
        "dagster/row_count": len(forecast),
        "stores": int(forecast["store_id"].nunique()),
        "first_date": first_date,
        "last_date": last_date,
        "backtest": reason,
        "weather_features_used": model.weather_features_used,
        "weather_coverage": round(model.weather_coverage, 4),
        "weather": model.weather_note,
        "chain_forecast": MetadataValue.md(_forecast_chart(days, forecast)),
        "by_store": MetadataValue.md(_by_store(forecast)),
    }


def _overall(metrics: "pd.DataFrame") -> "pd.DataFrame":
    columns = ["mae", "mape", "r2", "bias", "days_scored", "origins", "interval_coverage"]
    return metrics[metrics["scope"] == "overall"].set_index("model")[columns]


def _per_store(metrics: "pd.DataFrame") -> str:
    stores = metrics[metrics["scope"] == "store"]
    wide = stores.pivot(index="store_name", columns="model", values=["mae", "mape"])
    wide.columns = [f"{metric}_{model}" for metric, model in wide.columns]
    return wide.round(3).to_markdown()


def _by_store(forecast: "pd.DataFrame") -> str:
    """Each store's forecast over the 14 days: total and mean per day, with the interval."""
    table = forecast.groupby("store_name").agg(
        total=("prediction", "sum"),
        total_lower=("prediction_lower", "sum"),
        total_upper=("prediction_upper", "sum"),
        per_day=("prediction", "mean"),
        method=("method", "first"),
    )
    return table.round(0).to_markdown()


def _bounds(metrics: "pd.DataFrame") -> "pd.DataFrame":
    """The interval multipliers the backtest measured, per store and chain-wide (None)."""
    rows = metrics[metrics["model"] == "model"]
    bounds = rows[["store_id", "interval_lower_ratio", "interval_upper_ratio"]].rename(
        columns={"interval_lower_ratio": "lower_ratio", "interval_upper_ratio": "upper_ratio"}
    )
    return bounds.reset_index(drop=True)


def _backtest_chart(predictions: "pd.DataFrame") -> str:
    """Chain-wide daily revenue: actual and each day's freshest backtest prediction."""
    from ml_assets.charts import line_chart, markdown_image

    freshest = predictions.sort_values("horizon").drop_duplicates(["store_id", "sales_date"])
    daily = freshest.groupby("sales_date")[
        ["actual", "model", "seasonal_naive", "trailing_mean"]
    ].sum()
    svg = line_chart(
        [f"{d:%b %d}" for d in daily.index],
        {
            "actual": daily["actual"].tolist(),
            "model": daily["model"].tolist(),
            "seasonal naive": daily["seasonal_naive"].tolist(),
            "trailing mean": daily["trailing_mean"].tolist(),
        },
        title="Backtest: chain revenue per day, actual vs forecast from the latest origin",
        y_label="revenue ($)",
    )
    return markdown_image(svg, "Backtest actual vs predicted")


def _forecast_chart(days: "StoreDays", forecast: "pd.DataFrame") -> str:
    """The last eight weeks of chain revenue and the forecast with its (summed) interval."""
    import numpy as np

    from ml_assets.charts import line_chart, markdown_image

    history = np.nansum(days.revenue[-56:], axis=1)
    dates = list(days.dates[-56:])
    ahead = forecast.groupby("date")[["prediction", "prediction_lower", "prediction_upper"]].sum()
    labels = [f"{d:%b %d}" for d in [*dates, *ahead.index]]
    gap = [None] * len(ahead)
    lead = [None] * (len(dates) - 1)
    svg = line_chart(
        labels,
        {
            "actual": [*history.tolist(), *gap],
            "forecast": [*lead, float(history[-1]), *ahead["prediction"].tolist()],
        },
        band=(
            [*lead, float(history[-1]), *ahead["prediction_lower"].tolist()],
            [*lead, float(history[-1]), *ahead["prediction_upper"].tolist()],
        ),
        band_label="80% interval (store intervals summed: conservative)",
        marker_index=len(dates) - 1,
        title="Chain revenue per day: the last 8 weeks and the next 14 days",
        y_label="revenue ($)",
    )
    return markdown_image(svg, "Revenue forecast")
