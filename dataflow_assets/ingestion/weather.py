"""Weather asset: daily Open-Meteo archive weather for every store's city into ``raw.weather``.

The response is parsed by one function whether it came from the live API or from the recorded
snapshot replayed offline, so the embedded default exercises the production parsing code.
"""

import datetime as dt
from typing import TYPE_CHECKING, Any

from dagster import (
    AssetExecutionContext,
    BackfillPolicy,
    Backoff,
    Failure,
    MaterializeResult,
    RetryPolicy,
    asset,
)

from dataflow_assets.contract import CITIES_BY_NAME, WEATHER_DAILY_VARIABLES, City
from dataflow_assets.partitions import business_days, daily_partitions
from dataflow_assets.resources import DUCKDB_POOL, Warehouse, WeatherApi, WeatherApiError

if TYPE_CHECKING:
    import pandas as pd

WEATHER_COLUMNS: dict[str, str] = {
    "store_city": "VARCHAR",
    "latitude": "DOUBLE",
    "longitude": "DOUBLE",
    "date": "DATE",
    "weather_code": "INTEGER",
    **{v: "DOUBLE" for v in WEATHER_DAILY_VARIABLES if v != "weather_code"},
}


def parse_daily_weather(response: dict[str, Any], city_name: str) -> "pd.DataFrame":
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
    import pandas as pd  # here, not at import: definitions load in every run's process

    frame = pd.DataFrame({v: daily[v] for v in WEATHER_DAILY_VARIABLES})
    frame.insert(0, "date", pd.to_datetime(daily["time"]).date)
    frame.insert(0, "longitude", float(response["longitude"]))
    frame.insert(0, "latitude", float(response["latitude"]))
    frame.insert(0, "store_city", city_name)
    return frame


def weather_requests(
    stores: list[tuple[str, dt.date]], start: dt.date, end: dt.date
) -> tuple[list[tuple[City, dt.date, dt.date]], list[str]]:
    """One API call per store city for the days of [start, end] it was open; unknown cities apart."""
    calls, unknown = [], []
    for name, opened_on in sorted(stores):
        city = CITIES_BY_NAME.get(name)
        if city is None:
            unknown.append(name)
        elif opened_on <= end:
            calls.append((city, max(start, opened_on), end))
    return calls, unknown


@asset(
    key=["raw", "weather"],
    description=(
        "Daily weather (Open-Meteo archive) for the city of every open store, one partition a "
        "day; a partition is written only once every city's response for it has parsed."
    ),
    deps=[["raw", "stores"]],
    partitions_def=daily_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    pool=DUCKDB_POOL,
    group_name="raw",
    kinds={"duckdb", "api"},
    retry_policy=RetryPolicy(max_retries=2, delay=30, backoff=Backoff.EXPONENTIAL),
)
def raw_weather(
    context: AssetExecutionContext, warehouse: Warehouse, weather_api: WeatherApi
) -> MaterializeResult:
    start, end = business_days(context.partition_time_window)
    with warehouse.connect() as connection:
        stores = connection.execute(
            "select name, cast(min(opened_at) as date) from raw.stores group by name"
        ).fetchall()
    calls, unknown = weather_requests(stores, start, end)
    if unknown:
        context.log.warning(
            f"No coordinates for store cities {unknown}; add them to contract.STORE_CITIES."
        )
    # Fetch and parse everything before touching the table: all of the window or none of it.
    frames, unrecorded = [], []
    try:
        for city, first, last in calls:
            try:
                response = weather_api.fetch_daily(city, first, last)
            except FileNotFoundError as missing:
                # Offline replay without a recording (e.g. after importing a jafgen dump): the
                # days stay empty and say so, rather than failing everything downstream.
                unrecorded.append(city.name)
                context.log.warning(str(missing))
                continue
            frames.append(parse_daily_weather(response, city.name))
    except (WeatherApiError, ValueError) as error:
        # Throttling and outages are worth the retry policy; a malformed answer is not.
        transient = isinstance(error, WeatherApiError) and error.transient
        raise Failure(str(error), allow_retries=transient) from error
    import pandas as pd

    weather = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame({c: [] for c in WEATHER_COLUMNS})
    )
    typed = ", ".join(f'"{c}" {t}' for c, t in WEATHER_COLUMNS.items())
    casts = ", ".join(f'cast("{c}" as {t})' for c, t in WEATHER_COLUMNS.items())
    with warehouse.connect() as connection:
        connection.execute("create schema if not exists raw")
        connection.execute(
            f"create table if not exists raw.weather ({typed}, _loaded_at TIMESTAMPTZ)"
        )
        connection.register("fetched_weather", weather)
        connection.execute("begin transaction")
        connection.execute("delete from raw.weather where date between ? and ?", [start, end])
        connection.execute(
            "insert into raw.weather select "
            f"{casts}, now() from fetched_weather where cast(date as date) between ? and ?",
            [start, end],
        )
        connection.execute("commit")
    return MaterializeResult(
        metadata={
            "rows": len(weather),
            "api_calls": len(calls),
            "unknown_cities": ", ".join(unknown) or "none",
            "cities_without_recorded_weather": ", ".join(unrecorded) or "none",
        }
    )
