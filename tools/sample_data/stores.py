"""The chain's shops: one per city of ``contract.STORE_CITIES``, opening one after another.

Store ``i`` is in city ``i``. The first store opens on the period's first day and the others at
even steps through the period (with six stores over a year: about every two months), so the data
shows a growing chain and no store sells before the day it opened. Opening hours are jafgen's:
07:00-20:00 on weekdays, 08:00-15:00 at weekends. Tax rates of jafgen's six cities are jafgen's;
the others are their real combined sales tax (Portland has none).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from dataflow_assets.lib.contract import STORE_CITIES, City
from tools.sample_data.calendar import Period
from tools.sample_data.identifiers import random_uuids

WEEKDAY_HOURS = (7 * 60, 20 * 60)  # opens, closes: minutes after midnight
WEEKEND_HOURS = (8 * 60, 15 * 60)


@dataclass(frozen=True)
class CityProfile:
    tax_rate: float
    market_size: float  # relative number of potential customers (jafgen's market sizes / 10)


CITY_PROFILES: dict[str, CityProfile] = {
    "Philadelphia": CityProfile(0.06, 0.9),
    "Brooklyn": CityProfile(0.04, 1.4),
    "Chicago": CityProfile(0.0625, 1.2),
    "San Francisco": CityProfile(0.075, 1.1),
    "New Orleans": CityProfile(0.04, 0.8),
    "Los Angeles": CityProfile(0.08, 0.8),
    "Seattle": CityProfile(0.1035, 1.1),
    "Austin": CityProfile(0.0825, 1.0),
    "Denver": CityProfile(0.0881, 0.9),
    "Boston": CityProfile(0.0625, 1.2),
    "Miami": CityProfile(0.07, 1.0),
    "Portland": CityProfile(0.0, 0.9),
}
_DEFAULT_PROFILE = CityProfile(0.06, 1.0)


@dataclass(frozen=True)
class Store:
    """One shop: its id, city, the day (of the period) it opens and its sales tax."""

    id: str
    city: City
    opened_day: int
    opened_on: dt.date
    tax_rate: float
    market_size: float

    @property
    def name(self) -> str:
        return self.city.name

    @property
    def tax_rate_millionths(self) -> int:
        """The tax rate as an integer, so tax in cents can be rounded exactly (half up)."""
        return round(self.tax_rate * 1_000_000)


def opening_days(store_count: int, days: int) -> list[int]:
    """The day each store opens: the first on day 0, the others evenly through the period."""
    return [i * days // store_count for i in range(store_count)]


def plan_stores(store_count: int, period: Period, rng: np.random.Generator) -> list[Store]:
    """The stores of the chain, in opening order, with seeded ids."""
    if not 1 <= store_count <= len(STORE_CITIES):
        raise ValueError(
            f"stores must be between 1 and {len(STORE_CITIES)} (one per city of "
            f"contract.STORE_CITIES), got {store_count}"
        )
    ids = random_uuids(rng, store_count)
    stores = []
    for i, opened_day in enumerate(opening_days(store_count, period.days)):
        city = STORE_CITIES[i]
        profile = CITY_PROFILES.get(city.name, _DEFAULT_PROFILE)
        stores.append(
            Store(
                id=ids[i].tobytes().decode("ascii"),
                city=city,
                opened_day=opened_day,
                opened_on=period.date(opened_day),
                tax_rate=profile.tax_rate,
                market_size=profile.market_size,
            )
        )
    return stores


def store_rows(stores: list[Store]) -> list[tuple[str, str, str, float]]:
    """Rows of the stores table in the contract's column order; ``opened_at`` as jafgen writes it."""
    return [(s.id, s.name, f"{s.opened_on.isoformat()}T00:00:00", s.tax_rate) for s in stores]
