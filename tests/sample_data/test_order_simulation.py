"""Customer behaviour in the order simulation: habits by type, seasons, weather, growth, volume."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pytest

from tools.sample_data.calendar import Period, day_features
from tools.sample_data.customers import CUSTOMER_TYPES, TYPE_NAMES
from tools.sample_data.demand import cold_drink_share, daily_demand
from tools.sample_data.generator import build_simulation
from tools.sample_data.menu import COLD_DRINKS, HOT_DRINKS, PRICES
from tools.sample_data.stores import WEEKDAY_HOURS, WEEKEND_HOURS
from tools.sample_data.timestamps import MICROS_PER_DAY, MICROS_PER_MINUTE


def _simulate(
    period: Period, scale: float, stores: int = 6, seed: int = 11
) -> dict[str, np.ndarray]:
    """All days of a run, flattened into per-order and per-item arrays."""
    simulation = build_simulation(period, scale, stores, seed)
    days = [simulation.orders.simulate_day(d) for d in range(period.days)]
    features = day_features(period)
    items_offset = np.cumsum([0] + [d.order_count for d in days[:-1]])
    return {
        "type": np.concatenate([d.customer_type for d in days]),
        "store": np.concatenate([d.store for d in days]),
        "weekend": np.concatenate(
            [np.full(d.order_count, features.is_weekend[d.day]) for d in days]
        ),
        "minute": np.concatenate(
            [d.ordered_at % MICROS_PER_DAY // MICROS_PER_MINUTE for d in days]
        ),
        "day": np.concatenate([np.full(d.order_count, d.day) for d in days]),
        "items": np.concatenate([np.bincount(d.item_order, minlength=d.order_count) for d in days]),
        "subtotal": np.concatenate([d.subtotal for d in days]),
        "item_order": np.concatenate(
            [d.item_order + o for d, o in zip(days, items_offset, strict=True)]
        ),
        "item_sku": np.concatenate([d.item_sku for d in days]),
        "orders_per_day": np.array([d.order_count for d in days]),
    }


@pytest.fixture(scope="module")
def eight_weeks() -> dict[str, np.ndarray]:
    return _simulate(Period(dt.date(2024, 4, 1), 56), scale=2.0)


def _of(run: dict[str, np.ndarray], type_name: str) -> np.ndarray:
    return run["type"] == TYPE_NAMES.index(type_name)


def test_customer_types_keep_different_weekday_and_weekend_habits(eight_weeks) -> None:
    weekend_share = {
        name: eight_weeks["weekend"][_of(eight_weeks, name)].mean() for name in TYPE_NAMES
    }
    assert weekend_share["commuter"] < 0.1
    assert weekend_share["lunch_regular"] < 0.15
    assert weekend_share["brunch_group"] > 0.8
    assert 0.3 < weekend_share["occasional"] < 0.8
    # Weekends are quieter than weekdays overall, but far from empty.
    days = eight_weeks["orders_per_day"][-28:]
    weekend = day_features(Period(dt.date(2024, 4, 1), 56)).is_weekend[-28:]
    assert 0.3 < days[weekend].mean() / days[~weekend].mean() < 0.9


def test_customer_types_keep_different_hours(eight_weeks) -> None:
    weekday = ~eight_weeks["weekend"]
    hour = {
        name: np.median(eight_weeks["minute"][_of(eight_weeks, name) & weekday]) / 60
        for name in TYPE_NAMES
    }
    assert hour["commuter"] < 8.5  # before work
    assert 11.5 < hour["lunch_regular"] < 13.5  # lunch
    assert hour["student"] > 14  # afternoon
    brunch = np.median(eight_weeks["minute"][_of(eight_weeks, "brunch_group") & ~weekday]) / 60
    assert 10 < brunch < 12.5
    # The day has a morning rush, a lunch peak and a quieter afternoon.
    by_hour = np.bincount(eight_weeks["minute"][weekday] // 60, minlength=24)
    assert by_hour[7] > by_hour[10] < by_hour[12] > by_hour[16]


def test_orders_are_placed_within_opening_hours(eight_weeks) -> None:
    minute, weekend = eight_weeks["minute"], eight_weeks["weekend"]
    assert minute[~weekend].min() >= WEEKDAY_HOURS[0] and minute[~weekend].max() < WEEKDAY_HOURS[1]
    assert minute[weekend].min() >= WEEKEND_HOURS[0] and minute[weekend].max() < WEEKEND_HOURS[1]


def test_brunch_groups_buy_large_baskets_and_commuters_small_ones(eight_weeks) -> None:
    items = eight_weeks["items"]
    brunch = items[_of(eight_weeks, "brunch_group") & (items > 0)].mean()
    commuter = items[_of(eight_weeks, "commuter") & (items > 0)].mean()
    assert brunch > 3 and commuter < 1.5


def test_commuters_drink_and_lunch_regulars_eat(eight_weeks) -> None:
    kind = eight_weeks["type"][eight_weeks["item_order"]]
    is_drink = eight_weeks["item_sku"] >= 5
    commuter = is_drink[kind == TYPE_NAMES.index("commuter")].mean()
    lunch = is_drink[kind == TYPE_NAMES.index("lunch_regular")].mean()
    assert commuter > 0.8 and lunch < 0.5


def test_subtotal_is_the_price_of_the_items(eight_weeks) -> None:
    prices = np.bincount(
        eight_weeks["item_order"],
        weights=PRICES[eight_weeks["item_sku"]],
        minlength=len(eight_weeks["items"]),
    )
    np.testing.assert_array_equal(prices.astype(np.int64), eight_weeks["subtotal"])


def test_one_year_at_scale_one_is_about_jafgens_volume() -> None:
    run = _simulate(Period(dt.date(2022, 1, 1), 365), scale=1.0)
    assert 55_000 < run["orders_per_day"].sum() < 90_000


def test_scale_multiplies_the_volume() -> None:
    period = Period(dt.date(2022, 1, 1), 60)
    small = _simulate(period, scale=1.0)["orders_per_day"].sum()
    large = _simulate(period, scale=3.0)["orders_per_day"].sum()
    assert 2.4 < large / small < 3.6


def test_new_customers_keep_arriving_and_stores_start_empty() -> None:
    period = Period(dt.date(2022, 1, 1), 365)
    simulation = build_simulation(period, 1.0, 6, 3)
    population = simulation.population
    for position, store in enumerate(simulation.stores):
        arrivals = population.arrival_day[population.store == position]
        assert arrivals.min() >= store.opened_day
    first_store = population.arrival_day[population.store == 0]
    assert (first_store > 270).sum() > 20  # newcomers in the last quarter, long after opening
    # Arrivals are sorted, which the day loop relies on.
    assert np.all(np.diff(population.arrival_day) >= 0)


def _weather_like(simulation, **changes):
    return [replace(w, **changes) for w in simulation.weather]


def test_rain_lowers_demand_most_for_occasional_visitors() -> None:
    period = Period(dt.date(2022, 5, 1), 30)
    simulation = build_simulation(period, 1.0, 1, 1)
    features = day_features(period)
    dry = daily_demand(
        features,
        simulation.stores,
        _weather_like(simulation, rain_sum=np.zeros(30), snowfall_sum=np.zeros(30)),
    )
    wet = daily_demand(
        features,
        simulation.stores,
        _weather_like(simulation, rain_sum=np.full(30, 25.0), snowfall_sum=np.zeros(30)),
    )
    assert np.all(wet <= dry) and np.all(wet.sum(axis=1) < dry.sum(axis=1))
    loss = 1 - wet[0, :, 0] / dry[0, :, 0]
    assert loss.argmax() == TYPE_NAMES.index("occasional")


def test_heat_raises_the_cold_drink_share() -> None:
    shares = cold_drink_share(np.array([-5.0, 10.0, 20.0, 28.0, 36.0]), 0.0)
    assert np.all(np.diff(shares) > 0) and shares[0] < 0.1 and shares[-1] > 0.9
    bias = {t.name: t.cold_drink_bias for t in CUSTOMER_TYPES}
    mild_day = 21.0
    assert cold_drink_share(mild_day, bias["commuter"]) < cold_drink_share(
        mild_day, bias["student"]
    )


def test_hot_days_sell_more_cold_drinks() -> None:
    run = _simulate(Period(dt.date(2022, 1, 1), 365), scale=1.0, stores=1)
    sku, day = run["item_sku"], run["day"][run["item_order"]]
    drinks = np.isin(sku, np.concatenate([COLD_DRINKS, HOT_DRINKS]))
    cold = np.isin(sku, COLD_DRINKS)
    summer = (day >= 166) & (day < 258)  # mid-June to mid-September
    winter = day < 60
    assert cold[drinks & summer].mean() > cold[drinks & winter].mean() + 0.2


def test_students_stay_away_in_school_holidays_and_summer_draws_visitors() -> None:
    period = Period(dt.date(2022, 1, 1), 365)
    simulation = build_simulation(period, 1.0, 1, 1)
    demand = daily_demand(
        day_features(period),
        simulation.stores,
        _weather_like(simulation, rain_sum=np.zeros(365), snowfall_sum=np.zeros(365)),
    )
    july, march = 195, 75  # both weekdays in 2022
    student, occasional = TYPE_NAMES.index("student"), TYPE_NAMES.index("occasional")
    assert demand[july, student, 0] < 0.5 * demand[march, student, 0]
    assert demand[july, occasional, 0] > 1.3 * demand[march, occasional, 0]


def test_stores_sell_nothing_before_opening() -> None:
    period = Period(dt.date(2022, 1, 1), 120)
    simulation = build_simulation(period, 1.0, 4, 2)
    for day in range(period.days):
        orders = simulation.orders.simulate_day(day)
        opened = np.array([s.opened_day for s in simulation.stores])
        assert np.all(opened[orders.store] <= day)
