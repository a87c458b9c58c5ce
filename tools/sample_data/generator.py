"""Run the whole simulation and write its output: ``generate()``, which the CLI calls.

Everything is drawn from numpy generators seeded with ``seed`` (one stream per concern, so the
weather of a city does not change when the number of stores does), and nothing in any file depends
on the clock: the same arguments write byte-identical files. Days are simulated one after another
in the calling thread, and each day's three landing files are written by a small thread pool while
the next day is simulated (Arrow's writers release the GIL); at most a few days are in flight, so
memory stays bounded whatever the period and the scale. The customers table is written last: like
jafgen's, it lists the customers who ordered at least once.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from dataflow_assets.lib.contract import (
    CUSTOMERS,
    ITEMS,
    ORDERS,
    PRODUCTS,
    STORES,
    SUPPLIES,
    TWEETS,
)
from tools.sample_data.calendar import Period, day_features
from tools.sample_data.customers import Population, grow_population
from tools.sample_data.demand import daily_demand
from tools.sample_data.identifiers import ascii_matrix, fixed_width_strings
from tools.sample_data.menu import product_rows, supply_rows
from tools.sample_data.orders import DayOrders, OrderSimulator
from tools.sample_data.stores import Store, plan_stores, store_rows
from tools.sample_data.weather import (
    DailyWeather,
    open_meteo_response,
    simulate_weather,
)
from tools.sample_data.writers import (
    FILE_EXTENSIONS,
    OutputLayout,
    items_table,
    orders_table,
    tweets_table,
    write_landing_file,
    write_operational_db,
    write_weather_snapshot,
)

# Independent random streams: numpy.random.default_rng([seed, stream, ...]).
STORES_STREAM, CUSTOMERS_STREAM, DAYS_STREAM, WEATHER_STREAM = range(4)
WRITER_THREADS = 2
DAYS_IN_FLIGHT = (
    8  # days simulated but not yet written, at most (a day at 10M orders a year: ~10 MB)
)


@dataclass(frozen=True)
class GenerationSummary:
    """What one run wrote."""

    start: dt.date
    end: dt.date
    stores: int
    orders: int
    items: int
    tweets: int
    customers: int
    files: int
    seconds: float
    landing_dir: Path

    def describe(self) -> str:
        """The one-line summary the CLI prints."""
        return (
            f"{self.orders:,} orders, {self.items:,} items, {self.tweets:,} tweets, "
            f"{self.customers:,} customers, {self.stores} stores "
            f"from {self.start} to {self.end}: {self.files:,} files in {self.seconds:.1f} s "
            f"({self.landing_dir})"
        )


@dataclass(frozen=True)
class Simulation:
    """The fixed part of a run, decided before the first day: stores, weather, customers."""

    period: Period
    stores: list[Store]
    weather: list[DailyWeather]
    population: Population
    orders: OrderSimulator


def build_simulation(period: Period, scale: float, store_count: int, seed: int) -> Simulation:
    """Stores, weather and customers for ``period``, and the day-by-day order simulator."""
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    stores = plan_stores(store_count, period, np.random.default_rng([seed, STORES_STREAM]))
    weather = [
        simulate_weather(store.city, period, np.random.default_rng([seed, WEATHER_STREAM, i]))
        for i, store in enumerate(stores)
    ]
    features = day_features(period)
    population = grow_population(
        stores, period, scale, np.random.default_rng([seed, CUSTOMERS_STREAM])
    )
    simulator = OrderSimulator(
        period=period,
        features=features,
        stores=stores,
        population=population,
        demand=daily_demand(features, stores, weather),
        max_temperature=np.stack([w.temperature_2m_max for w in weather]),
        rng=np.random.default_rng([seed, DAYS_STREAM]),
    )
    return Simulation(period, stores, weather, population, simulator)


def _write_day(
    day: DayOrders,
    layout: OutputLayout,
    file_format: str,
    customer_ids: np.ndarray,
    store_ids: np.ndarray,
) -> int:
    text = file_format != "parquet"
    tables = [
        (ORDERS, orders_table(day, customer_ids, store_ids, text_timestamps=text)),
        (ITEMS, items_table(day)),
        (TWEETS, tweets_table(day, customer_ids, text_timestamps=text)),
    ]
    business_day = day.date.isoformat()
    written = 0
    for entity, table in tables:
        if table.num_rows:
            path = layout.landing_file(entity, business_day, file_format)
            write_landing_file(table, path, file_format)
            written += 1
    return written


def generate(
    home: Path | None,
    start: dt.date,
    days: int,
    scale: float = 1.0,
    stores: int = 6,
    seed: int = 42,
    file_format: str = "csv",
    progress: bool = True,
) -> GenerationSummary:
    """Simulate ``days`` days from ``start`` and write landing files, database and weather.

    ``home`` is the folder to write under (``landing/``, ``weather/``, ``operational.sqlite``);
    ``None`` writes where the platform's settings point (``DATAFLOW_HOME`` and friends).
    """
    if file_format not in FILE_EXTENSIONS:
        raise ValueError(f"unknown file format {file_format!r}; use one of {list(FILE_EXTENSIONS)}")
    began = time.perf_counter()
    layout = OutputLayout.under(home) if home is not None else OutputLayout.from_settings()
    period = Period(start, days)
    simulation = build_simulation(period, scale, stores, seed)
    files = 0
    for weather in simulation.weather:
        write_weather_snapshot(layout.weather_dir, open_meteo_response(weather))
        files += 1

    customer_ids = simulation.population.ids
    store_ids = ascii_matrix([store.id for store in simulation.stores])
    orders = items = tweets = 0
    with ThreadPoolExecutor(WRITER_THREADS, thread_name_prefix="sample-data-writer") as pool:
        in_flight: deque[Future[int]] = deque()
        bar = tqdm(
            range(days), desc="sample data", unit="day", file=sys.stderr, disable=not progress
        )
        for day_number in bar:
            day = simulation.orders.simulate_day(day_number)
            orders += day.order_count
            items += len(day.item_order)
            tweets += len(day.tweets.customer)
            if day.order_count:
                in_flight.append(
                    pool.submit(_write_day, day, layout, file_format, customer_ids, store_ids)
                )
            while len(in_flight) > DAYS_IN_FLIGHT:
                files += in_flight.popleft().result()
        files += sum(future.result() for future in in_flight)

    population = simulation.population
    ordered = np.flatnonzero(simulation.orders.has_ordered)
    customer_rows = zip(
        fixed_width_strings(population.ids[ordered]).to_pylist(),
        population.names(ordered).to_pylist(),
        strict=True,
    )
    write_operational_db(
        layout.operational_db,
        [
            (CUSTOMERS, list(customer_rows)),
            (PRODUCTS, product_rows()),
            (STORES, store_rows(simulation.stores)),
            (SUPPLIES, supply_rows()),
        ],
    )
    files += 1
    return GenerationSummary(
        start=period.start,
        end=period.end,
        stores=len(simulation.stores),
        orders=orders,
        items=items,
        tweets=tweets,
        customers=len(ordered),
        files=files,
        seconds=time.perf_counter() - began,
        landing_dir=layout.landing_dir,
    )
