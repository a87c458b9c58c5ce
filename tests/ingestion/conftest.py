"""Fixtures of the ingestion tests: an empty landing zone and a DuckDB warehouse file."""

from pathlib import Path

import duckdb
import pytest


@pytest.fixture
def zone(tmp_path: Path) -> Path:
    (tmp_path / "landing" / "orders").mkdir(parents=True)
    return tmp_path / "landing"


@pytest.fixture
def warehouse(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()
