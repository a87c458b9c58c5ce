"""Fitting both ML models on three years of sample data: time, memory and what they chose.

Not a test: it prints figures and ratios and never fails on a time. The target is fitting the
customer segmentation and the revenue forecast (its rolling-origin backtest included) on three
years of sample data in under 60 seconds on the 2-core reference machine, in bounded memory.

By default it generates three years of sample data under a temporary DATAFLOW_HOME and builds
the marts with ``python -m dataflow_assets.cli.materialize`` (a few minutes); ``--warehouse`` reuses
a warehouse that already has the marts. The fits then run in this process on frames read from
``marts.dim_customers`` and ``marts.fct_daily_store_sales``, exactly as the assets read them.

    .venv/bin/python bench/bench_ml.py [--days 1095] [--scale 1.0] [--warehouse PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

TARGET_SECONDS = 60.0
MEMORY_BOUND_MB = 2048.0  # a quarter of what a small CI runner has
SEED = 42
REPO = Path(__file__).resolve().parent.parent


def build_warehouse(home: Path, days: int, scale: float) -> tuple[Path, dt.date]:
    """Sample data for ``days`` days ending yesterday, loaded and modelled by the platform."""
    from tools.sample_data import generate

    start = dt.date.today() - dt.timedelta(days=days)
    began = time.perf_counter()
    generate(home, start, days=days, scale=scale, seed=SEED, progress=False)
    print(f"sample data: {days} days from {start} in {time.perf_counter() - began:.0f} s")
    env = {**os.environ, "DATAFLOW_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}
    env.pop("DATAFLOW_WAREHOUSE", None)
    began = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "dataflow_assets.cli.materialize"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        sys.exit(f"materialize failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}")
    print(f"platform materialized (ingestion, dbt, ML) in {time.perf_counter() - began:.0f} s")
    return home / "warehouse.duckdb", start


def measured(step: Callable[[], Any]) -> tuple[Any, float, float]:
    """The step's result, its wall time in seconds and its peak traced allocation in MB."""
    tracemalloc.start()
    began = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, peak / 1e6


def planted_types_ari(assignments, start: dt.date, days: int, scale: float) -> float | None:
    """Agreement of the segments with the generator's own customer types (its ground truth)."""
    from sklearn.metrics import adjusted_rand_score

    from tools.sample_data.calendar import Period
    from tools.sample_data.generator import build_simulation

    population = build_simulation(Period(start, days), scale, 6, SEED).population
    types = dict(zip((bytes(i).decode() for i in population.ids), population.type, strict=True))
    clustered = assignments[assignments["segment_id"] >= 0]
    truth = [types.get(c) for c in clustered["customer_id"]]
    if None in truth:
        return None  # not the generator's customers (e.g. a --warehouse from elsewhere)
    return float(adjusted_rand_score(truth, clustered["segment_id"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--warehouse", type=Path, help="reuse a warehouse that has the marts")
    parser.add_argument("--start", type=dt.date.fromisoformat, help="its first day, for the ARI")
    args = parser.parse_args()

    from ml_assets.forecasting import (
        backtest_metrics,
        beats_baseline,
        fit_model,
        forecast_revenue,
        interval_bounds,
        rolling_origin_backtest,
        store_days,
    )
    from ml_assets.segmentation import candidates_table, customer_features, fit_segments

    with tempfile.TemporaryDirectory(prefix="bench-ml-") as folder:
        if args.warehouse:
            warehouse, start = args.warehouse, args.start
        else:
            warehouse, start = build_warehouse(Path(folder), args.days, args.scale)
        with duckdb.connect(str(warehouse), read_only=True) as connection:
            customers = connection.execute("select * from marts.dim_customers").df()
            sales = connection.execute("select * from marts.fct_daily_store_sales").df()

    load = os.getloadavg()[0]
    print(
        f"\n{len(customers) - 1:,} customers, {sales['store_id'].nunique()} stores, "
        f"{len(sales):,} store-days; load average {load:.1f} on {os.cpu_count()} cores"
    )

    features = customer_features(customers)
    segments, seg_seconds, seg_mb = measured(lambda: fit_segments(features, seed=SEED))

    def forecast():
        days = store_days(sales)
        predictions = rolling_origin_backtest(days, seed=SEED)
        model = fit_model(days, seed=SEED)
        return days, predictions, forecast_revenue(days, model, interval_bounds(predictions))

    (days, predictions, ahead), fc_seconds, fc_mb = measured(forecast)

    total = seg_seconds + fc_seconds
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n{'step':<34} {'s':>7} {'peak MB':>9}")
    print(f"{'segmentation (14 candidates)':<34} {seg_seconds:>7.1f} {seg_mb:>9.0f}")
    print(f"{'forecast (8-origin backtest + fit)':<34} {fc_seconds:>7.1f} {fc_mb:>9.0f}")
    print(
        f"both models: {total:.1f} s, {total / TARGET_SECONDS:.2f} of the "
        f"{TARGET_SECONDS:.0f} s target ({TARGET_SECONDS / total:.1f}x headroom)"
    )
    print(
        f"memory: peak allocations {max(seg_mb, fc_mb):.0f} MB, process peak RSS "
        f"{peak_rss:.0f} MB ({peak_rss / MEMORY_BOUND_MB:.2f} of a {MEMORY_BOUND_MB:.0f} MB bound)"
    )

    chosen = segments.choice.candidate
    print(f"\nsegmentation: {segments.choice.reason}")
    print(candidates_table(segments.candidates, chosen).to_string(index=False))
    print(segments.profiles[["segment_id", "segment_name", "customers", "share"]].to_string())
    if start is not None:
        ari = planted_types_ari(segments.assignments, start, args.days, args.scale)
        if ari is not None:
            print(f"agreement with the generator's customer types: ARI {ari:.3f}")

    metrics = backtest_metrics(predictions)
    overall = metrics[metrics["scope"] == "overall"].set_index("model")
    print(f"\nforecast: {beats_baseline(metrics)[1]}")
    print(overall[["mae", "mape", "r2", "bias", "interval_coverage"]].round(3).to_string())
    trailing = overall.loc["trailing_mean", "mae"]
    print(
        f"vs trailing mean: MAE ratio {overall.loc['model', 'mae'] / trailing:.3f}; "
        f"if the weather were known: {overall.loc['model_if_weather_known', 'mae'] / trailing:.3f}"
    )
    print(
        f"forecast {ahead['date'].min()} to {ahead['date'].max()}: "
        f"{np.round(ahead.groupby('date')['prediction'].sum().mean()):,.0f} $/day chain-wide; "
        f"history {days.dates[0].date()} to {days.last_date.date()}"
    )


if __name__ == "__main__":
    main()
