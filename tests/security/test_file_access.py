"""SQL on a warehouse connection reaches the folders it was opened for and no other file."""

import tempfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dataflow_assets.lib.warehouse import Warehouse

DENIED = pytest.raises(duckdb.PermissionException, match="disabled by configuration")


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    (root / "orders").mkdir(parents=True)
    (root / "orders" / "2024-05-06.csv").write_text("id,order_total\na,100\nb,250\n")
    return root


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(database=str(tmp_path / "warehouse.duckdb"), memory_limit="200MB")


def test_a_connection_for_the_landing_zone_reads_landed_files(warehouse, landing):
    with warehouse.connect(files_under=[landing]) as connection:
        rows = connection.execute(
            f"select sum(order_total) from read_csv('{landing}/orders/2024-05-06.csv')"
        ).fetchone()
    assert rows == (350,)


def test_files_outside_the_allowed_folders_are_refused(warehouse, landing, tmp_path):
    with tempfile.TemporaryDirectory() as elsewhere:
        other = Path(elsewhere) / "orders.csv"
        other.write_text("id\nx\n")
        (tmp_path / "landing-old").mkdir()
        (tmp_path / "landing-old" / "x.csv").write_text("id\nx\n")
        with warehouse.connect(files_under=[landing]) as connection:
            with DENIED:
                connection.execute("select * from read_csv('/etc/passwd')").fetchall()
            with DENIED:
                connection.execute(f"select * from read_csv('{other}')").fetchall()
            with DENIED:  # a sibling whose name starts like the landing zone's
                connection.execute(f"select * from read_csv('{tmp_path}/landing-old/x.csv')")
            with DENIED:  # climbing out of the landing zone
                connection.execute(f"select * from read_csv('{landing}/../landing-old/x.csv')")
            with DENIED:
                connection.execute(f"copy (select 1) to '{Path(elsewhere) / 'out.csv'}'")
            with DENIED:
                connection.execute(f"attach '{Path(elsewhere) / 'other.duckdb'}'")
            with pytest.raises(duckdb.InvalidInputException):  # and it cannot be undone
                connection.execute("set enable_external_access = true")
        assert not (Path(elsewhere) / "out.csv").exists()


def test_a_connection_opened_for_no_folder_still_does_warehouse_work(warehouse, landing):
    frame = pd.DataFrame({"id": ["a", "b"]})
    with warehouse.connect() as connection:
        connection.execute("create table orders as select * from range(100000) as t(id)")
        connection.register("frame", frame)
        assert connection.execute("select count(*) from frame").fetchone() == (2,)
        with DENIED:
            connection.execute(f"select * from read_csv('{landing}/orders/2024-05-06.csv')")
    with warehouse.connect(read_only=True) as connection:
        assert connection.execute("select count(*) from orders").fetchone() == (100000,)


SORT_BEYOND_MEMORY = (
    "select count(distinct note) from ("
    "select md5(range::varchar) as note from range(4000000) order by note)"
)


def test_large_sorts_still_spill_to_the_warehouse_temp_directory(tmp_path):
    # One thread and 100MB: deterministic, and this sort does not fit without spilling.
    small = Warehouse(database=str(tmp_path / "warehouse.duckdb"), memory_limit="100MB")
    with small.connect() as connection:
        connection.execute("set threads = 1")
        connection.execute("set preserve_insertion_order = false")
        assert connection.execute(SORT_BEYOND_MEMORY).fetchone() == (4000000,)
    # The same sort with the same budget and nowhere to spill runs out of memory: spilling is
    # what the restricted connection still did.
    config = {"memory_limit": "100MB", "threads": 1, "temp_directory": ""}
    with duckdb.connect(str(tmp_path / "no-spill.duckdb"), config=config) as unspilled:
        unspilled.execute("set preserve_insertion_order = false")
        with pytest.raises(duckdb.OutOfMemoryException):
            unspilled.execute(SORT_BEYOND_MEMORY).fetchone()


def test_a_second_connection_cannot_widen_what_the_first_allowed(warehouse, landing, tmp_path):
    with warehouse.connect(files_under=[landing]) as first:
        # Same file, same process: DuckDB shares one database instance and its settings.
        wider = warehouse.connect(files_under=[tmp_path / "backups"])
        with pytest.raises(PermissionError, match="already restricted"), wider:
            pass
        with warehouse.connect(files_under=[landing / "orders"]) as narrower:
            narrower.execute(f"select * from read_csv('{landing}/orders/2024-05-06.csv')")
        first.execute("select 1")
