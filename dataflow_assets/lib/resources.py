"""Resources, configured per environment in this one module.

``local`` (the default) points every resource at files under ``DATAFLOW_HOME``; ``production``
reads every location and secret from the environment through ``EnvVar`` so nothing sensitive is
ever a literal. Choose with ``DATAFLOW_ENV``. ``DATAFLOW_ENGINE`` picks the warehouse: the DuckDB
file, or Spark's warehouse folder (``LakeWarehouse``) on both environments.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlalchemy
from dagster import ConfigurableResource, EnvVar
from pydantic import Field

from dataflow_assets.lib import settings
from dataflow_assets.lib.dbt import dbt_cli_resource
from dataflow_assets.lib.warehouse import LakeWarehouse, Warehouse, lake_warehouse
from dataflow_assets.lib.weather_api import WeatherApi


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


def local_resources() -> dict[str, Any]:
    """Everything under DATAFLOW_HOME: DuckDB file (or Spark's warehouse folder), SQLite shop
    database, recorded weather."""
    warehouse: Warehouse | LakeWarehouse = (
        lake_warehouse()
        if settings.engine() == "spark"
        else Warehouse(
            database=str(settings.warehouse_path()), memory_limit=settings.duckdb_memory_limit()
        )
    )
    return {
        "warehouse": warehouse,
        "landing_zone": LandingZone(root=str(settings.landing_dir())),
        "operational_db": OperationalDatabase(url=settings.operational_db_url()),
        "weather_api": WeatherApi(
            base_url=settings.weather_api_url(),
            snapshot_dir=str(settings.weather_snapshot_dir()),
        ),
        "dbt": dbt_cli_resource(),
    }


def production_resources() -> dict[str, Any]:
    """Locations and credentials from the deployment's environment, never from code."""
    # On Spark the warehouse folder is Spark's own (settings.spark_warehouse_dir), no secret.
    warehouse = (
        lake_warehouse()
        if settings.engine() == "spark"
        else Warehouse(
            database=EnvVar("DATAFLOW_WAREHOUSE"), memory_limit=settings.duckdb_memory_limit()
        )
    )
    return {
        "warehouse": warehouse,
        "landing_zone": LandingZone(root=EnvVar("DATAFLOW_LANDING_DIR")),
        "operational_db": OperationalDatabase(url=EnvVar("DATAFLOW_OPERATIONAL_DB_URL")),
        "weather_api": WeatherApi(base_url=EnvVar("DATAFLOW_WEATHER_API_URL")),
        "dbt": dbt_cli_resource(),
    }


def resources_for_environment() -> dict[str, Any]:
    environment = os.environ.get("DATAFLOW_ENV", "local")
    if environment == "production":
        return production_resources()
    if environment == "local":
        return local_resources()
    raise ValueError(f"DATAFLOW_ENV={environment!r} is not known; use 'local' or 'production'.")
