"""Operational-database snapshots through SQLAlchemy: SQLite and a real PostgreSQL server."""

import sqlite3

import duckdb
import pytest
import sqlalchemy
from dagster import Failure, materialize

from dataflow_assets.defs.shop_db.assets import database_assets, snapshot_assets
from dataflow_assets.lib.contract import STORES
from dataflow_assets.lib.ingestion.source_tables import read_source_batches
from dataflow_assets.lib.resources import OperationalDatabase
from dataflow_assets.lib.warehouse import Warehouse

raw_customers = snapshot_assets["customers"]
raw_stores = snapshot_assets["stores"]

STORE_ROWS = [
    ("s1", "Philadelphia", "2018-09-01T00:00:00", 0.06),
    ("s2", "Brooklyn", "2019-03-12T00:00:00", 0.04),
]


def sqlite_shop(tmp_path, with_stores=True) -> str:
    path = tmp_path / "shop.sqlite"
    with sqlite3.connect(path) as connection:
        if with_stores:
            connection.execute(
                "create table stores (id text, name text, opened_at text, tax_rate real, manager text)"
            )
            connection.executemany("insert into stores values (?, ?, ?, ?, 'someone')", STORE_ROWS)
        connection.execute("create table customers (id text, name text)")
        connection.execute("insert into customers values ('c1', 'Ann')")
    return f"sqlite:///{path}"


def raw_rows(warehouse: Warehouse, table: str) -> list[tuple]:
    with duckdb.connect(warehouse.path) as connection:
        return connection.execute(
            f"select * exclude (_loaded_at) from raw.{table} order by 1"
        ).fetchall()


def test_snapshot_copies_the_contract_columns_with_their_types(tmp_path):
    warehouse = Warehouse(database=str(tmp_path / "warehouse.duckdb"))
    resources = {
        "warehouse": warehouse,
        "operational_db": OperationalDatabase(url=sqlite_shop(tmp_path)),
    }
    assert materialize([raw_stores], resources=resources).success
    rows = raw_rows(warehouse, "stores")
    assert [r[:2] for r in rows] == [("s1", "Philadelphia"), ("s2", "Brooklyn")]
    assert (
        rows[1][2].isoformat() == "2019-03-12T00:00:00"
    )  # a real TIMESTAMP, extra columns dropped
    assert len(rows[0]) == len(STORES.columns)


def test_missing_table_fails_clearly_and_keeps_the_previous_snapshot(tmp_path):
    warehouse = Warehouse(database=str(tmp_path / "warehouse.duckdb"))
    good = {
        "warehouse": warehouse,
        "operational_db": OperationalDatabase(url=sqlite_shop(tmp_path)),
    }
    assert materialize([raw_stores], resources=good).success
    (tmp_path / "empty").mkdir()
    broken = {
        "warehouse": warehouse,
        "operational_db": OperationalDatabase(
            url=sqlite_shop(tmp_path / "empty", with_stores=False)
        ),
    }
    result = materialize([raw_stores], resources=broken, raise_on_error=False)
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.error.message
    assert "Table 'stores' does not exist" in failure and "previous snapshot was kept" in failure
    assert len(raw_rows(warehouse, "stores")) == 2


def test_unreachable_database_names_the_url_without_its_password():
    engine = sqlalchemy.create_engine("postgresql://shop:secret@127.0.0.1:9/shop")
    with pytest.raises(Failure) as failure:
        next(read_source_batches(engine, STORES))
    message = str(failure.value.description)
    assert "Cannot reach the operational database" in message
    assert "127.0.0.1:9" in message and "secret" not in message


def test_snapshots_read_from_a_real_postgresql_server(postgres_url, tmp_path):
    admin = sqlalchemy.create_engine(f"{postgres_url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sqlalchemy.text("create database shop_snapshot_test"))
    admin.dispose()
    shop = sqlalchemy.create_engine(f"{postgres_url}/shop_snapshot_test")
    with shop.begin() as connection:
        connection.execute(
            sqlalchemy.text(
                "create table stores (id text primary key, name text, opened_at timestamp, tax_rate numeric)"
            )
        )
        connection.execute(
            sqlalchemy.text("insert into stores values (:id, :name, :opened, :rate)"),
            [dict(zip(("id", "name", "opened", "rate"), row, strict=True)) for row in STORE_ROWS],
        )
        connection.execute(sqlalchemy.text("create table customers (id text, name text)"))
        connection.execute(
            sqlalchemy.text(
                "insert into customers select 'c' || g, 'name ' || g from generate_series(1, 120000) g"
            )
        )
    shop.dispose()
    warehouse = Warehouse(database=str(tmp_path / "warehouse.duckdb"))
    resources = {
        "warehouse": warehouse,
        "operational_db": OperationalDatabase(url=f"{postgres_url}/shop_snapshot_test"),
    }
    assert materialize([raw_stores, raw_customers], resources=resources).success
    assert [r[:2] for r in raw_rows(warehouse, "stores")] == [
        ("s1", "Philadelphia"),
        ("s2", "Brooklyn"),
    ]
    assert len(raw_rows(warehouse, "customers")) == 120_000  # read in batches, all of them


def test_every_reference_entity_has_a_snapshot_asset():
    keys = {key.path[1] for asset in database_assets for key in asset.keys}
    assert keys == {"customers", "products", "stores", "supplies"}
