"""One small sample built on both engines: DuckDB as the platform builds it, then its raw layer
published to Spark's warehouse layout and the same dbt project built on local Spark."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from dataflow_assets.lib.spark import publish_duckdb_warehouse
from tests.dbt.conftest import _run_dbt, load_raw
from tools.sample_data import generate

START = dt.date(2024, 5, 6)  # a Monday
DAYS = 21


@dataclass(frozen=True)
class BothEngines:
    """The sample's DuckDB warehouse and its Spark warehouse, both built by ``dbt build``."""

    home: Path  # DATAFLOW_HOME of both
    workdir: Path  # the working directory Spark and dbt ran in
    duckdb_results: dict  # run_results.json of each engine's `dbt build`
    spark_results: dict

    @property
    def duckdb_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def spark_warehouse(self) -> Path:
        return self.home / "spark-warehouse"


@pytest.fixture(scope="session")
def both_engines(tmp_path_factory: pytest.TempPathFactory) -> BothEngines:
    home = tmp_path_factory.mktemp("spark_home")
    workdir = tmp_path_factory.mktemp("spark_workdir")
    summary = generate(home, START, DAYS, scale=0.3, seed=7, progress=False)
    load_raw(home, summary.start, summary.end)
    _run_dbt(["build"], home / "warehouse.duckdb", home / "duckdb-target")
    with pytest.MonkeyPatch.context() as patch:
        # Spark and dbt run in an empty folder, so anything they write there is seen.
        patch.chdir(workdir)
        patch.setenv("DATAFLOW_HOME", str(home))
        publish_duckdb_warehouse(home / "warehouse.duckdb")
        _run_dbt(["build", "--target", "spark"], home / "warehouse.duckdb", home / "spark-target")
    return BothEngines(
        home=home,
        workdir=workdir,
        duckdb_results=json.loads((home / "duckdb-target" / "run_results.json").read_text()),
        spark_results=json.loads((home / "spark-target" / "run_results.json").read_text()),
    )
