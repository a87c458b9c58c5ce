"""Resources, configured per environment in this one module.

``local`` (the default) points every resource at files under ``DATAFLOW_HOME``; ``production``
reads every location and secret from the environment through ``EnvVar`` so nothing sensitive is
ever a literal. Choose with ``DATAFLOW_ENV``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import sqlalchemy
from dagster import ConfigurableResource, EnvVar
from dagster_dbt import DbtCliResource
from pydantic import Field

from dataflow_assets import settings
from dataflow_assets.file_access import restrict_file_access
from dataflow_assets.weather_api import WeatherApi, WeatherApiError

# Every asset, check and dbt step that opens the warehouse runs in this Dagster pool; the
# instance config limits it to one slot because DuckDB allows a single writing process.
DUCKDB_POOL = "duckdb"

__all__ = ["WeatherApi", "WeatherApiError"]


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
