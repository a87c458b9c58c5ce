"""Resources, configured per environment in this one module.

``local`` (the default) points every resource at files under ``DATAFLOW_HOME``; ``production``
reads every location and secret from the environment through ``EnvVar`` so nothing sensitive is
ever a literal. Choose with ``DATAFLOW_ENV``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sys
import time
from collections.abc import Iterator, Sequence
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
from dataflow_assets.file_access import restrict_file_access

# Every asset, check and dbt step that opens the warehouse runs in this Dagster pool; the
# instance config limits it to one slot because DuckDB allows a single writing process.
DUCKDB_POOL = "duckdb"


class Warehouse(ConfigurableResource):
    """The DuckDB warehouse file; connections open late and close early (one writer at a time)."""

    path: str = Field(description="Path of the DuckDB database file.")
    # Large loads spill to disk beyond this instead of growing with the file.
    memory_limit: str = Field(default="4GB", description="DuckDB memory_limit per connection.")

    @contextmanager
    def connect(
        self, read_only: bool = False, files_under: Sequence[str | Path] = ()
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the warehouse whose SQL may touch no other file than those under
        ``files_under`` (e.g. the landing zone for a load): see ``file_access``."""
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        connection = duckdb.connect(
            self.path, read_only=read_only, config={"memory_limit": self.memory_limit}
        )
        try:
            restrict_file_access(connection, files_under)
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


class WeatherApiError(RuntimeError):
    """The weather API failed; the message names the URL and the status.

    ``transient`` says whether trying again later may help (throttling, outages) or not (an
    answer that is not the API's format, a 4xx for our query).
    """

    def __init__(self, message: str, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


def retry_delay(attempt: int, base_seconds: float, cap_seconds: float, rng: random.Random) -> float:
    """Exponential backoff with full jitter (Open-Meteo sends no Retry-After)."""
    return rng.uniform(0, min(cap_seconds, base_seconds * 2**attempt))


RETRYABLE_STATUS = {429, 500, 502, 503, 504}


class WeatherApi(ConfigurableResource):
    """Open-Meteo's archive API, or its recorded responses when ``base_url`` is empty.

    Both paths return the API's exact JSON so one parser serves the network and the snapshot.
    Calls are sequential (one request in flight), spaced by ``min_interval_seconds`` and retried
    with jittered exponential backoff on 429, 5xx, timeouts and connection errors.
    """

    base_url: str = Field(
        default="", description="e.g. https://archive-api.open-meteo.com/v1/archive"
    )
    snapshot_dir: str = Field(default="", description="Recorded responses replayed offline.")
    timeout_seconds: float = 30.0
    max_attempts: int = 5
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 30.0
    # A polite client: Open-Meteo's free tier allows ~10 calls a minute per city-sized request.
    min_interval_seconds: float = 1.0

    def fetch_daily(self, city: City, start: dt.date, end: dt.date) -> dict[str, Any]:
        if self.base_url:
            return self._fetch_live(city, start, end)
        return self._replay_snapshot(city, start, end)

    def _fetch_live(self, city: City, start: dt.date, end: dt.date) -> dict[str, Any]:
        params = {
            "latitude": city.latitude,
            "longitude": city.longitude,
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "daily": ",".join(WEATHER_DAILY_VARIABLES),
            "timezone": city.timezone,
        }
        rng = random.Random()  # noqa: S311 - jitter, not security
        last_problem = "no attempt made"
        with requests.Session() as session:
            for attempt in range(self.max_attempts):
                if attempt:
                    time.sleep(
                        retry_delay(
                            attempt - 1, self.backoff_base_seconds, self.backoff_cap_seconds, rng
                        )
                    )
                _wait_for_budget(self.min_interval_seconds)
                try:
                    response = session.get(
                        self.base_url, params=params, timeout=self.timeout_seconds
                    )
                except (requests.Timeout, requests.ConnectionError) as error:
                    last_problem = f"{type(error).__name__}: {error}"
                    continue
                if response.status_code in RETRYABLE_STATUS:
                    last_problem = f"HTTP {response.status_code}: {response.text[:200]}"
                    continue
                if response.status_code != 200:
                    raise WeatherApiError(
                        f"{response.url} answered HTTP {response.status_code}: {response.text[:300]}",
                        transient=False,
                    )
                try:
                    return response.json()
                except ValueError as error:
                    raise WeatherApiError(
                        f"{response.url} answered HTTP 200 with a body that is not JSON ({error}): "
                        f"{response.text[:200]!r}",
                        transient=False,
                    ) from error
        raise WeatherApiError(
            f"{self.base_url} for {city.name} {start}..{end} failed {self.max_attempts} times; "
            f"last: {last_problem}. Check DATAFLOW_WEATHER_API_URL and the network, then re-run.",
            transient=True,
        )

    def _replay_snapshot(self, city: City, start: dt.date, end: dt.date) -> dict[str, Any]:
        path = Path(self.snapshot_dir) / weather_snapshot_file_name(city.latitude, city.longitude)
        if not path.exists():
            raise FileNotFoundError(
                f"No recorded weather for {city.name} at {path}. Generate sample data "
                "(make run) or set DATAFLOW_WEATHER_API_URL to query Open-Meteo live."
            )
        recorded = json.loads(path.read_text())
        daily = recorded["daily"]
        first, last = start.isoformat(), end.isoformat()
        keep = [i for i, day in enumerate(daily["time"]) if first <= day <= last]
        recorded["daily"] = {name: [values[i] for i in keep] for name, values in daily.items()}
        return recorded


_last_call = [0.0]


def _wait_for_budget(min_interval_seconds: float) -> None:
    """Space calls from this process so bursts never hammer the API."""
    wait = _last_call[0] + min_interval_seconds - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    _last_call[0] = time.monotonic()


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
        "warehouse": Warehouse(
            path=str(settings.warehouse_path()), memory_limit=settings.duckdb_memory_limit()
        ),
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
        "warehouse": Warehouse(
            path=EnvVar("DATAFLOW_WAREHOUSE"), memory_limit=settings.duckdb_memory_limit()
        ),
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
