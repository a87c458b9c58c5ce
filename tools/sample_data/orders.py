"""One business day of orders, items and tweets, simulated for all stores at once.

Each day, every customer present (arrived and not yet moved away) orders with the chance
``demand[day, type, store] * appetite`` (see ``demand.py``). Then, per order, all drawn as arrays:

- the time: a normal distribution around the type's usual hour (weekday or weekend), kept within
  opening hours, at minute precision like jafgen;
- the basket: the type's party size, with drinks and jaffles per person; the first drink and the
  first jaffle are often the customer's favourite, the drink cold or hot depending on the weather;
- about one order in 200 has no items at all (a voided ticket), so its subtotal is 0;
- money in cents: ``subtotal`` is the sum of the items' prices, ``tax_paid`` is
  ``round(subtotal * tax_rate)`` rounded half up, exactly (in integers), and
  ``order_total = subtotal + tax_paid``.

Orders are sorted by time, items follow their order, tweets (see ``tweets.py``) are sorted by time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from tools.sample_data.calendar import DayFeatures, Period
from tools.sample_data.customers import CUSTOMER_TYPES, FAVOURITE_CHANCE, Population
from tools.sample_data.demand import cold_drink_share
from tools.sample_data.identifiers import random_uuids
from tools.sample_data.menu import (
    COLD_DRINK_POPULARITY,
    COLD_DRINKS,
    HOT_DRINK_POPULARITY,
    HOT_DRINKS,
    JAFFLE_POPULARITY,
    JAFFLES,
    PRICES,
)
from tools.sample_data.stores import WEEKDAY_HOURS, WEEKEND_HOURS, Store
from tools.sample_data.timestamps import MICROS_PER_MINUTE, midnight_micros
from tools.sample_data.tweets import FAN_LEVEL_TWEET_BOOST, DayTweets, draw_tweets

EMPTY_ORDER_CHANCE = 0.005


@dataclass(frozen=True)
class DayOrders:
    """Everything that happened on one day, as arrays; rows of orders are sorted by time."""

    day: int
    date: dt.date
    order_ids: np.ndarray  # (n, 36) uint8: UUID text
    customer: np.ndarray  # position in the population
    customer_type: np.ndarray  # position in CUSTOMER_TYPES (not written: the simulation's truth)
    store: np.ndarray  # position in the store list
    ordered_at: np.ndarray  # int64 microseconds, local shop time
    subtotal: np.ndarray
    tax_paid: np.ndarray
    order_total: np.ndarray
    item_ids: np.ndarray  # (m, 36) uint8
    item_order: np.ndarray  # position of the item's order in this day's orders
    item_sku: np.ndarray  # position in menu.PRODUCTS
    tweets: DayTweets

    @property
    def order_count(self) -> int:
        return len(self.customer)


class OrderSimulator:
    """Draws each day's orders for a population; call ``simulate_day`` for days in order."""

    def __init__(
        self,
        period: Period,
        features: DayFeatures,
        stores: list[Store],
        population: Population,
        demand: np.ndarray,
        max_temperature: np.ndarray,
        rng: np.random.Generator,
    ) -> None:
        """``demand`` is indexed [day, type, store], ``max_temperature`` [store, day]."""
        self.period = period
        self.features = features
        self.population = population
        self.demand = demand
        self.max_temperature = max_temperature
        self.rng = rng
        self.has_ordered = np.zeros(len(population), dtype=bool)
        self._group = population.type * len(stores) + population.store
        self._tax_millionths = np.array([s.tax_rate_millionths for s in stores], dtype=np.int64)

        kinds = CUSTOMER_TYPES
        self._hour_mean = np.array([[k.order_hour[0][0], k.order_hour[1][0]] for k in kinds])
        self._hour_sd = np.array([[k.order_hour[0][1], k.order_hour[1][1]] for k in kinds])
        self._party_base = np.array([k.party[0] for k in kinds])
        self._party_extra = np.array([k.party[1] for k in kinds])
        self._party_chance = np.array([k.party[2] for k in kinds])
        self._drinks = np.array([k.drinks_per_person for k in kinds])
        self._jaffles = np.array([k.jaffles_per_person for k in kinds])
        self._second_drink = np.array([k.second_drink for k in kinds])
        self._cold_bias = np.array([k.cold_drink_bias for k in kinds])
        self._tweet_chance = np.array([k.tweet_chance for k in kinds])

    def _who_orders(self, day: int) -> np.ndarray:
        population = self.population
        arrived = int(np.searchsorted(population.arrival_day, day, side="right"))
        chance = self.demand[day].ravel()[self._group[:arrived]] * population.appetite[:arrived]
        present = population.departure_day[:arrived] > day
        return np.flatnonzero((self.rng.random(arrived) < chance) & present)

    def _order_minutes(self, day: int, kind: np.ndarray) -> np.ndarray:
        rng = self.rng
        weekend = int(self.features.is_weekend[day])
        mean, sd = self._hour_mean[kind, weekend] * 60, self._hour_sd[kind, weekend] * 60
        opens, closes = WEEKEND_HOURS if weekend else WEEKDAY_HOURS
        minutes = np.rint(rng.normal(mean, sd)).astype(np.int64)
        # Someone who would come when the shop is closed picks another time once, then the
        # nearest open minute: no pile-up at opening and closing time.
        closed = np.flatnonzero((minutes < opens) | (minutes >= closes))
        minutes[closed] = np.rint(rng.normal(mean[closed], sd[closed]))
        return np.clip(minutes, opens, closes - 1)

    def _baskets(self, kind: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rng = self.rng
        n = len(kind)
        party = self._party_base[kind] + rng.binomial(
            self._party_extra[kind], self._party_chance[kind]
        )
        drinks = rng.binomial(party, self._drinks[kind]) + (
            rng.random(n) < self._second_drink[kind]
        )
        jaffles = rng.binomial(party, self._jaffles[kind])
        # Nobody walks out empty-handed by chance: they take the thing their type comes for.
        nothing = (drinks + jaffles) == 0
        comes_for_drinks = self._drinks[kind] >= self._jaffles[kind]
        drinks = drinks + (nothing & comes_for_drinks)
        jaffles = jaffles + (nothing & ~comes_for_drinks)
        voided = rng.random(n) < EMPTY_ORDER_CHANCE
        return np.where(voided, 0, drinks), np.where(voided, 0, jaffles)

    def _products(
        self, buyer: np.ndarray, cold_share: np.ndarray, drinks: np.ndarray, jaffles: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Item rows: the order each belongs to and its product; drinks first, as jafgen lists them."""
        rng = self.rng
        population = self.population
        count = drinks + jaffles
        item_order = np.repeat(np.arange(len(count)), count)
        position = np.arange(len(item_order)) - np.repeat(np.cumsum(count) - count, count)
        order_drinks = drinks[item_order]
        is_drink = position < order_drinks
        first_of_kind = (position == 0) | (position == order_drinks)
        favourite = first_of_kind & (rng.random(len(item_order)) < FAVOURITE_CHANCE)
        cold = rng.random(len(item_order)) < cold_share[item_order]
        pick = rng.random(len(item_order))
        customer = buyer[item_order]

        def popular(options: np.ndarray, popularity: np.ndarray) -> np.ndarray:
            cumulative = np.cumsum(popularity)
            return options[np.minimum(np.searchsorted(cumulative, pick), len(options) - 1)]

        sku = np.select(
            [~is_drink & favourite, ~is_drink, cold & favourite, cold, favourite],
            [
                population.favourite_jaffle[customer],
                popular(JAFFLES, JAFFLE_POPULARITY),
                population.favourite_cold_drink[customer],
                popular(COLD_DRINKS, COLD_DRINK_POPULARITY),
                population.favourite_hot_drink[customer],
            ],
            popular(HOT_DRINKS, HOT_DRINK_POPULARITY),
        )
        return item_order, sku

    def simulate_day(self, day: int) -> DayOrders:
        rng = self.rng
        population = self.population
        buyer = self._who_orders(day)
        self.has_ordered[buyer] = True
        kind = population.type[buyer]
        store = population.store[buyer]
        minutes = self._order_minutes(day, kind)
        by_time = np.lexsort((buyer, store, minutes))
        buyer, kind, store, minutes = (
            buyer[by_time],
            kind[by_time],
            store[by_time],
            minutes[by_time],
        )

        drinks, jaffles = self._baskets(kind)
        cold_share = cold_drink_share(self.max_temperature[store, day], self._cold_bias[kind])
        item_order, item_sku = self._products(buyer, cold_share, drinks, jaffles)

        subtotal = np.rint(
            np.bincount(item_order, weights=PRICES[item_sku], minlength=len(buyer))
        ).astype(np.int64)
        tax_paid = (subtotal * self._tax_millionths[store] + 500_000) // 1_000_000
        date = self.period.date(day)
        ordered_at = midnight_micros(date) + minutes * MICROS_PER_MINUTE
        order_ids = random_uuids(rng, len(buyer))
        item_ids = random_uuids(rng, len(item_order))

        fan_level = population.fan_level[buyer]
        has_items = (drinks + jaffles) > 0
        tweet_chance = self._tweet_chance[kind] * FAN_LEVEL_TWEET_BOOST[fan_level] * has_items
        tweets = draw_tweets(
            rng,
            customer=buyer,
            ordered_at=ordered_at,
            tweet_chance=tweet_chance,
            fan_level=fan_level,
            item_order=item_order,
            item_sku=item_sku,
        )
        return DayOrders(
            day=day,
            date=date,
            order_ids=order_ids,
            customer=buyer,
            customer_type=kind,
            store=store,
            ordered_at=ordered_at,
            subtotal=subtotal,
            tax_paid=tax_paid,
            order_total=subtotal + tax_paid,
            item_ids=item_ids,
            item_order=item_order,
            item_sku=item_sku,
            tweets=tweets,
        )
