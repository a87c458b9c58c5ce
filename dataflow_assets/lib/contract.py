"""The raw data contract: the Jaffle Shop raw schema exactly as dbt Labs' ``jafgen`` 0.4.14 writes it.

One definition that the sample-data generator writes, the ingestion assets load and the tests
compare against real ``jafgen`` output. Column order is jafgen's; money is integer cents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SourceKind = Literal["landing", "database"]


@dataclass(frozen=True)
class Entity:
    """One raw entity: its columns (jafgen names, in order) with their DuckDB types."""

    name: str
    source: SourceKind
    columns: dict[str, str]
    primary_key: tuple[str, ...]
    description: str
    event_time: str | None = None  # the timestamp whose day is the row's business date

    @property
    def column_names(self) -> list[str]:
        return list(self.columns)


ORDERS = Entity(
    name="orders",
    source="landing",
    columns={
        "id": "VARCHAR",
        "customer": "VARCHAR",
        "ordered_at": "TIMESTAMP",
        "store_id": "VARCHAR",
        "subtotal": "BIGINT",
        "tax_paid": "BIGINT",
        "order_total": "BIGINT",
    },
    primary_key=("id",),
    description="One row per order placed at a store; money in cents.",
    event_time="ordered_at",
)

ITEMS = Entity(
    name="items",
    source="landing",
    columns={"id": "VARCHAR", "order_id": "VARCHAR", "sku": "VARCHAR"},
    primary_key=("id",),
    description="One row per product line on an order.",
)

TWEETS = Entity(
    name="tweets",
    source="landing",
    columns={
        "id": "VARCHAR",
        "user_id": "VARCHAR",
        "tweeted_at": "TIMESTAMP",
        "content": "VARCHAR",
    },
    primary_key=("id",),
    description="Customers' public posts about the shop.",
    event_time="tweeted_at",
)

CUSTOMERS = Entity(
    name="customers",
    source="database",
    columns={"id": "VARCHAR", "name": "VARCHAR"},
    primary_key=("id",),
    description="Everyone who has ordered, as the operational database knows them.",
)

PRODUCTS = Entity(
    name="products",
    source="database",
    columns={
        "sku": "VARCHAR",
        "name": "VARCHAR",
        "type": "VARCHAR",
        "price": "BIGINT",
        "description": "VARCHAR",
    },
    primary_key=("sku",),
    description="The menu: jaffles and beverages with their price in cents.",
)

STORES = Entity(
    name="stores",
    source="database",
    columns={
        "id": "VARCHAR",
        "name": "VARCHAR",
        "opened_at": "TIMESTAMP",
        "tax_rate": "DOUBLE",
    },
    primary_key=("id",),
    description="Shops of the chain, named after their city, with their opening day and tax rate.",
)

SUPPLIES = Entity(
    name="supplies",
    source="database",
    columns={
        "id": "VARCHAR",
        "name": "VARCHAR",
        "cost": "BIGINT",
        "perishable": "BOOLEAN",
        "sku": "VARCHAR",
    },
    # jafgen repeats a supply id once per product that uses it.
    primary_key=("id", "sku"),
    description="What each product consumes, with the supply's cost in cents.",
)

LANDING_ENTITIES: tuple[Entity, ...] = (ORDERS, ITEMS, TWEETS)
DATABASE_ENTITIES: tuple[Entity, ...] = (CUSTOMERS, PRODUCTS, STORES, SUPPLIES)
ENTITIES: dict[str, Entity] = {e.name: e for e in LANDING_ENTITIES + DATABASE_ENTITIES}

# Lineage columns every raw event table carries next to the contract's columns.
LINEAGE_COLUMNS: dict[str, str] = {
    "_file_sha256": "VARCHAR",
    "_loaded_at": "TIMESTAMP WITH TIME ZONE",
    "_business_date": "DATE",
    # Where the row sits in its file (CSV: physical line, header = 1; Parquet, JSON Lines: row).
    "_line_number": "BIGINT",
}

# Open-Meteo archive API: the daily variables we request, in the order the API echoes them.
WEATHER_DAILY_VARIABLES: tuple[str, ...] = (
    "weather_code",
    "temperature_2m_max",
    "temperature_2m_min",
    "temperature_2m_mean",
    "precipitation_sum",
    "rain_sum",
    "snowfall_sum",
    "sunshine_duration",
    "wind_speed_10m_max",
)
WEATHER_DAILY_UNITS: dict[str, str] = {
    "time": "iso8601",
    "weather_code": "wmo code",
    "temperature_2m_max": "°C",
    "temperature_2m_min": "°C",
    "temperature_2m_mean": "°C",
    "precipitation_sum": "mm",
    "rain_sum": "mm",
    "snowfall_sum": "cm",
    "sunshine_duration": "s",
    "wind_speed_10m_max": "km/h",
}


@dataclass(frozen=True)
class City:
    """Where a store is: stores are named after their city, the API wants coordinates."""

    name: str
    latitude: float
    longitude: float
    timezone: str


# jafgen's six store cities first (in its opening order), then room for the chain to grow.
STORE_CITIES: tuple[City, ...] = (
    City("Philadelphia", 39.95, -75.17, "America/New_York"),
    City("Brooklyn", 40.65, -73.95, "America/New_York"),
    City("Chicago", 41.88, -87.63, "America/Chicago"),
    City("San Francisco", 37.77, -122.42, "America/Los_Angeles"),
    City("New Orleans", 29.95, -90.07, "America/Chicago"),
    City("Los Angeles", 34.05, -118.24, "America/Los_Angeles"),
    City("Seattle", 47.61, -122.33, "America/Los_Angeles"),
    City("Austin", 30.27, -97.74, "America/Chicago"),
    City("Denver", 39.74, -104.99, "America/Denver"),
    City("Boston", 42.36, -71.06, "America/New_York"),
    City("Miami", 25.76, -80.19, "America/New_York"),
    City("Portland", 45.52, -122.68, "America/Los_Angeles"),
)
CITIES_BY_NAME: dict[str, City] = {c.name: c for c in STORE_CITIES}


def weather_snapshot_file_name(latitude: float, longitude: float) -> str:
    """File name of a recorded Open-Meteo response for one coordinate pair (replayed offline)."""
    return f"open-meteo_{latitude:.2f}_{longitude:.2f}.json"
