"""One small warehouse per session, built the way the platform builds it: sample data, the raw
ingestion assets, then ``dbt build``. Tests that change it work on a copy."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from dagster import materialize

from dataflow_assets.defs.landing.assets import landing_assets
from dataflow_assets.defs.shop_db.assets import database_assets
from dataflow_assets.defs.weather.assets import raw_weather
from dataflow_assets.lib.partitions import partition_range_tags
from dataflow_assets.lib.resources import LandingZone, OperationalDatabase
from dataflow_assets.lib.settings import DBT_PROJECT_DIR
from dataflow_assets.lib.warehouse import Warehouse
from dataflow_assets.lib.weather_api import WeatherApi
from tools.sample_data import generate

START = dt.date(2024, 5, 6)  # a Monday; the period spans June, so summer shares are not all zero
DAYS = 60
DBT = str(Path(sys.executable).parent / "dbt")


@dataclass(frozen=True)
class BuiltWarehouse:
    """A warehouse with raw data loaded and the dbt project built on it."""

    home: Path
    first_day: dt.date
    last_day: dt.date
    build_results: dict  # run_results.json of the `dbt build`

    @property
    def path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def target(self) -> Path:
        return self.home / "target"


def _run_dbt(
    args: list[str], warehouse: Path, target: Path, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """``dbt <args>`` on the project against ``warehouse``, artifacts in ``target``."""
    env = {
        **os.environ,
        "DATAFLOW_WAREHOUSE": str(warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }
    completed = subprocess.run(
        [
            DBT,
            "--no-use-colors",
            *args,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target),
            "--log-path",
            str(target / "logs"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check:
        assert completed.returncode == 0, completed.stdout[-6000:] + completed.stderr[-3000:]
    return completed


def load_raw(home: Path, first_day: dt.date, last_day: dt.date) -> None:
    """Materialize the raw ingestion assets (operational snapshots, then the landed days)."""
    resources = {
        "warehouse": Warehouse(database=str(home / "warehouse.duckdb")),
        "landing_zone": LandingZone(root=str(home / "landing")),
        "operational_db": OperationalDatabase(url=f"sqlite:///{home / 'operational.sqlite'}"),
        "weather_api": WeatherApi(snapshot_dir=str(home / "weather")),
    }
    assert materialize(database_assets, resources=resources).success
    days = partition_range_tags(first_day, last_day)
    assert materialize([*landing_assets, raw_weather], resources=resources, tags=days).success


def segment_customers(warehouse: Path) -> None:
    """The ML customer segments on the built marts (``ml.customer_segments``), as a run does."""
    from ml_assets import customer_segments

    assert materialize(
        [customer_segments], resources={"warehouse": Warehouse(database=str(warehouse))}
    ).success


# Built once per session, also when another folder's conftest imports the fixture (tests/metrics).
_SESSION_WAREHOUSE: list[BuiltWarehouse] = []


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> BuiltWarehouse:
    """Sixty days at half jafgen's volume, loaded into raw and built by ``dbt build``; then, as a
    run goes, the ML segments fitted and the models reading them rebuilt (raw -> dbt -> ML -> dbt)."""
    if not _SESSION_WAREHOUSE:
        _SESSION_WAREHOUSE.append(_build_warehouse(tmp_path_factory.mktemp("dbt_warehouse")))
    return _SESSION_WAREHOUSE[0]


def _build_warehouse(home: Path) -> BuiltWarehouse:
    summary = generate(home, START, DAYS, scale=0.5, seed=11, progress=False)
    load_raw(home, summary.start, summary.end)
    _run_dbt(["build"], home / "warehouse.duckdb", home / "target")
    results = json.loads((home / "target" / "run_results.json").read_text())
    segment_customers(home / "warehouse.duckdb")
    _run_dbt(["build", "--select", "source:ml+"], home / "warehouse.duckdb", home / "target")
    return BuiltWarehouse(home, summary.start, summary.end, results)


@pytest.fixture
def warehouse_copy(built_warehouse: BuiltWarehouse, tmp_path: Path) -> Path:
    """A private copy of the built warehouse for a test that rebuilds or changes it."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(built_warehouse.path, copy)
    return copy


@pytest.fixture(scope="session")
def docs_site(built_warehouse: BuiltWarehouse) -> Path:
    """The static dbt docs (``dbt docs generate --static``) of the built warehouse."""
    _run_dbt(["docs", "generate", "--static"], built_warehouse.path, built_warehouse.target)
    return built_warehouse.target


@pytest.fixture(scope="session")
def run_dbt():
    """``run_dbt(args, warehouse, target, check=True)``: the project's dbt against a warehouse."""
    return _run_dbt
