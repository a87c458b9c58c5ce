"""Bring a multi-day dump (a whole ``jafgen`` output folder) in as if it had arrived day by day.

``make import-dump DUMP=<folder>`` splits ``raw_orders``/``raw_items``/``raw_tweets`` into one
landing file per business day (the files the daily export would have dropped), and writes the
reference entities into the operational database the snapshot assets read. ``make materialize``
then loads both through the usual assets, so a dump ends in the same partitions and tables.
Values are copied as text, byte for byte, so the contract's checks judge the dump's own data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import sqlalchemy

from dataflow_assets.defs.weather.checks import LIVE_WEATHER_API
from dataflow_assets.lib import settings
from dataflow_assets.lib.contract import (
    CITIES_BY_NAME,
    DATABASE_ENTITIES,
    ENTITIES,
    LANDING_ENTITIES,
    weather_snapshot_file_name,
)
from dataflow_assets.lib.file_access import restrict_file_access

# How each event entity finds its business day: items take the day of their order.
BUSINESS_DATE_SQL = {
    "orders": "select dump.*, cast(try_cast(ordered_at as timestamp) as date) as business_date from dump",
    "tweets": "select dump.*, cast(try_cast(tweeted_at as timestamp) as date) as business_date from dump",
    "items": (
        "select dump.*, cast(try_cast(orders.ordered_at as timestamp) as date) as business_date "
        "from dump left join orders_dump as orders on dump.order_id = orders.id"
    ),
}


@dataclass(frozen=True)
class DumpImport:
    daily_files: dict[str, int]
    reference_rows: dict[str, int]
    undated_rows: dict[str, int]


def dump_file(folder: Path, entity: str) -> Path:
    path = folder / f"raw_{entity}.csv"
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: a dump folder holds all seven jafgen files "
            f"({', '.join(f'raw_{e}.csv' for e in ENTITIES)})."
        )
    return path


def _read_as_text(connection: duckdb.DuckDBPyConnection, path: Path, name: str) -> None:
    escaped = str(path).replace("'", "''")
    connection.execute(
        f"create or replace temp table {name} as "
        f"select * from read_csv('{escaped}', header=true, all_varchar=true)"
    )


def split_into_daily_files(
    connection: duckdb.DuckDBPyConnection, folder: Path, landing_root: Path
) -> tuple[dict[str, int], dict[str, int]]:
    """Write ``<landing>/<entity>/<YYYY-MM-DD>.csv`` per day; returns files and undated rows."""
    _read_as_text(connection, dump_file(folder, "orders"), "orders_dump")
    files, undated = {}, {}
    for entity in LANDING_ENTITIES:
        _read_as_text(connection, dump_file(folder, entity.name), "dump")
        columns = ", ".join(f'"{c}"' for c in entity.column_names)
        connection.execute(
            f"create or replace temp table dated as {BUSINESS_DATE_SQL[entity.name]}"
        )
        # A row with no day cannot be placed in a partition; it is counted and reported, not hidden.
        undated[entity.name] = connection.execute(
            "select count(*) from dated where business_date is null"
        ).fetchone()[0]
        target = landing_root / entity.name
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=landing_root) as scratch:
            connection.execute(
                f"copy (select {columns}, business_date from dated where business_date is not null) "
                f"to '{scratch}' (format csv, header true, partition_by (business_date))"
            )
            written = 0
            for part in sorted(Path(scratch).glob("business_date=*/*.csv")):
                day = part.parent.name.split("=", 1)[1]
                # Rename into place last so the landing-zone sensor never sees a half-written file.
                shutil.move(part, target / f"{day}.csv")
                written += 1
        files[entity.name] = written
    return files, undated


def write_reference_tables(folder: Path, database_url: str) -> dict[str, int]:
    """Replace the operational database's reference tables with the dump's."""
    engine = sqlalchemy.create_engine(database_url)
    rows = {}
    try:
        for entity in DATABASE_ENTITIES:
            frame = pd.read_csv(dump_file(folder, entity.name), dtype=str, keep_default_na=False)
            frame = frame[entity.column_names]
            frame.to_sql(entity.name, engine, if_exists="replace", index=False, chunksize=10_000)
            rows[entity.name] = len(frame)
    finally:
        engine.dispose()
    return rows


@dataclass(frozen=True)
class WeatherCoverage:
    """How much of a dump's period the offline weather snapshot holds, per store city."""

    first_day: dt.date
    last_day: dt.date
    recorded_days: dict[str, int]  # city -> days of the period in its recording
    unknown_cities: list[str]  # store cities without coordinates (never fetched)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def complete(self) -> bool:
        """Every city with coordinates has every day of the period recorded."""
        return all(n == self.days for n in self.recorded_days.values())


def dump_period(folder: Path) -> tuple[dt.date, dt.date] | None:
    """First and last order day of a dump (the days its daily files cover)."""
    with duckdb.connect() as connection:
        restrict_file_access(connection, [folder])
        _read_as_text(connection, dump_file(folder, "orders"), "orders_dump")
        first, last = connection.execute(
            "select min(day), max(day) from "
            "(select cast(try_cast(ordered_at as timestamp) as date) as day from orders_dump)"
        ).fetchone()
    return (first, last) if first else None


def weather_snapshot_coverage(
    snapshot_dir: Path, store_cities: list[str], first_day: dt.date, last_day: dt.date
) -> WeatherCoverage:
    """Days of [first_day, last_day] that each store city's recorded Open-Meteo response holds."""
    recorded, unknown = {}, []
    first, last = first_day.isoformat(), last_day.isoformat()
    for name in sorted(set(store_cities)):
        city = CITIES_BY_NAME.get(name)
        if city is None:
            unknown.append(name)
            continue
        path = snapshot_dir / weather_snapshot_file_name(city.latitude, city.longitude)
        days = (
            json.loads(path.read_text()).get("daily", {}).get("time", []) if path.exists() else []
        )
        recorded[name] = sum(first <= day[:10] <= last for day in days)
    return WeatherCoverage(first_day, last_day, recorded, unknown)


def weather_message(coverage: WeatherCoverage, snapshot_dir: Path, live_url: str) -> list[str]:
    """What to tell the person importing: nothing when weather is there, else what to do."""
    period = f"{coverage.first_day} to {coverage.last_day}"
    if live_url:
        return [f"Weather for {period} will be fetched from {live_url} by `make materialize`."]
    lines = []
    if not coverage.complete:
        held = sum(coverage.recorded_days.values())
        wanted = coverage.days * len(coverage.recorded_days)
        holds = f"holds {held:,} of the {wanted:,} city-days" if held else "holds no weather"
        lines.append(
            f"WARNING weather: the offline weather snapshot in {snapshot_dir} {holds} for this "
            f"dump's period ({period}), so raw.weather stays "
            "empty for the rest and the revenue forecast is fitted without weather where it is "
            "thin. To fetch the period from the live Open-Meteo archive API instead, run "
            f"`DATAFLOW_WEATHER_API_URL={LIVE_WEATHER_API} make materialize` "
            "(see DATAFLOW_WEATHER_API_URL in docs/configuration.md)."
        )
    if coverage.unknown_cities:
        lines.append(
            f"WARNING weather: no coordinates for store cities {', '.join(coverage.unknown_cities)}"
            "; add them to STORE_CITIES in dataflow_assets/lib/contract.py to get their weather."
        )
    return lines


def import_dump(folder: Path, landing_root: Path, database_url: str) -> DumpImport:
    landing_root.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as connection:
        restrict_file_access(connection, [folder, landing_root])
        files, undated = split_into_daily_files(connection, folder, landing_root)
    return DumpImport(files, write_reference_tables(folder, database_url), undated)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Import a jafgen dump folder as daily files.")
    parser.add_argument(
        "folder", type=Path, help="folder holding raw_orders.csv ... raw_tweets.csv"
    )
    args = parser.parse_args(argv)
    result = import_dump(args.folder, settings.landing_dir(), settings.operational_db_url())
    for entity, count in result.daily_files.items():
        print(f"{entity}: {count} daily files in {settings.landing_dir() / entity}")
    for entity, count in result.reference_rows.items():
        print(f"{entity}: {count} rows into the operational database")
    for entity, count in result.undated_rows.items():
        if count:
            print(f"WARNING {entity}: {count} rows have no valid timestamp and were not placed")
    period = dump_period(args.folder)
    if period is not None:
        stores = pd.read_csv(dump_file(args.folder, "stores"), dtype=str, keep_default_na=False)
        snapshot_dir = settings.weather_snapshot_dir()
        coverage = weather_snapshot_coverage(snapshot_dir, list(stores["name"]), *period)
        for line in weather_message(coverage, snapshot_dir, settings.weather_api_url()):
            print(line)
    print("Now run `make materialize` to load them.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
