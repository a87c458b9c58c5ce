"""Synthetic daily weather per store city, and its Open-Meteo archive API response.

The platform reads weather from Open-Meteo's ``/v1/archive`` endpoint and, offline, replays a
snapshot in that API's exact response format. This module makes such a snapshot for a city over
the generated period, as if requested with ``daily=<contract.WEATHER_DAILY_VARIABLES>`` and the
city's ``timezone``. The weather is invented but plausible:

- temperature follows the seasons, colder and more seasonal at higher latitudes, milder and flatter
  on the Pacific coast, with day-to-day swings that persist for a few days;
- rain comes in spells; the Pacific coast is wet in winter and dry in summer;
- precipitation falls as snow only when the day is cold;
- sunshine is bounded by the day length (short in winter) and low on wet days;
- each day's WMO weather code agrees with its rain, snow and sunshine.

The same weather drives demand in the order simulation (rain keeps people home, heat sells cold
drinks), so the ML features built from the snapshot carry real signal. ``generationtime_ms`` is a
fixed number so the snapshot is byte-identical for the same seed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from dataflow_assets.lib.contract import WEATHER_DAILY_UNITS, WEATHER_DAILY_VARIABLES, City
from tools.sample_data.calendar import Period, day_features

GENERATION_TIME_MS = 0.5  # fixed: a measured time would make every snapshot differ

ELEVATION_M: dict[str, float] = {
    "Philadelphia": 12.0,
    "Brooklyn": 10.0,
    "Chicago": 181.0,
    "San Francisco": 16.0,
    "New Orleans": 2.0,
    "Los Angeles": 89.0,
    "Seattle": 56.0,
    "Austin": 149.0,
    "Denver": 1609.0,
    "Boston": 14.0,
    "Miami": 2.0,
    "Portland": 15.0,
}

# Snow water: Open-Meteo reports snowfall in cm, 0.7 cm per mm of water.
CM_SNOW_PER_MM_WATER = 0.7


@dataclass(frozen=True)
class DailyWeather:
    """One city's weather, one array element per day, rounded as the API rounds."""

    city: City
    period: Period
    weather_code: np.ndarray
    temperature_2m_max: np.ndarray
    temperature_2m_min: np.ndarray
    temperature_2m_mean: np.ndarray
    precipitation_sum: np.ndarray
    rain_sum: np.ndarray
    snowfall_sum: np.ndarray
    sunshine_duration: np.ndarray
    wind_speed_10m_max: np.ndarray


def _is_pacific_coast(city: City) -> bool:
    return city.longitude < -115


def _climate(city: City) -> tuple[float, float, float]:
    """Annual mean temperature, seasonal amplitude and day-to-day spread, from the coordinates."""
    latitude = abs(city.latitude)
    mean = 43.0 - 0.75 * latitude
    amplitude = max(3.0, 0.45 * latitude - 6.0)
    spread = 3.5 if latitude > 35 else 2.5
    if _is_pacific_coast(city):
        mean += 0.3 * (latitude - 34.0)
        amplitude *= 0.45
        spread = 2.0
    return mean, amplitude, spread


def _wet_day_chance(city: City, summer: np.ndarray) -> np.ndarray:
    """Chance that a day is wet: dry summers and wet winters on the Pacific coast."""
    latitude = abs(city.latitude)
    if _is_pacific_coast(city):
        level = 0.02 + 0.02 * (latitude - 30.0)
        swing = 0.10 + 0.012 * (latitude - 30.0)
        return np.clip(level - swing * summer, 0.01, 0.8)
    if -110 < city.longitude < -100:  # the dry high plains
        return np.full_like(summer, 0.2)
    return 0.30 + 0.03 * summer


def _day_length_seconds(latitude: float, day_of_year: np.ndarray) -> np.ndarray:
    declination = np.radians(23.44) * np.sin(2 * np.pi * (284 + day_of_year) / 365.0)
    cos_hour_angle = np.clip(-np.tan(np.radians(latitude)) * np.tan(declination), -1.0, 1.0)
    return 2 * np.degrees(np.arccos(cos_hour_angle)) / 15.0 * 3600.0


def _persistent_noise(rng: np.random.Generator, days: int, persistence: float) -> np.ndarray:
    """Standard-normal AR(1) series: today's value leans on yesterday's."""
    shocks = rng.standard_normal(days) * np.sqrt(1 - persistence**2)
    series = np.empty(days)
    previous = rng.standard_normal()
    for day in range(days):
        previous = persistence * previous + shocks[day]
        series[day] = previous
    return series


def wmo_weather_code(
    rain_mm: np.ndarray, snow_cm: np.ndarray, sunshine_fraction: np.ndarray, max_temp: np.ndarray
) -> np.ndarray:
    """The day's most significant WMO code: snow, then rain, then cloud cover from sunshine."""
    cloud = np.select(
        [sunshine_fraction > 0.8, sunshine_fraction > 0.6, sunshine_fraction > 0.35], [0, 1, 2], 3
    )
    rain = np.select(
        [rain_mm < 1.0, rain_mm < 5.0, (rain_mm >= 10.0) & (max_temp >= 25.0), rain_mm < 15.0],
        [51, 61, 95, 63],
        65,
    )
    snow = np.select([snow_cm < 1.0, snow_cm < 5.0], [71, 73], 75)
    snow_water = snow_cm / CM_SNOW_PER_MM_WATER
    return np.where(
        (snow_cm > 0) & (snow_water >= rain_mm), snow, np.where(rain_mm > 0, rain, cloud)
    ).astype(np.int64)


def simulate_weather(city: City, period: Period, rng: np.random.Generator) -> DailyWeather:
    """Plausible daily weather for ``city`` over ``period``."""
    features = day_features(period)
    days = period.days
    annual_mean, amplitude, spread = _climate(city)
    sign = 1.0 if city.latitude >= 0 else -1.0

    wet_chance = _wet_day_chance(city, sign * features.summer)
    wetness = _persistent_noise(rng, days, 0.5)
    wet = 1.0 / (1.0 + np.exp(-1.702 * wetness)) < wet_chance  # logistic approximation of Phi
    water = np.where(wet, np.round(rng.gamma(0.8, 10.0, days) + 0.1, 1), 0.0)

    mean_temp = (
        annual_mean
        + amplitude * sign * features.summer
        + spread * _persistent_noise(rng, days, 0.7)
        - 1.5 * wet
    )
    day_range = np.where(wet, rng.normal(6.0, 1.5, days), rng.normal(10.0, 2.0, days))
    day_range = np.clip(day_range, 2.0, 18.0)
    t_mean = np.round(mean_temp, 1)
    t_max = np.round(mean_temp + day_range * 0.55, 1)
    t_min = np.round(mean_temp - day_range * 0.45, 1)

    # Snow when it is freezing, sleet (half and half) just above.
    snow_share = np.select([t_mean < 0.5, t_mean < 2.0], [1.0, 0.5], 0.0)
    snow_water = np.round(water * snow_share, 1)
    rain = np.round(water - snow_water, 1)
    snowfall = np.round(snow_water * CM_SNOW_PER_MM_WATER, 2)

    sunshine_fraction = np.where(wet, rng.beta(1.2, 5.0, days), rng.beta(5.0, 2.0, days) * 0.95)
    day_length = _day_length_seconds(city.latitude, features.day_of_year)
    sunshine = np.round(sunshine_fraction * day_length, 2)
    wind = np.round(5.0 + rng.gamma(4.0, 3.5, days) + 6.0 * wet, 1)

    return DailyWeather(
        city=city,
        period=period,
        weather_code=wmo_weather_code(rain, snowfall, sunshine_fraction, t_max),
        temperature_2m_max=t_max,
        temperature_2m_min=t_min,
        temperature_2m_mean=t_mean,
        precipitation_sum=np.round(rain + snow_water, 1),
        rain_sum=rain,
        snowfall_sum=snowfall,
        sunshine_duration=sunshine,
        wind_speed_10m_max=wind,
    )


def _json_numbers(values: np.ndarray) -> list[Any]:
    # Adding 0.0 turns -0.0 into 0.0, which the API never prints.
    if values.dtype.kind in "iu":
        return values.tolist()
    return (values + 0.0).tolist()


def open_meteo_response(weather: DailyWeather) -> dict[str, Any]:
    """The archive API's JSON body for this city and period, keys in the API's order."""
    city = weather.city
    zone = ZoneInfo(city.timezone)
    first_noon = dt.datetime.combine(weather.period.start, dt.time(12), tzinfo=zone)
    offset = first_noon.utcoffset() or dt.timedelta(0)
    daily: dict[str, list[Any]] = {
        "time": [str(d) for d in weather.period.dates()],
    }
    for variable in WEATHER_DAILY_VARIABLES:
        daily[variable] = _json_numbers(getattr(weather, variable))
    return {
        "latitude": city.latitude,
        "longitude": city.longitude,
        "generationtime_ms": GENERATION_TIME_MS,
        "utc_offset_seconds": int(offset.total_seconds()),
        "timezone": city.timezone,
        "timezone_abbreviation": first_noon.tzname(),
        "elevation": ELEVATION_M.get(city.name, 50.0),
        "daily_units": dict(WEATHER_DAILY_UNITS),
        "daily": daily,
    }
