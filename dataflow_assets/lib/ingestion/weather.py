"""Daily weather for the store cities: which calls to make, parsing Open-Meteo's archive answer,
and replacing a window of ``raw.weather``.

The response is parsed by one function whether it came from the live API or from the recorded
snapshot replayed offline, so the embedded default exercises the production parsing code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb

from dataflow_assets.lib.contract import CITIES_BY_NAME, WEATHER_DAILY_VARIABLES, City
from dataflow_assets.lib.weather_api import WeatherApi

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


def store_cities(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, dt.date]]:
    """Each store city and the day its first store opened, from ``raw.stores``."""
    return connection.execute(
        "select name, cast(min(opened_at) as date) from raw.stores group by name"
    ).fetchall()


@dataclass
class FetchedWeather:
    """Every city's parsed days of one window, and the cities the offline replay has no record of."""

    frame: pd.DataFrame
    unrecorded: list[str]


def fetch_weather(
    api: WeatherApi, calls: list[tuple[City, dt.date, dt.date]], warn: Any = None
) -> FetchedWeather:
    """Fetch and parse every call before anything is written: all of the window or none of it.

    Raises ``WeatherApiError`` or ``ValueError`` (malformed answer); a city the offline replay
    has no recording for (e.g. after importing a jafgen dump) stays empty and is reported.
    """
    import pandas as pd  # here, not at import: definitions load in every run's process

    frames, unrecorded = [], []
    for city, first, last in calls:
        try:
            response = api.fetch_daily(city, first, last)
        except FileNotFoundError as missing:
            unrecorded.append(city.name)
            if warn:
                warn(str(missing))
            continue
        frames.append(parse_daily_weather(response, city.name))
    frame = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame({c: [] for c in WEATHER_COLUMNS})
    )
    return FetchedWeather(frame, unrecorded)


def replace_weather(
    connection: duckdb.DuckDBPyConnection, weather: pd.DataFrame, start: dt.date, end: dt.date
) -> None:
    """The days [start, end] of ``raw.weather`` become ``weather``'s rows for them, in one
    transaction; rows outside the window (an API that answers more) are not written."""
    typed = ", ".join(f'"{c}" {t}' for c, t in WEATHER_COLUMNS.items())
    casts = ", ".join(f'cast("{c}" as {t})' for c, t in WEATHER_COLUMNS.items())
    connection.execute("create schema if not exists raw")
    connection.execute(f"create table if not exists raw.weather ({typed}, _loaded_at TIMESTAMPTZ)")
    connection.register("fetched_weather", weather)
    connection.execute("begin transaction")
    connection.execute("delete from raw.weather where date between ? and ?", [start, end])
    connection.execute(
        "insert into raw.weather select "
        f"{casts}, now() from fetched_weather where cast(date as date) between ? and ?",
        [start, end],
    )
    connection.execute("commit")
