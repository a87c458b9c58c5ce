"""How likely each kind of customer is to order on a given day at a given store.

The chance multiplies, per customer type: its weekday or weekend habit, the season (summer draws
occasional visitors and brunch crowds, students vanish in school holidays), the store's weather
(rain and snow keep people at home, the more so for those who only drop by) and whether the store
is open at all. A customer's own appetite multiplies the result in the order simulation.

The weather also decides what people drink: the hotter the day, the larger the share of cold drinks.
"""

from __future__ import annotations

import numpy as np

from tools.sample_data.calendar import DayFeatures
from tools.sample_data.customers import CUSTOMER_TYPES
from tools.sample_data.stores import Store
from tools.sample_data.weather import DailyWeather

SCHOOL_BREAK_FACTOR = 0.25  # students still around during holidays, relative to term time
HEAVY_RAIN_MM = 10.0  # from this much rain on, a day counts as fully rainy
HEAVY_SNOW_CM = 5.0
COLD_DRINK_MIDPOINT_C = 21.0  # daily maximum at which half the drinks are cold
COLD_DRINK_SPREAD_C = 4.0


def bad_weather(weather: DailyWeather) -> np.ndarray:
    """How rainy or snowy each day is, from 0 (dry) to 1 (a downpour or heavy snow)."""
    rain = weather.rain_sum / HEAVY_RAIN_MM
    snow = weather.snowfall_sum / HEAVY_SNOW_CM
    return np.clip(rain + snow, 0.0, 1.0)


def daily_demand(
    features: DayFeatures, stores: list[Store], weather: list[DailyWeather]
) -> np.ndarray:
    """Chance of ordering for an average customer, as an array indexed [day, type, store]."""
    days = len(features.weekday)
    demand = np.zeros((days, len(CUSTOMER_TYPES), len(stores)))
    day_numbers = np.arange(days)
    for t, kind in enumerate(CUSTOMER_TYPES):
        habit = np.where(features.is_weekend, kind.visit_chance[1], kind.visit_chance[0])
        season = 1.0 + kind.summer_lift * features.summer
        if kind.follows_school_term:
            season = season * np.where(features.school_break, SCHOOL_BREAK_FACTOR, 1.0)
        for s, store in enumerate(stores):
            stays_home = kind.rain_sensitivity * bad_weather(weather[s])
            is_open = day_numbers >= store.opened_day
            demand[:, t, s] = habit * season * (1.0 - stays_home) * is_open
    return demand


def cold_drink_share(max_temperature: np.ndarray, bias: np.ndarray | float) -> np.ndarray:
    """Share of drinks ordered cold: rises with the day's maximum temperature."""
    warmth = (np.asarray(max_temperature) - COLD_DRINK_MIDPOINT_C) / COLD_DRINK_SPREAD_C
    return np.clip(1.0 / (1.0 + np.exp(-warmth)) + bias, 0.03, 0.97)
