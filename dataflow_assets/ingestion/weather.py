"""Weather asset: daily Open-Meteo archive weather for every store's city into ``raw.weather``.

The response is parsed by one function whether it came from the live API or from the recorded
snapshot replayed offline, so the embedded default exercises the production parsing code.
"""

import datetime as dt
from typing import Any

import pandas as pd
from dagster import (
    AssetExecutionContext,
    Backoff,
    Failure,
    MaterializeResult,
    RetryPolicy,
    asset,
)

from dataflow_assets.contract import CITIES_BY_NAME, WEATHER_DAILY_VARIABLES
from dataflow_assets.resources import DUCKDB_POOL, Warehouse, WeatherApi

WEATHER_COLUMNS: dict[str, str] = {
    "store_city": "VARCHAR",
    "latitude": "DOUBLE",
    "longitude": "DOUBLE",
    "date": "DATE",
    "weather_code": "INTEGER",
    **{v: "DOUBLE" for v in WEATHER_DAILY_VARIABLES if v != "weather_code"},
}


def parse_daily_weather(response: dict[str, Any], city_name: str) -> pd.DataFrame:
    """One row per day from an Open-Meteo archive response; names what is missing if malformed."""
    daily = response.get("daily")
    if not isinstance(daily, dict) or "time" not in daily:
        raise ValueError(
            f"Weather response for {city_name} has no 'daily.time' block; keys: "
            f"{sorted(response)}. Is the URL the Open-Meteo archive endpoint (/v1/archive)?"
        )
    missing = [v for v in WEATHER_DAILY_VARIABLES if v not in daily]
    if missing:
        raise ValueError(f"Weather response for {city_name} lacks daily variables {missing}.")
    lengths = {len(daily[v]) for v in ("time", *WEATHER_DAILY_VARIABLES)}
    if len(lengths) != 1:
        raise ValueError(f"Weather response for {city_name} has daily arrays of unequal length.")
    frame = pd.DataFrame({v: daily[v] for v in WEATHER_DAILY_VARIABLES})
    frame.insert(0, "date", pd.to_datetime(daily["time"]).date)
    frame.insert(0, "longitude", float(response["longitude"]))
    frame.insert(0, "latitude", float(response["latitude"]))
    frame.insert(0, "store_city", city_name)
    return frame


@asset(
    key=["raw", "weather"],
    description="Daily weather (Open-Meteo archive) for the city of every store, from its opening.",
    deps=[["raw", "stores"]],
    pool=DUCKDB_POOL,
    group_name="raw",
    kinds={"duckdb", "api"},
    retry_policy=RetryPolicy(max_retries=3, delay=10, backoff=Backoff.EXPONENTIAL),
)
def raw_weather(
    context: AssetExecutionContext, warehouse: Warehouse, weather_api: WeatherApi
) -> MaterializeResult:
    with warehouse.connect() as connection:
        stores = connection.execute(
            "select name, cast(min(opened_at) as date) from raw.stores group by name order by name"
        ).fetchall()
    yesterday = dt.date.today() - dt.timedelta(days=1)
    frames, unknown = [], []
    for name, opened_on in stores:
        city = CITIES_BY_NAME.get(name)
        if city is None:
            unknown.append(name)
            continue
        frames.append(
            parse_daily_weather(weather_api.fetch_daily(city, opened_on, yesterday), name)
        )
    if unknown:
        context.log.warning(
            f"No coordinates for store cities {unknown}; add them to contract.STORE_CITIES."
        )
    if not frames:
        raise Failure(
            "No weather fetched: raw.stores has no store in a city with known coordinates."
        )
    weather = pd.concat(frames, ignore_index=True)
    typed = ", ".join(f'"{c}" {t}' for c, t in WEATHER_COLUMNS.items())
    casts = ", ".join(f'cast("{c}" as {t})' for c, t in WEATHER_COLUMNS.items())
    with warehouse.connect() as connection:
        connection.execute("create schema if not exists raw")
        connection.execute("begin transaction")
        connection.execute(f"create or replace table raw.weather ({typed}, _loaded_at TIMESTAMPTZ)")
        connection.register("fetched_weather", weather)
        connection.execute(f"insert into raw.weather select {casts}, now() from fetched_weather")
        connection.execute("commit")
    return MaterializeResult(
        metadata={"rows": len(weather), "cities": len(frames), "unknown_cities": ", ".join(unknown)}
    )
