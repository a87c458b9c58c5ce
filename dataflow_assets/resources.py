"""Resources, configured per environment in this one module.

``local`` (the default) points every resource at files under ``DATAFLOW_HOME``; ``production``
reads every location and secret from the environment through ``EnvVar`` so nothing sensitive is
ever a literal. Choose with ``DATAFLOW_ENV``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import requests
import sqlalchemy
from dagster import ConfigurableResource, EnvVar
from dagster_dbt import DbtCliResource
from pydantic import Field

from dataflow_assets import settings
from dataflow_assets.contract import WEATHER_DAILY_VARIABLES, City, weather_snapshot_file_name

# Every asset, check and dbt step that opens the warehouse runs in this Dagster pool; the
# instance config limits it to one slot because DuckDB allows a single writing process.
DUCKDB_POOL = "duckdb"


class Warehouse(ConfigurableResource):
    """The DuckDB warehouse file; connections open late and close early (one writer at a time)."""

    path: str = Field(description="Path of the DuckDB database file.")

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        connection = duckdb.connect(self.path, read_only=read_only)
        try:
            yield connection
        finally:
            connection.close()


class LandingZone(ConfigurableResource):
    """The folder producers drop daily files into: ``<root>/<entity>/<YYYY-MM-DD>.<ext>``."""

    root: str = Field(description="Landing zone root folder.")

    @property
    def path(self) -> Path:
        return Path(self.root)


class OperationalDatabase(ConfigurableResource):
    """The shop's operational database, reached through any SQLAlchemy URL."""

    url: str = Field(description="SQLAlchemy URL, e.g. sqlite:///shop.sqlite or postgresql://...")

    def engine(self) -> sqlalchemy.Engine:
        return sqlalchemy.create_engine(self.url)


class WeatherApi(ConfigurableResource):
    """Open-Meteo's archive API, or its recorded responses when ``base_url`` is empty.

    Both paths return the API's exact JSON so one parser serves the network and the snapshot.
    """

    base_url: str = Field(
        default="", description="e.g. https://archive-api.open-meteo.com/v1/archive"
    )
    snapshot_dir: str = Field(default="", description="Recorded responses replayed offline.")
    timeout_seconds: float = 30.0

    def fetch_daily(self, city: City, start: dt.date, end: dt.date) -> dict[str, Any]:
        if self.base_url:
            return self._fetch_live(city, start, end)
        return self._replay_snapshot(city, start, end)

    def _fetch_live(self, city: City, start: dt.date, end: dt.date) -> dict[str, Any]:
        response = requests.get(
            self.base_url,
            params={
                "latitude": city.latitude,
                "longitude": city.longitude,
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
                "daily": ",".join(WEATHER_DAILY_VARIABLES),
                "timezone": city.timezone,
            },
            timeout=self.timeout_seconds,
        )
        response.raise_for_status()
        return response.json()

    def _replay_snapshot(self, city: City, start: dt.date, end: dt.date) -> dict[str, Any]:
        path = Path(self.snapshot_dir) / weather_snapshot_file_name(city.latitude, city.longitude)
        if not path.exists():
            raise FileNotFoundError(
                f"No recorded weather for {city.name} at {path}. Generate sample data "
                "(make run) or set DATAFLOW_WEATHER_API_URL to query Open-Meteo live."
            )
        recorded = json.loads(path.read_text())
        daily = recorded["daily"]
        keep = [
            i for i, day in enumerate(daily["time"]) if start.isoformat() <= day <= end.isoformat()
        ]
        recorded["daily"] = {name: [values[i] for i in keep] for name, values in daily.items()}
        return recorded


def _dbt_cli() -> DbtCliResource:
    from dataflow_assets.dbt import dbt_project

    # The dbt profile reads DATAFLOW_HOME; publish the resolved absolute path for its subprocess.
    os.environ["DATAFLOW_HOME"] = str(settings.dataflow_home())
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    # The dbt installed beside this interpreter, whether or not the venv is on PATH.
    beside_python = Path(sys.executable).parent / "dbt"
    executable = str(beside_python) if beside_python.exists() else "dbt"
    return DbtCliResource(project_dir=dbt_project(), dbt_executable=executable)


def local_resources() -> dict[str, Any]:
    """Everything under DATAFLOW_HOME: DuckDB file, SQLite shop database, recorded weather."""
    return {
        "warehouse": Warehouse(path=str(settings.warehouse_path())),
        "landing_zone": LandingZone(root=str(settings.landing_dir())),
        "operational_db": OperationalDatabase(url=settings.operational_db_url()),
        "weather_api": WeatherApi(
            base_url=settings.weather_api_url(),
            snapshot_dir=str(settings.weather_snapshot_dir()),
        ),
        "dbt": _dbt_cli(),
    }


def production_resources() -> dict[str, Any]:
    """Locations and credentials from the deployment's environment, never from code."""
    return {
        "warehouse": Warehouse(path=EnvVar("DATAFLOW_WAREHOUSE")),
        "landing_zone": LandingZone(root=EnvVar("DATAFLOW_LANDING_DIR")),
        "operational_db": OperationalDatabase(url=EnvVar("DATAFLOW_OPERATIONAL_DB_URL")),
        "weather_api": WeatherApi(base_url=EnvVar("DATAFLOW_WEATHER_API_URL")),
        "dbt": _dbt_cli(),
    }


def resources_for_environment() -> dict[str, Any]:
    environment = os.environ.get("DATAFLOW_ENV", "local")
    if environment == "production":
        return production_resources()
    if environment == "local":
        return local_resources()
    raise ValueError(f"DATAFLOW_ENV={environment!r} is not known; use 'local' or 'production'.")
