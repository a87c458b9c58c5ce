"""Operational-database rows that break the contract: rejected with a reason, never loaded,
never retried, and never costing a key the row it had."""

import sqlite3

import duckdb
import pytest
import sqlalchemy
from dagster import AssetKey, DagsterEventType, materialize

from dataflow_assets.defs.shop_db.assets import database_assets, snapshot_assets
from dataflow_assets.lib.contract import ENTITIES
from dataflow_assets.lib.ingestion.source_tables import is_transient, source_text
from dataflow_assets.lib.resources import OperationalDatabase
from dataflow_assets.lib.warehouse import Warehouse

raw_customers = snapshot_assets["customers"]
raw_products = snapshot_assets["products"]

ASSETS = {key.path[1]: a for a in database_assets for key in a.keys}
# SQLite column types as an operational database declares them, with no constraints.
DECLARED = {"VARCHAR": "TEXT", "BIGINT": "INTEGER", "DOUBLE": "REAL", "TIMESTAMP": "TEXT"}
DECLARED["BOOLEAN"] = "BOOLEAN"

GOOD = {
    "customers": [("c1", "Ann"), ("c2", "Bob")],
    "products": [
        ("JAF-001", "nutellaphone", "jaffle", 1100, "Nutella and banana"),
        ("BEV-001", "tangaroo", "beverage", 600, "Mango juice"),
    ],
    "stores": [
        ("s1", "Philadelphia", "2018-09-01T00:00:00", 0.06),
        ("s2", "Brooklyn", "2019-03-12 08:30:00", 0.04),
    ],
    "supplies": [
        ("SUP-001", "compostable cup", 13, True, "BEV-001"),
        ("SUP-001", "compostable cup", 13, True, "JAF-001"),
    ],
}


def write_table(path, table: str, rows: list[tuple]) -> str:
    """``table`` in a SQLite file at ``path`` (replaced), in the contract's columns."""
    entity = ENTITIES[table]
    columns = ", ".join(f'"{c}" {DECLARED[t]}' for c, t in entity.columns.items())
    with sqlite3.connect(path) as connection:
        connection.execute(f'drop table if exists "{table}"')
        connection.execute(f'create table "{table}" ({columns})')
        marks = ", ".join("?" for _ in entity.columns)
        connection.executemany(f'insert into "{table}" values ({marks})', rows)
    return f"sqlite:///{path}"


def snapshot(tmp_path, table: str, rows: list[tuple], warehouse: Warehouse | None = None):
    warehouse = warehouse or Warehouse(database=str(tmp_path / "warehouse.duckdb"))
    url = write_table(tmp_path / "shop.sqlite", table, rows)
    resources = {"warehouse": warehouse, "operational_db": OperationalDatabase(url=url)}
    return materialize([ASSETS[table]], resources=resources, raise_on_error=False), warehouse


def query(warehouse: Warehouse, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(warehouse.path, read_only=True) as connection:
        return connection.execute(sql, params or []).fetchall()


def step_attempts(result) -> int:
    return sum(1 for e in result.all_events if e.event_type == DagsterEventType.STEP_START)


# (table, rows, rows that load by key, rejected row numbers, what the first reason says)
CASES = {
    "duplicate id, different names": (
        "customers",
        [("c1", "Ann"), ("c1", "Impostor"), ("c2", "Bob")],
        {("c2",)},
        [1, 2],
        "the same key is also on row(s) 2 with different values",
    ),
    "duplicate id, identical rows": (
        "customers",
        [("c1", "Ann"), ("c1", "Ann"), ("c2", "Bob")],
        {("c1",), ("c2",)},
        [2],
        "exact copy of row 1",
    ),
    "NULL id": (
        "customers",
        [(None, "Nobody"), *GOOD["customers"]],
        {("c1",), ("c2",)},
        [1],
        "id is NULL",
    ),
    "NULL name": ("customers", [("c1", None), ("c2", "Bob")], {("c2",)}, [1], "name is NULL"),
    "text price": (
        "products",
        [("JAF-001", "nutellaphone", "jaffle", "abc", "x"), GOOD["products"][1]],
        {("BEV-001",)},
        [2],  # ordered by sku: BEV-001 is row 1
        "price 'abc' is not a whole number",
    ),
    "fractional price": (
        "products",
        [("JAF-001", "nutellaphone", "jaffle", 1100.5, "x"), GOOD["products"][1]],
        {("BEV-001",)},
        [2],
        "price '1100.5' is not a whole number",
    ),
    "price with a digit separator": (
        "products",
        [("JAF-001", "nutellaphone", "jaffle", "1_100", "x"), GOOD["products"][1]],
        {("BEV-001",)},
        [2],
        "price '1_100' is not a whole number",
    ),
    "NULL price": (
        "products",
        [("JAF-001", "nutellaphone", "jaffle", None, "x"), GOOD["products"][1]],
        {("BEV-001",)},
        [2],
        "price is NULL",
    ),
    "duplicate sku": (
        "products",
        [*GOOD["products"], ("BEV-001", "tangaroo", "beverage", 650, "Mango juice")],
        {("JAF-001",)},
        [1, 2],
        "the same key is also on row(s) 2",
    ),
    "NULL sku": (
        "products",
        [(None, "mystery", "jaffle", 100, "x"), *GOOD["products"]],
        {("JAF-001",), ("BEV-001",)},
        [1],
        "sku is NULL",
    ),
    "text tax rate": (
        "stores",
        [GOOD["stores"][0], ("s2", "Brooklyn", "2019-03-12T00:00:00", "six percent")],
        {("s1",)},
        [2],
        "tax_rate 'six percent' is not a finite number",
    ),
    "opening time with a UTC offset": (
        "stores",
        [GOOD["stores"][0], ("s2", "Brooklyn", "2019-03-12T01:00:00+09:00", 0.04)],
        {("s1",)},
        [2],
        "opened_at '2019-03-12T01:00:00+09:00' is not a local date and time",
    ),
    "NULL opening time": (
        "stores",
        [GOOD["stores"][0], ("s2", "Brooklyn", None, 0.04)],
        {("s1",)},
        [2],
        "opened_at is NULL",
    ),
    "duplicate store id": (
        "stores",
        [*GOOD["stores"], ("s2", "Boston", "2020-01-01T00:00:00", 0.05)],
        {("s1",)},
        [2, 3],
        "the same key is also on row(s) 3",
    ),
    "text cost": (
        "supplies",
        [GOOD["supplies"][0], ("SUP-001", "compostable cup", "13c", True, "JAF-001")],
        {("SUP-001", "BEV-001")},
        [2],
        "cost '13c' is not a whole number",
    ),
    "text perishable": (
        "supplies",
        [GOOD["supplies"][0], ("SUP-002", "bread", 33, "maybe", "JAF-001")],
        {("SUP-001", "BEV-001")},
        [2],
        "perishable 'maybe' is not a boolean",
    ),
    "duplicate supply and product": (
        "supplies",
        [*GOOD["supplies"], ("SUP-001", "paper cup", 9, False, "JAF-001")],
        {("SUP-001", "BEV-001")},
        [2, 3],
        "the same key is also on row(s) 3",
    ),
    "NULL sku of a supply": (
        "supplies",
        [*GOOD["supplies"], ("SUP-002", "bread", 33, True, None)],
        {("SUP-001", "BEV-001"), ("SUP-001", "JAF-001")},
        [3],  # ordered by id, then sku: SUP-002 comes last
        "sku is NULL",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_rows_breaking_the_contract_are_rejected_and_the_rest_loads(tmp_path, case):
    table, rows, loaded_keys, rejected_rows, reason = CASES[case]
    result, warehouse = snapshot(tmp_path, table, rows)

    assert result.success and step_attempts(result) == 1
    key = ", ".join(f'"{c}"' for c in ENTITIES[table].primary_key)
    assert set(query(warehouse, f"select {key} from raw.{table}")) == loaded_keys
    rejected = query(
        warehouse,
        "select row_number, reason from audit.rejected_source_rows "
        "where source_table = ? order by row_number",
        [table],
    )
    assert [number for number, _ in rejected] == rejected_rows
    assert reason in rejected[0][1]
    ledger = query(
        warehouse,
        "select rows_read, rows_loaded, rows_rejected from audit.source_snapshots "
        "where source_table = ? and is_current",
        [table],
    )
    assert ledger == [(len(rows), len(rows) - len(rejected_rows), len(rejected_rows))]
    (check,) = result.get_asset_check_evaluations()
    assert not check.passed and check.severity.value == "WARN"
    assert f"'{table}'" in check.description and f"row {rejected_rows[0]} (" in check.description


def test_valid_values_load_with_their_contract_types(tmp_path):
    rows = [
        ("JAF-001", "nutellaphone", "jaffle", 1100.0, None),  # a REAL whole number; no description
        ("BEV-001", "tangaroo", "beverage", "600", "Mango juice"),  # an integer stored as text
    ]
    result, warehouse = snapshot(tmp_path, "products", rows)
    assert result.success
    assert query(warehouse, "select sku, price, description from raw.products order by sku") == [
        ("BEV-001", 600, "Mango juice"),
        ("JAF-001", 1100, None),
    ]
    (check,) = result.get_asset_check_evaluations()
    assert check.passed


def test_a_rejected_key_keeps_its_previous_row_until_the_source_is_fixed(tmp_path):
    result, warehouse = snapshot(
        tmp_path, "customers", [("c1", "Ann"), ("c2", "Bob"), ("c3", "Cy")]
    )
    assert result.success
    before = dict(query(warehouse, "select id, _loaded_at from raw.customers"))

    broken = [("c1", "Ann"), ("c1", "Impostor"), ("c2", None), ("c3", "Cyrus")]
    result, _ = snapshot(tmp_path, "customers", broken, warehouse)
    assert result.success
    rows = query(warehouse, "select id, name, _loaded_at from raw.customers order by id")
    assert [r[:2] for r in rows] == [("c1", "Ann"), ("c2", "Bob"), ("c3", "Cyrus")]
    assert rows[0][2] == before["c1"] and rows[1][2] == before["c2"]  # kept, not reloaded
    materialization = result.asset_materializations_for_node(raw_customers.op.name)[0]
    assert materialization.metadata["rows_kept_from_previous"].value == 2

    result, _ = snapshot(
        tmp_path, "customers", [("c1", "Ann"), ("c2", "Bea"), ("c3", "Cyrus")], warehouse
    )
    assert result.success
    assert query(warehouse, "select id, name from raw.customers order by id") == [
        ("c1", "Ann"),
        ("c2", "Bea"),
        ("c3", "Cyrus"),
    ]


def test_a_new_key_with_no_valid_row_is_not_loaded(tmp_path):
    result, warehouse = snapshot(tmp_path, "customers", [("c1", "Ann")])
    result, _ = snapshot(
        tmp_path, "customers", [("c1", "Ann"), ("c9", "X"), ("c9", "Y")], warehouse
    )
    assert result.success
    assert query(warehouse, "select id from raw.customers") == [("c1",)]


def test_re_snapshotting_the_same_extract_records_its_rejected_rows_once(tmp_path):
    rows = [(None, "Nobody"), ("c1", "Ann")]
    result, warehouse = snapshot(tmp_path, "customers", rows)
    result, _ = snapshot(tmp_path, "customers", rows, warehouse)
    assert result.success
    assert query(warehouse, "select count(*) from audit.rejected_source_rows") == [(1,)]
    assert query(
        warehouse, "select count(*), count(*) filter (where is_current) from audit.source_snapshots"
    ) == [(1, 1)]
    rejected = query(warehouse, "select row_key, raw_row from audit.rejected_source_rows")
    assert rejected == [("id=NULL", '{"id":null,"name":"Nobody"}')]


def test_a_table_that_cannot_be_read_fails_once_without_retries_and_names_it(tmp_path):
    path = tmp_path / "shop.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "create table menu (sku text, name text, type text, price integer, description text)"
        )
        connection.execute("create view products as select * from menu")
        connection.execute("drop table menu")  # the view now fails on every read
    resources = {
        "warehouse": Warehouse(database=str(tmp_path / "warehouse.duckdb")),
        "operational_db": OperationalDatabase(url=f"sqlite:///{path}"),
    }
    result = materialize([raw_products], resources=resources, raise_on_error=False)
    assert not result.success
    assert step_attempts(result) == 1
    message = result.get_step_failure_events()[0].step_failure_data.error.message
    assert "Table 'products'" in message and "not retried" in message and "no such table" in message


class ServerDriverError(Exception):
    """Stands in for a server driver's exception class (psycopg's live outside sqlite3)."""


def _wrapped(cls, orig: Exception, invalidated: bool = False) -> sqlalchemy.exc.DBAPIError:
    return cls("select 1", {}, orig, connection_invalidated=invalidated)


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (
            _wrapped(
                sqlalchemy.exc.OperationalError, sqlite3.OperationalError("database is locked")
            ),
            True,
        ),
        (
            _wrapped(
                sqlalchemy.exc.OperationalError, sqlite3.OperationalError("no such table: menu")
            ),
            False,
        ),
        (
            _wrapped(
                sqlalchemy.exc.OperationalError, ServerDriverError("server closed the connection")
            ),
            True,
        ),
        (_wrapped(sqlalchemy.exc.DataError, ServerDriverError("invalid input syntax")), False),
        (_wrapped(sqlalchemy.exc.ProgrammingError, ServerDriverError("permission denied")), False),
        (
            _wrapped(sqlalchemy.exc.InterfaceError, ServerDriverError("gone"), invalidated=True),
            True,
        ),
        (duckdb.IOException("Could not set lock on file"), True),
        (duckdb.ConversionException("Could not convert string 'abc' to INT64"), False),
        (ValueError("a bug"), False),
    ],
    ids=lambda value: value if isinstance(value, bool) else type(value).__name__,
)
def test_only_unreachable_or_busy_databases_are_retried(error, transient):
    assert is_transient(error) is transient


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, None), (True, "true"), (350, "350"), (0.1, "0.1"), (1100.5, "1100.5"), ("abc", "abc")],
)
def test_driver_values_become_their_exact_text(value, text):
    assert source_text(value) == text


def test_every_snapshot_asset_checks_its_rows():
    for assets_def in database_assets:
        (check_key,) = assets_def.check_keys
        assert check_key.name == "source_rows_valid"
        assert check_key.asset_key in {AssetKey(["raw", name]) for name in GOOD}
