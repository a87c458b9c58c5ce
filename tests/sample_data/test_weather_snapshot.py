"""Weather snapshots: the Open-Meteo archive response format, and weather that makes sense."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from dataflow_assets.lib import contract
from tools.sample_data.calendar import Period
from tools.sample_data.weather import DailyWeather, open_meteo_response, simulate_weather

from .conftest import SampleRun

OPEN_METEO_KEYS = [
    "latitude",
    "longitude",
    "generationtime_ms",
    "utc_offset_seconds",
    "timezone",
    "timezone_abbreviation",
    "elevation",
    "daily_units",
    "daily",
]
YEAR = Period(dt.date(2023, 1, 1), 365)


def _year_of(city_name: str, seed: int = 1) -> DailyWeather:
    return simulate_weather(contract.CITIES_BY_NAME[city_name], YEAR, np.random.default_rng(seed))


def test_weather_snapshot_has_open_meteo_structure_and_covers_the_period(
    small_run: SampleRun,
) -> None:
    files = sorted((small_run.home / "weather").iterdir())
    expected = {
        contract.weather_snapshot_file_name(c.latitude, c.longitude): c
        for c in contract.STORE_CITIES[:6]
    }
    assert sorted(f.name for f in files) == sorted(expected)
    days = [small_run.start + dt.timedelta(days=i) for i in range(small_run.days)]
    for path in files:
        response = json.loads(path.read_text(encoding="utf-8"))
        city = expected[path.name]
        assert list(response) == OPEN_METEO_KEYS
        assert (response["latitude"], response["longitude"]) == (city.latitude, city.longitude)
        assert response["timezone"] == city.timezone
        assert isinstance(response["utc_offset_seconds"], int)
        assert response["daily_units"] == contract.WEATHER_DAILY_UNITS
        daily = response["daily"]
        assert list(daily) == ["time", *contract.WEATHER_DAILY_VARIABLES]
        assert daily["time"] == [d.isoformat() for d in days]
        for variable in contract.WEATHER_DAILY_VARIABLES:
            assert len(daily[variable]) == len(days)
            assert all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in daily[variable]
            )
        assert all(isinstance(code, int) for code in daily["weather_code"])


def test_snow_falls_only_on_cold_days() -> None:
    weather = _year_of("Chicago")
    snowy = weather.snowfall_sum > 0
    assert snowy.sum() > 5
    assert np.all(weather.temperature_2m_mean[snowy] < 2.0)
    assert not (_year_of("Los Angeles").snowfall_sum > 0).any()


def test_precipitation_is_rain_plus_snow_water() -> None:
    weather = _year_of("Brooklyn")
    snow_water = weather.snowfall_sum / 0.7
    np.testing.assert_allclose(weather.precipitation_sum, weather.rain_sum + snow_water, atol=0.15)
    assert np.all(weather.rain_sum >= 0) and np.all(weather.snowfall_sum >= 0)


def test_weather_codes_agree_with_rain_and_snow() -> None:
    for city in ("Chicago", "Brooklyn", "Seattle", "New Orleans"):
        weather = _year_of(city)
        code = weather.weather_code
        dry = weather.precipitation_sum == 0
        assert np.all(code[dry] <= 3), city  # clear to overcast
        assert np.all(code[~dry] >= 51), city
        snow_code = (code >= 71) & (code <= 77)
        assert np.all(weather.snowfall_sum[snow_code] > 0), city


def test_winter_is_colder_and_darker_than_summer_and_more_so_further_north() -> None:
    january, july = slice(0, 31), slice(181, 212)
    chicago, miami = _year_of("Chicago"), _year_of("Miami")
    for weather in (chicago, miami):
        assert (
            weather.temperature_2m_mean[january].mean() < weather.temperature_2m_mean[july].mean()
        )
        assert weather.sunshine_duration[january].max() < weather.sunshine_duration[july].max()
    assert (
        chicago.temperature_2m_mean[january].mean() < miami.temperature_2m_mean[january].mean() - 10
    )


def test_daily_temperatures_are_ordered_and_sunshine_fits_in_a_day() -> None:
    weather = _year_of("Seattle")
    assert np.all(weather.temperature_2m_min <= weather.temperature_2m_mean)
    assert np.all(weather.temperature_2m_mean <= weather.temperature_2m_max)
    assert np.all((weather.sunshine_duration >= 0) & (weather.sunshine_duration < 16 * 3600))


def test_pacific_coast_has_wet_winters_and_dry_summers() -> None:
    weather = _year_of("Los Angeles")
    wet = weather.precipitation_sum > 0
    assert wet[:90].sum() > 3 * wet[150:240].sum()


@pytest.mark.parametrize("seed", [1, 2])
def test_same_seed_gives_the_same_response(seed: int) -> None:
    city = contract.CITIES_BY_NAME["Denver"]
    first = open_meteo_response(simulate_weather(city, YEAR, np.random.default_rng(seed)))
    second = open_meteo_response(simulate_weather(city, YEAR, np.random.default_rng(seed)))
    assert json.dumps(first) == json.dumps(second)
