"""Rows breaking the contract in a real PostgreSQL operational database: rejected, the rest loads."""

import duckdb
import sqlalchemy
from dagster import DagsterEventType, materialize

from dataflow_assets.defs.shop_db.assets import database_assets
from dataflow_assets.lib.resources import OperationalDatabase
from dataflow_assets.lib.warehouse import Warehouse

SHOP = """
create table customers (id text, name text);
insert into customers values ('c1', 'Ann'), ('c1', 'Impostor'), ('c2', 'Bob'), ('c2', 'Bob'),
    (null, 'Nobody'), ('c3', 'Cy');
create table products (sku text, name text, type text, price text, description text);
insert into products values ('JAF-001', 'nutellaphone', 'jaffle', 'abc', 'x'),
    ('BEV-001', 'tangaroo', 'beverage', '600', null);
create table stores (id text, name text, opened_at timestamp, tax_rate numeric(5, 4));
insert into stores values ('s1', 'Philadelphia', '2018-09-01 00:00', 0.06),
    ('s2', null, '2019-03-12 00:00', 0.04);
create table supplies (id text, name text, cost bigint, perishable boolean, sku text);
insert into supplies values ('SUP-001', 'cup', 13, true, 'BEV-001'),
    ('SUP-001', 'cup', null, true, 'JAF-001'), ('SUP-002', 'bread', 33, false, 'JAF-001');
"""


def test_postgresql_rows_breaking_the_contract_are_rejected_and_the_rest_loads(
    postgres_url, tmp_path
):
    admin = sqlalchemy.create_engine(f"{postgres_url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sqlalchemy.text("create database shop_rejected_rows_test"))
    admin.dispose()
    shop = sqlalchemy.create_engine(f"{postgres_url}/shop_rejected_rows_test")
    with shop.begin() as connection:
        for statement in SHOP.split(";\n"):
            if statement.strip():
                connection.execute(sqlalchemy.text(statement))
    shop.dispose()
    warehouse = Warehouse(database=str(tmp_path / "warehouse.duckdb"))
    resources = {
        "warehouse": warehouse,
        "operational_db": OperationalDatabase(url=f"{postgres_url}/shop_rejected_rows_test"),
    }

    result = materialize(database_assets, resources=resources)

    starts = [e for e in result.all_events if e.event_type == DagsterEventType.STEP_START]
    assert len(starts) == 4  # one attempt per table, no retries
    with duckdb.connect(warehouse.path, read_only=True) as connection:

        def rows(sql: str) -> list[tuple]:
            return connection.execute(sql).fetchall()

        assert rows("select id, name from raw.customers order by id") == [
            ("c2", "Bob"),
            ("c3", "Cy"),
        ]
        assert rows("select sku, price, description from raw.products") == [("BEV-001", 600, None)]
        assert rows("select id, tax_rate, opened_at::varchar from raw.stores") == [
            ("s1", 0.06, "2018-09-01 00:00:00")
        ]
        assert rows("select id, sku, perishable from raw.supplies order by id, sku") == [
            ("SUP-001", "BEV-001", True),
            ("SUP-002", "JAF-001", False),
        ]
        rejected = rows(
            "select source_table, row_key, reason from audit.rejected_source_rows "
            "order by source_table, row_number"
        )
    assert [(table, key) for table, key, _ in rejected] == [
        ("customers", "id='c1'"),
        ("customers", "id='c1'"),
        ("customers", "id='c2'"),  # the exact copy; the first c2 loads
        ("customers", "id=NULL"),
        ("products", "sku='JAF-001'"),
        ("stores", "id='s2'"),
        ("supplies", "id='SUP-001', sku='JAF-001'"),
    ]
    reasons = {key: reason for _, key, reason in rejected}
    assert "price 'abc' is not a whole number" in reasons["sku='JAF-001'"]
    assert "name is NULL" in reasons["id='s2'"]
    assert "cost is NULL" in reasons["id='SUP-001', sku='JAF-001'"]
