"""The dbt snapshots never record a duplicate or NULL key: history is permanent."""

import json
import sqlite3

import duckdb
from dagster import materialize

from dataflow_assets.defs.shop_db.assets import snapshot_assets
from dataflow_assets.lib.dbt import dbt_project
from dataflow_assets.lib.resources import OperationalDatabase
from dataflow_assets.lib.warehouse import Warehouse

SNAPSHOT_ROWS = (
    "select customer_id, customer_name, valid_to is null as is_current "
    "from staging.snp_shop__customers order by customer_id, valid_from"
)

raw_customers = snapshot_assets["customers"]


def load_customers(home, rows: list[tuple]) -> None:
    path = home / "shop.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("drop table if exists customers")
        connection.execute("create table customers (id text, name text)")
        connection.executemany("insert into customers values (?, ?)", rows)
    resources = {
        "warehouse": Warehouse(database=str(home / "warehouse.duckdb")),
        "operational_db": OperationalDatabase(url=f"sqlite:///{path}"),
    }
    assert materialize([raw_customers], resources=resources).success


def snapshot_rows(warehouse) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(SNAPSHOT_ROWS).fetchall()


def test_snapshot_alone_never_records_a_duplicate_or_null_customer(tmp_path, run_dbt):
    warehouse, target = tmp_path / "warehouse.duckdb", tmp_path / "target"
    load_customers(tmp_path, [("c1", "Ann"), ("c2", "Bob"), ("c3", "Cy")])
    run_dbt(["build", "--select", "stg_shop__customers", "snp_shop__customers"], warehouse, target)
    history = snapshot_rows(warehouse)
    assert history == [("c1", "Ann", True), ("c2", "Bob", True), ("c3", "Cy", True)]

    # The operational database gains a duplicate and a NULL id; the snapshot runs without the
    # staging tests (a Dagster subset of the snapshot alone).
    load_customers(
        tmp_path, [("c1", "Ann"), ("c1", "Impostor"), (None, "Nobody"), ("c2", "Bob"), ("c3", "Cy")]
    )
    run_dbt(["build", "--select", "snp_shop__customers"], warehouse, target)
    assert snapshot_rows(warehouse) == history

    # raw.customers changed some other way: the snapshot refuses rather than record it.
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(
            "insert into raw.customers values ('c2', 'Impostor', now()), (null, 'Nobody', now())"
        )
    completed = run_dbt(
        ["build", "--select", "snp_shop__customers"], warehouse, target, check=False
    )
    assert completed.returncode != 0
    assert "not taken, so its history is unchanged" in completed.stdout
    assert "1 row(s) with a NULL customer_id and 1 extra row(s)" in completed.stdout
    assert snapshot_rows(warehouse) == history


def test_every_snapshot_checks_its_source_key_before_recording():
    manifest = json.loads(dbt_project().manifest_path.read_text())
    snapshots = {
        n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "snapshot"
    }
    assert snapshots
    for name, node in snapshots.items():
        hooks = " ".join(hook["sql"] for hook in node["config"]["pre-hook"])
        source = node["depends_on"]["nodes"][0].split(".")[-1]
        assert "assert_snapshot_source_is_keyed" in hooks, name
        assert f"ref('{source}'), '{node['config']['unique_key']}'" in hooks, name
